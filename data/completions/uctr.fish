# fish completion for uctr(1): commands, their options and the options'
# values; container ids from `uctr list -q`, run with the --root given
# earlier on the line; image names from `uctr images --format json`.

# The words of the line before the cursor, the global options left out:
# the command first, then its arguments (nothing before the command). With
# -r, prints the --root option and its value instead.
function __fish_uctr_args
    set -l tokens (commandline -opc)
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case '--root=*'
                contains -- -r $argv; and printf '%s\n' --root (string replace -- '--root=' '' $tokens[$i])
            case --root --log --log-format --rootless
                if contains -- -r $argv; and test $tokens[$i] = --root; and test $i -lt (count $tokens)
                    printf '%s\n' --root $tokens[(math $i + 1)]
                end
                set i (math $i + 1)
            case '-*'
            case '*'
                contains -- -r $argv; or printf '%s\n' $tokens[$i..-1]
                return
        end
        set i (math $i + 1)
    end
end

function __fish_uctr_run
    set -l cmd (commandline -opc)[1]
    set cmd (string replace -r '^~/' "$HOME/" -- $cmd)
    test -x "$cmd"; or set cmd uctr
    set -l root (__fish_uctr_args -r | string replace -r '^~/' "$HOME/")
    command $cmd $root $argv 2>/dev/null
end

# The options of command $argv[1] that take a value (long and short).
function __fish_uctr_value_options
    switch $argv[1]
        case create
            echo -b --bundle --pid-file --console-socket --preserve-fds --network -p --publish
        case run
            echo -b --bundle --pid-file --console-socket --preserve-fds --network -p --publish --sdnotify \
                --rootfs -v --bind -w --workdir -e --env --env-file --name -u --user --hostname --userns \
                --cap-add --cap-drop --security-opt \
                --device --socket --init-path --log-opt --entrypoint --pull
        case exec
            echo --console-socket --cwd -e --env -u --user -g --additional-gids -p --process --pid-file \
                --process-label --apparmor -c --cap --preserve-fds --cgroup
        case list ps port
            echo -f --format
        case spec
            echo -b --bundle --rootfs --image
        case images image
            echo --format
        case update
            echo -r --resources --blkio-weight --cpu-period --cpu-quota --cpu-share --cpu-shares --cpu-rt-period \
                --cpu-rt-runtime --cpuset-cpus --cpuset-mems --memory --memory-reservation --memory-swap \
                --pids-limit --l3-cache-schema --mem-bw-schema
        case events
            echo --interval
        case logs
            echo --tail
    end
end

# The positional arguments of the command so far (option values left out);
# exec, ps and run take no options after their first one.
function __fish_uctr_positional
    set -l args (__fish_uctr_args)
    set -l cmd $args[1]
    set -l takes (string split ' ' -- (__fish_uctr_value_options $cmd))
    set -l options 1
    set -l i 2
    while test $i -le (count $args)
        set -l a $args[$i]
        if test $options = 1; and test "$a" = --
            set options 0
        else if test $options = 1; and string match -qr -- '^-.' $a
            if not string match -q -- '*=*' $a; and contains -- $a $takes
                set i (math $i + 1)
            end
        else
            echo $a
            contains -- $cmd exec ps run; and set options 0
        end
        set i (math $i + 1)
    end
end

# True when the command is one of $argv and it has N positional arguments
# (-n N) already.
function __fish_uctr_at
    argparse 'n=' -- $argv; or return 1
    set -l cmd (__fish_uctr_args)[1]
    contains -- "$cmd" $argv; or return 1
    test (count (__fish_uctr_positional)) -eq $_flag_n
end

# True when the command is `image` and its own command one of $argv.
function __fish_uctr_image_command
    set -l args (__fish_uctr_args)
    test "$args[1]" = image; and contains -- "$args[2]" $argv
end

# True when run has --rootfs: its first argument is then the command.
function __fish_uctr_rootfs
    string match -q -r -- '^--rootfs(=|$)' (__fish_uctr_args)
end

# The names of the store's images: the Name members of the JSON.
function __fish_uctr_images
    __fish_uctr_run images --format json | string replace -rf -- '^\s*"Name"\s*:\s*"([^"]*)",?$' '$1'
end

function __fish_uctr_no_command
    test (count (__fish_uctr_args)) -eq 0
end

function __fish_uctr_command
    contains -- (__fish_uctr_args)[1] $argv
end

# none, slirp, or slirp:NAME=VALUE,...
function __fish_uctr_network
    set -l v (string replace -r -- '^--network=' '' (commandline -ct))
    if not string match -q -- 'slirp:*' $v
        printf '%s\n' none slirp slirp:
        return
    end
    set -l rest (string replace -- 'slirp:' '' $v)
    set -l last (string split ',' -- $rest)[-1]
    set -l before (string sub -l (math (string length -- $v) - (string length -- $last)) -- $v)
    if string match -q -- '*=*' $last
        set -l name (string split -m1 '=' -- $last)[1]
        contains -- $name ipv6 allow_host_loopback dns; and printf '%s\n' $before$name=true $before$name=false
        test "$name" = outbound_tcp; and printf '%s\n' $before$name=splice $before$name=handover $before$name=slirp
        test "$name" = publish_tcp; and printf '%s\n' $before$name=relay $before$name=handover
        return
    end
    for o in mtu cidr ipv6 allow_host_loopback dns outbound_addr outbound_tcp publish_tcp
        string match -q -- "*,$o=*" ",$rest"; or echo $before$o=
    end
end

function __fish_uctr_port_specs
    # HOST IP (* for every address), HOST PORT, CONTAINER PORT, PROTO
    for line in (__fish_uctr_run port list (__fish_uctr_positional)[2])
        set -l f (string split -n ' ' -- $line)
        test (count $f) -eq 4; and string match -qr '^[0-9]+$' -- $f[2]; or continue
        if test "$f[1]" = '*'
            echo $f[2]:$f[3]/$f[4]
        else
            echo $f[1]:$f[2]:$f[3]/$f[4]
        end
    end
end

function __fish_uctr_signals
    set -l sigs HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP \
        TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS RTMIN RTMAX
    if string match -qi -- 'sig*' (commandline -ct)
        printf 'SIG%s\n' $sigs
    else
        printf '%s\n' $sigs
    end
end

complete -c uctr -f

# Global options and the commands.
complete -c uctr -n __fish_uctr_no_command -l root -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c uctr -n __fish_uctr_no_command -l log -r -F -d 'Also write errors and warnings to FILE'
complete -c uctr -n __fish_uctr_no_command -l log-format -x -a 'text json' -d 'Log format'
complete -c uctr -n __fish_uctr_no_command -l debug -d 'Print debug messages'
complete -c uctr -n __fish_uctr_no_command -l systemd-cgroup -d 'Cgroups through systemd'
complete -c uctr -n __fish_uctr_no_command -l rootless -x -a 'true false auto' -d 'Accepted as runc does'
complete -c uctr -n __fish_uctr_no_command -s v -l version -d 'Print the version'
complete -c uctr -n __fish_uctr_no_command -s h -l help -d 'Print the commands and global options'

complete -c uctr -n __fish_uctr_no_command -a create -d 'Create a container; it waits for start'
complete -c uctr -n __fish_uctr_no_command -a delete -d 'Delete a container and its state'
complete -c uctr -n __fish_uctr_no_command -a events -d "Print a container's statistics and OOM events"
complete -c uctr -n __fish_uctr_no_command -a exec -d 'Run a new process in a running container'
complete -c uctr -n __fish_uctr_no_command -a features -d 'Print what this uctr supports'
complete -c uctr -n __fish_uctr_no_command -a image -d 'Manage the image store: ls, pull, rm, prune, inspect'
complete -c uctr -n __fish_uctr_no_command -a images -d 'List the images in the store'
complete -c uctr -n __fish_uctr_no_command -a kill -d 'Send a signal to a container'
complete -c uctr -n __fish_uctr_no_command -a list -d 'List containers'
complete -c uctr -n __fish_uctr_no_command -a logs -d 'Print the log of a detached one-line container'
complete -c uctr -n __fish_uctr_no_command -a pause -d 'Suspend every process of a container'
complete -c uctr -n __fish_uctr_no_command -a port -d 'Publish, list and unpublish ports of a container'
complete -c uctr -n __fish_uctr_no_command -a ps -d 'List the processes of a container'
complete -c uctr -n __fish_uctr_no_command -a pull -d 'Pull an image from a registry, an OCI layout or an archive'
complete -c uctr -n __fish_uctr_no_command -a resume -d 'Resume a paused container'
complete -c uctr -n __fish_uctr_no_command -a rmi -d 'Remove images from the store'
complete -c uctr -n __fish_uctr_no_command -a run -d 'Create, start and wait for a container'
complete -c uctr -n __fish_uctr_no_command -a spec -d 'Write a default config.json'
complete -c uctr -n __fish_uctr_no_command -a start -d 'Start a created container'
complete -c uctr -n __fish_uctr_no_command -a state -d 'Print the state of a container as JSON'
complete -c uctr -n __fish_uctr_no_command -a system -d 'Show what the image store takes on disk (system df)'
complete -c uctr -n __fish_uctr_no_command -a update -d 'Change the resource limits of a container'

complete -c uctr -n 'not __fish_uctr_no_command' -s h -l help -d 'Print the options'

# Container ids, signals, port operations.
complete -c uctr -n '__fish_uctr_at -n 0 start state delete kill exec ps pause resume update events logs' \
    -a '(__fish_uctr_run list -q)' -d 'Container'
complete -c uctr -n '__fish_uctr_at -n 1 port' -a '(__fish_uctr_run list -q)' -d 'Container'
complete -c uctr -n '__fish_uctr_at -n 0 port' -a 'add remove list'
complete -c uctr -n '__fish_uctr_at -n 2 port; and test (__fish_uctr_positional)[1] = remove' \
    -a '(__fish_uctr_port_specs)' -d 'Published port'
complete -c uctr -n '__fish_uctr_at -n 1 kill' -a '(__fish_uctr_signals)' -d Signal

# Images, and the commands of `uctr image` and `uctr system`.
complete -c uctr -n '__fish_uctr_at -n 0 image' -a 'ls list' -d 'List the images'
complete -c uctr -n '__fish_uctr_at -n 0 image' -a pull -d 'Pull images into the store'
complete -c uctr -n '__fish_uctr_at -n 0 image' -a rm -d 'Remove images'
complete -c uctr -n '__fish_uctr_at -n 0 image' -a prune -d 'Remove what no image or container uses'
complete -c uctr -n '__fish_uctr_at -n 0 image' -a inspect -d "Print an image's config"
complete -c uctr -n '__fish_uctr_at -n 0 system' -a df -d 'What the images and the containers take on disk'
complete -c uctr -n '__fish_uctr_at -n 0 run; and not __fish_uctr_rootfs' -a '(__fish_uctr_images)' -d Image
complete -c uctr -n '__fish_uctr_command rmi; or __fish_uctr_image_command rm' -a '(__fish_uctr_images)' -d Image
complete -c uctr -n '__fish_uctr_at -n 1 image; and __fish_uctr_image_command inspect' -a '(__fish_uctr_images)' \
    -d Image
complete -c uctr -n '__fish_uctr_command rmi; or __fish_uctr_image_command rm' -s a -l all \
    -d 'Remove every image of the store'
complete -c uctr -n '__fish_uctr_command rmi; or __fish_uctr_image_command rm' -s f -l force \
    -d 'Remove it even when containers run from it'
complete -c uctr -n '__fish_uctr_command pull; or __fish_uctr_image_command pull' -s q -l quiet \
    -d "No progress, only the image's digest"
complete -c uctr -n '__fish_uctr_command images; or __fish_uctr_image_command ls list' -l format -x -a 'table json' \
    -d 'Output format'
complete -c uctr -n '__fish_uctr_command images; or __fish_uctr_image_command ls list' -s q -l quiet \
    -d 'Print the image ids alone'
complete -c uctr -n '__fish_uctr_command images; or __fish_uctr_image_command ls list' -l digests \
    -d "Show each image's digest too"
complete -c uctr -n '__fish_uctr_command images; or __fish_uctr_image_command ls list' -l size \
    -d "Show what each image shares with others and what is its own"

# create and run (run: none after the image, or the command, is given).
set -l cr '__fish_uctr_command create; or __fish_uctr_at -n 0 run'
set -l r1 '__fish_uctr_at -n 0 run'
complete -c uctr -n $cr -s b -l bundle -x -a '(__fish_complete_directories)' -d 'Bundle directory'
complete -c uctr -n $cr -l pid-file -r -F -d "Write the container's pid to FILE"
complete -c uctr -n $cr -l console-socket -r -F -d 'Send the pty master over this unix socket'
complete -c uctr -n $cr -l preserve-fds -x -d 'Pass N more fds, from fd 3'
complete -c uctr -n $cr -l no-pivot -d 'Use MS_MOVE and chroot instead of pivot_root'
complete -c uctr -n $cr -l no-new-keyring -d 'Accepted for runc compatibility'
complete -c uctr -n $cr -l network -x -a '(__fish_uctr_network)' -d 'none or slirp[:OPTIONS]'
complete -c uctr -n $cr -s p -l publish -x -d 'Publish [HOSTIP:]HOSTPORT[-LAST]:CONTAINERPORT[-LAST][/tcp|/udp]'
complete -c uctr -n $r1 -s d -l detach -d 'Return once the process has started'
complete -c uctr -n $r1 -l keep -d 'Do not delete the container once its process has exited'
complete -c uctr -n $r1 -l no-subreaper -d 'Accepted for runc compatibility'
complete -c uctr -n $r1 -l sdnotify -x -a 'container conmon ignore' -d 'Who says READY=1 under a Type=notify unit'
complete -c uctr -n $r1 -l rootfs -x -a '(__fish_complete_directories)' -d 'Run COMMAND in DIR, no config.json'
complete -c uctr -n $r1 -l read-only -d 'Mount the root read-only'
complete -c uctr -n $r1 -l writable -d "With --rootfs /: leave the host's root writable"
complete -c uctr -n $r1 -s v -l bind -r -F -d 'Bind SRC[:DEST[:ro]] into the container'
complete -c uctr -n $r1 -s w -l workdir -x -a '(__fish_complete_directories)' -d 'Working directory of the command'
complete -c uctr -n $r1 -s e -l env -x -d 'Set KEY[=VALUE] (KEY alone: the host'\''s value)'
complete -c uctr -n $r1 -l env-file -r -F -d 'Read KEY=VALUE lines from FILE'
complete -c uctr -n $r1 -s t -l tty -d 'Give the command a pty'
complete -c uctr -n $r1 -l name -x -d "The container's id"
complete -c uctr -n $r1 -s u -l user -x -d 'Run as UID[:GID]'
complete -c uctr -n $r1 -l hostname -x -d "The container's hostname"
complete -c uctr -n $r1 -l rm -d 'Delete the container when the command ends'
complete -c uctr -n $r1 -l userns -x -a keep-id -d 'keep-id: run as yourself, your ids the same inside'
set -l oneline_caps 'AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE CHOWN DAC_OVERRIDE
    DAC_READ_SEARCH FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN
    NET_BIND_SERVICE NET_BROADCAST NET_RAW PERFMON SETFCAP SETGID SETPCAP SETUID SYS_ADMIN SYS_BOOT SYS_CHROOT
    SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG SYSLOG WAKE_ALARM ALL'
complete -c uctr -n $r1 -l cap-add -x -a $oneline_caps -d 'Add capabilities (CAP,... or ALL)'
complete -c uctr -n $r1 -l cap-drop -x -a $oneline_caps -d 'Drop capabilities (CAP,... or ALL)'
complete -c uctr -n $r1 -l privileged -d 'Every capability, no seccomp, no masked paths, the host devices'
complete -c uctr -n $r1 -l security-opt -x -a 'seccomp=unconfined seccomp= no-new-privileges' \
    -d 'seccomp=unconfined|PATH or no-new-privileges'
complete -c uctr -n $r1 -l device -r -F -d 'Bind a host device node, or a directory of them'
complete -c uctr -n $r1 -l gpu -d "Bind the host's GPU nodes: /dev/dri and NVIDIA's"
complete -c uctr -n $r1 -l socket -x -a 'wayland x11 pulseaudio pipewire session-bus' -d 'Bind a desktop socket'
complete -c uctr -n $r1 -l gui -d 'Every --socket and --gpu the host has'
complete -c uctr -n $r1 -l init -d 'Run an init as PID 1 that forwards signals and reaps zombies'
complete -c uctr -n $r1 -l init-path -r -F -d 'The init for --init'
complete -c uctr -n $r1 -l log-opt -x -a 'max-size=' -d 'With --detach: max-size=SIZE of its log'
complete -c uctr -n $r1 -s i -l interactive -d 'Keep stdin attached (as in the foreground anyway)'
complete -c uctr -n $r1 -l entrypoint -x -d 'With an image: run CMD instead of its Entrypoint'
complete -c uctr -n $r1 -s P -l publish-all -d 'With an image: publish its exposed ports on free host ports'
complete -c uctr -n $r1 -l pull -x -a 'missing always never' -d 'With an image: when to pull it'

# exec.
set -l ex '__fish_uctr_command exec; and test (count (__fish_uctr_positional)) -eq 0'
complete -c uctr -n $ex -l console-socket -r -F -d 'Send the pty master over this unix socket'
complete -c uctr -n $ex -l cwd -x -d 'Working directory in the container'
complete -c uctr -n $ex -s e -l env -x -d 'Set KEY=VALUE'
complete -c uctr -n $ex -s t -l tty -d 'Give the process a pty'
complete -c uctr -n $ex -s u -l user -x -d 'Run as UID[:GID]'
complete -c uctr -n $ex -s g -l additional-gids -x -d 'An additional group'
complete -c uctr -n $ex -s p -l process -r -F -d 'The process as JSON'
complete -c uctr -n $ex -s d -l detach -d 'Return once the process has started'
complete -c uctr -n $ex -l pid-file -r -F -d "Write the process's pid to FILE"
complete -c uctr -n $ex -l process-label -x -d 'SELinux label (not supported)'
complete -c uctr -n $ex -l apparmor -x -d 'AppArmor profile (not supported)'
complete -c uctr -n $ex -l no-new-privs -d 'Set no_new_privs'
complete -c uctr -n $ex -s c -l cap -x -d 'Add a capability' -a 'CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_AUDIT_WRITE
    CAP_BLOCK_SUSPEND CAP_BPF CAP_CHECKPOINT_RESTORE CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER
    CAP_FSETID CAP_IPC_LOCK CAP_IPC_OWNER CAP_KILL CAP_LEASE CAP_LINUX_IMMUTABLE CAP_MAC_ADMIN CAP_MAC_OVERRIDE
    CAP_MKNOD CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW CAP_PERFMON CAP_SETFCAP CAP_SETGID
    CAP_SETPCAP CAP_SETUID CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_CHROOT CAP_SYS_MODULE CAP_SYS_NICE CAP_SYS_PACCT
    CAP_SYS_PTRACE CAP_SYS_RAWIO CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_SYSLOG CAP_WAKE_ALARM'
complete -c uctr -n $ex -l preserve-fds -x -d 'Pass N more fds, from fd 3'
complete -c uctr -n $ex -l ignore-paused -d 'Exec even when the container is paused'
complete -c uctr -n $ex -l cgroup -x -d 'Sub-cgroup (not supported)'

# The others.
complete -c uctr -n '__fish_uctr_command kill' -s a -l all -d 'Signal every process of the container'
complete -c uctr -n '__fish_uctr_command delete' -s f -l force -d 'Kill the container first if it runs'
complete -c uctr -n '__fish_uctr_command list' -s q -l quiet -d 'Print the ids only'
complete -c uctr -n '__fish_uctr_command list ps port' -s f -l format -x -a 'table json' -d 'Output format'
complete -c uctr -n '__fish_uctr_command spec' -l rootless -d 'A user namespace with your subordinate ids'
complete -c uctr -n '__fish_uctr_command spec' -s b -l bundle -x -a '(__fish_complete_directories)' \
    -d 'Write config.json in DIR'
complete -c uctr -n '__fish_uctr_command spec' -l rootfs -x -a '(__fish_complete_directories)' \
    -d 'Print the config of a run in DIR'
complete -c uctr -n '__fish_uctr_command spec' -l image -x -a '(__fish_uctr_images)' \
    -d 'Print the config of a run of IMAGE'
complete -c uctr -n '__fish_uctr_command events' -l interval -x -a '1s 5s 30s 1m' -d 'How often to print statistics'
complete -c uctr -n '__fish_uctr_command events' -l stats -d 'Print the statistics once'
complete -c uctr -n '__fish_uctr_command logs' -s f -l follow -d 'Print what comes next too, until the container ends'
complete -c uctr -n '__fish_uctr_command logs' -l tail -x -a '-1 10 100' -d 'Only the last N lines'
complete -c uctr -n '__fish_uctr_command logs' -s t -l timestamps -d 'Print the time of each line'

set -l up '__fish_uctr_command update'
complete -c uctr -n $up -s r -l resources -r -F -d 'linux.resources JSON from FILE or -'
complete -c uctr -n $up -l blkio-weight -x -d 'Block IO weight, 10 to 1000'
complete -c uctr -n $up -l cpu-period -x -d 'CPU CFS period in microseconds'
complete -c uctr -n $up -l cpu-quota -x -d 'CPU time in each period, in microseconds'
complete -c uctr -n $up -l cpu-share -x -d 'CPU shares'
complete -c uctr -n $up -l cpu-rt-period -x -d 'Accepted; not applied'
complete -c uctr -n $up -l cpu-rt-runtime -x -d 'Accepted; not applied'
complete -c uctr -n $up -l cpuset-cpus -x -d 'CPUs to use'
complete -c uctr -n $up -l cpuset-mems -x -d 'Memory nodes to use'
complete -c uctr -n $up -l memory -x -d 'Memory limit'
complete -c uctr -n $up -l memory-reservation -x -d 'Memory reservation'
complete -c uctr -n $up -l memory-swap -x -d 'Memory plus swap limit'
complete -c uctr -n $up -l pids-limit -x -d 'Maximum number of processes'
complete -c uctr -n $up -l l3-cache-schema -x -d 'Intel RDT (not supported)'
complete -c uctr -n $up -l mem-bw-schema -x -d 'Intel RDT (not supported)'
