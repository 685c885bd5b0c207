/* uctr: tests for config.c (config.json parsing and the default spec). */
#include "oci/config.h"
#include "oci/spec.h"
#include "base/util.h"

#include <string.h>
#include <sys/resource.h>

#include "testutil.h"

/* What `runc spec` (1.1.5) writes, byte for byte. */
static const char runc_default_spec[]
    = "{\n"
      "\t\"ociVersion\": \"1.0.2-dev\",\n"
      "\t\"process\": {\n"
      "\t\t\"terminal\": true,\n"
      "\t\t\"user\": {\n"
      "\t\t\t\"uid\": 0,\n"
      "\t\t\t\"gid\": 0\n"
      "\t\t},\n"
      "\t\t\"args\": [\n"
      "\t\t\t\"sh\"\n"
      "\t\t],\n"
      "\t\t\"env\": [\n"
      "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
      "\t\t\t\"TERM=xterm\"\n"
      "\t\t],\n"
      "\t\t\"cwd\": \"/\",\n"
      "\t\t\"capabilities\": {\n"
      "\t\t\t\"bounding\": [\n"
      "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
      "\t\t\t\t\"CAP_KILL\",\n"
      "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
      "\t\t\t],\n"
      "\t\t\t\"effective\": [\n"
      "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
      "\t\t\t\t\"CAP_KILL\",\n"
      "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
      "\t\t\t],\n"
      "\t\t\t\"permitted\": [\n"
      "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
      "\t\t\t\t\"CAP_KILL\",\n"
      "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
      "\t\t\t],\n"
      "\t\t\t\"ambient\": [\n"
      "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
      "\t\t\t\t\"CAP_KILL\",\n"
      "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
      "\t\t\t]\n"
      "\t\t},\n"
      "\t\t\"rlimits\": [\n"
      "\t\t\t{\n"
      "\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n"
      "\t\t\t\t\"hard\": 1024,\n"
      "\t\t\t\t\"soft\": 1024\n"
      "\t\t\t}\n"
      "\t\t],\n"
      "\t\t\"noNewPrivileges\": true\n"
      "\t},\n"
      "\t\"root\": {\n"
      "\t\t\"path\": \"rootfs\",\n"
      "\t\t\"readonly\": true\n"
      "\t},\n"
      "\t\"hostname\": \"runc\",\n"
      "\t\"mounts\": [\n"
      "\t\t{\n"
      "\t\t\t\"destination\": \"/proc\",\n"
      "\t\t\t\"type\": \"proc\",\n"
      "\t\t\t\"source\": \"proc\"\n"
      "\t\t},\n"
      "\t\t{\n"
      "\t\t\t\"destination\": \"/dev\",\n"
      "\t\t\t\"type\": \"tmpfs\",\n"
      "\t\t\t\"source\": \"tmpfs\",\n"
      "\t\t\t\"options\": [\n"
      "\t\t\t\t\"nosuid\",\n"
      "\t\t\t\t\"strictatime\",\n"
      "\t\t\t\t\"mode=755\",\n"
      "\t\t\t\t\"size=65536k\"\n"
      "\t\t\t]\n"
      "\t\t},\n"
      "\t\t{\n"
      "\t\t\t\"destination\": \"/dev/pts\",\n"
      "\t\t\t\"type\": \"devpts\",\n"
      "\t\t\t\"source\": \"devpts\",\n"
      "\t\t\t\"options\": [\n"
      "\t\t\t\t\"nosuid\",\n"
      "\t\t\t\t\"noexec\",\n"
      "\t\t\t\t\"newinstance\",\n"
      "\t\t\t\t\"ptmxmode=0666\",\n"
      "\t\t\t\t\"mode=0620\",\n"
      "\t\t\t\t\"gid=5\"\n"
      "\t\t\t]\n"
      "\t\t},\n"
      "\t\t{\n"
      "\t\t\t\"destination\": \"/dev/shm\",\n"
      "\t\t\t\"type\": \"tmpfs\",\n"
      "\t\t\t\"source\": \"shm\",\n"
      "\t\t\t\"options\": [\n"
      "\t\t\t\t\"nosuid\",\n"
      "\t\t\t\t\"noexec\",\n"
      "\t\t\t\t\"nodev\",\n"
      "\t\t\t\t\"mode=1777\",\n"
      "\t\t\t\t\"size=65536k\"\n"
      "\t\t\t]\n"
      "\t\t},\n"
      "\t\t{\n"
      "\t\t\t\"destination\": \"/dev/mqueue\",\n"
      "\t\t\t\"type\": \"mqueue\",\n"
      "\t\t\t\"source\": \"mqueue\",\n"
      "\t\t\t\"options\": [\n"
      "\t\t\t\t\"nosuid\",\n"
      "\t\t\t\t\"noexec\",\n"
      "\t\t\t\t\"nodev\"\n"
      "\t\t\t]\n"
      "\t\t},\n"
      "\t\t{\n"
      "\t\t\t\"destination\": \"/sys\",\n"
      "\t\t\t\"type\": \"sysfs\",\n"
      "\t\t\t\"source\": \"sysfs\",\n"
      "\t\t\t\"options\": [\n"
      "\t\t\t\t\"nosuid\",\n"
      "\t\t\t\t\"noexec\",\n"
      "\t\t\t\t\"nodev\",\n"
      "\t\t\t\t\"ro\"\n"
      "\t\t\t]\n"
      "\t\t},\n"
      "\t\t{\n"
      "\t\t\t\"destination\": \"/sys/fs/cgroup\",\n"
      "\t\t\t\"type\": \"cgroup\",\n"
      "\t\t\t\"source\": \"cgroup\",\n"
      "\t\t\t\"options\": [\n"
      "\t\t\t\t\"nosuid\",\n"
      "\t\t\t\t\"noexec\",\n"
      "\t\t\t\t\"nodev\",\n"
      "\t\t\t\t\"relatime\",\n"
      "\t\t\t\t\"ro\"\n"
      "\t\t\t]\n"
      "\t\t}\n"
      "\t],\n"
      "\t\"linux\": {\n"
      "\t\t\"resources\": {\n"
      "\t\t\t\"devices\": [\n"
      "\t\t\t\t{\n"
      "\t\t\t\t\t\"allow\": false,\n"
      "\t\t\t\t\t\"access\": \"rwm\"\n"
      "\t\t\t\t}\n"
      "\t\t\t]\n"
      "\t\t},\n"
      "\t\t\"namespaces\": [\n"
      "\t\t\t{\n"
      "\t\t\t\t\"type\": \"pid\"\n"
      "\t\t\t},\n"
      "\t\t\t{\n"
      "\t\t\t\t\"type\": \"network\"\n"
      "\t\t\t},\n"
      "\t\t\t{\n"
      "\t\t\t\t\"type\": \"ipc\"\n"
      "\t\t\t},\n"
      "\t\t\t{\n"
      "\t\t\t\t\"type\": \"uts\"\n"
      "\t\t\t},\n"
      "\t\t\t{\n"
      "\t\t\t\t\"type\": \"mount\"\n"
      "\t\t\t}\n"
      "\t\t],\n"
      "\t\t\"maskedPaths\": [\n"
      "\t\t\t\"/proc/acpi\",\n"
      "\t\t\t\"/proc/asound\",\n"
      "\t\t\t\"/proc/kcore\",\n"
      "\t\t\t\"/proc/keys\",\n"
      "\t\t\t\"/proc/latency_stats\",\n"
      "\t\t\t\"/proc/timer_list\",\n"
      "\t\t\t\"/proc/timer_stats\",\n"
      "\t\t\t\"/proc/sched_debug\",\n"
      "\t\t\t\"/sys/firmware\",\n"
      "\t\t\t\"/proc/scsi\"\n"
      "\t\t],\n"
      "\t\t\"readonlyPaths\": [\n"
      "\t\t\t\"/proc/bus\",\n"
      "\t\t\t\"/proc/fs\",\n"
      "\t\t\t\"/proc/irq\",\n"
      "\t\t\t\"/proc/sys\",\n"
      "\t\t\t\"/proc/sysrq-trigger\"\n"
      "\t\t]\n"
      "\t}\n"
      "}\n";

/* Test documents use ' for " so that they stay readable. */
static char *
sq (const char *text)
{
  char *json = g_strdup (text);

  g_strdelimit (json, "'", '"');
  return json;
}

static UctrConfig *
parse_ok (const char *sq_json)
{
  g_autofree char *json = sq (sq_json);
  g_autoptr(GError) error = NULL;
  UctrConfig *config = uctr_config_parse (json, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

#define BASE "'ociVersion':'1.2.0','root':{'path':'rootfs'}"
#define WITH_PROCESS(x) "{" BASE ",'process':{'args':['sh']," x "}}"
#define WITH_LINUX(x) "{" BASE ",'linux':{" x "}}"
#define WITH_MOUNT(x) "{" BASE ",'mounts':[{'destination':'/tmp'}, {" x "}]}"
#define WITH_HOOK(kind, x) "{" BASE ",'hooks':{'" kind "':[{" x "}]}}"

typedef struct
{
  const char *name;
  const char *json;    /* with ' for " */
  const char *message; /* what the error message starts with */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* the document */
  { "not-json", "{\n'ociVersion': x}", "config.json is not valid JSON: 2:" },
  { "empty", "", "config.json: the top level must be a JSON object" },
  { "array", "[]", "config.json: the top level must be a JSON object" },
  { "octal", WITH_PROCESS ("'user':{'uid':010,'gid':0}"),
    "config.json is not valid JSON: 1:87: not a JSON number: numbers are decimal" },
  { "comment", "{" BASE ",/'hostname':'x'/}", "config.json is not valid JSON: 1:48: JSON has no comments" },
  { "second-document", "{" BASE "}\n{" BASE "}", "config.json is not valid JSON: 2:1: more after the end" },
  { "nul-escape", "{" BASE ",'hostname':'a\\u0000b'}",
    "config.json is not valid JSON: 1:61: \\u0000 in a string" },
  { "version-missing", "{'root':{'path':'rootfs'}}", "ociVersion: missing required field" },
  { "version-type", "{'ociVersion':1,'root':{'path':'rootfs'}}", "ociVersion: must be a string" },
  { "version-2", "{'ociVersion':'2.0.0','root':{'path':'rootfs'}}",
    "ociVersion: unsupported version \"2.0.0\"; uctr supports 1.x" },
  { "version-0", "{'ociVersion':'0.5.0-dev','root':{'path':'rootfs'}}",
    "ociVersion: unsupported version \"0.5.0-dev\"" },
  { "version-10", "{'ociVersion':'10.0.0','root':{'path':'rootfs'}}",
    "ociVersion: unsupported version \"10.0.0\"" },
  { "root-missing", "{'ociVersion':'1.2.0'}", "root: missing required field" },
  { "root-type", "{'ociVersion':'1.2.0','root':'rootfs'}", "root: must be an object" },
  { "root-path-missing", "{'ociVersion':'1.2.0','root':{}}", "root.path: missing required field" },
  { "root-path-empty", "{'ociVersion':'1.2.0','root':{'path':''}}", "root.path: must be a non-empty string" },
  { "root-readonly", "{'ociVersion':'1.2.0','root':{'path':'r','readonly':'yes'}}",
    "root.readonly: must be a boolean" },
  { "hostname-type", "{" BASE ",'hostname':1}", "hostname: must be a string" },
  { "hostname-no-uts", "{" BASE ",'hostname':'box'}",
    "hostname: requires a uts namespace in linux.namespaces" },
  { "domainname-no-uts", "{" BASE ",'domainname':'lan','linux':{}}", "domainname: requires a uts namespace" },
  { "annotation-type", "{" BASE ",'annotations':{'a.b':1}}", "annotations[\"a.b\"]: must be a string" },
  { "annotations-type", "{" BASE ",'annotations':[]}", "annotations: must be an object" },
  /* process */
  { "process-type", "{" BASE ",'process':[]}", "process: must be an object" },
  { "args-missing", "{" BASE ",'process':{'cwd':'/'}}",
    "process.args: must be a non-empty array of strings" },
  { "args-empty", "{" BASE ",'process':{'args':[]}}", "process.args: must be a non-empty array of strings" },
  { "args-type", "{" BASE ",'process':{'args':'sh'}}", "process.args: must be a non-empty array of strings" },
  { "args-item", "{" BASE ",'process':{'args':['sh',1]}}", "process.args[1]: must be a string" },
  { "args-0-empty", "{" BASE ",'process':{'args':['']}}", "process.args[0]: must not be empty" },
  { "terminal", WITH_PROCESS ("'terminal':'yes'"), "process.terminal: must be a boolean" },
  { "cwd-relative", WITH_PROCESS ("'cwd':'tmp'"), "process.cwd: must be an absolute path" },
  { "cwd-empty", WITH_PROCESS ("'cwd':''"), "process.cwd: must be an absolute path" },
  { "console-width", WITH_PROCESS ("'consoleSize':{'height':24}"),
    "process.consoleSize.width: missing required field" },
  { "console-height", WITH_PROCESS ("'consoleSize':{'height':70000,'width':80}"),
    "process.consoleSize.height: must be an integer from 0 to 65535" },
  { "user-uid-missing", WITH_PROCESS ("'user':{'gid':0}"), "process.user.uid: missing required field" },
  { "user-gid-missing", WITH_PROCESS ("'user':{'uid':0}"), "process.user.gid: missing required field" },
  { "user-uid-negative", WITH_PROCESS ("'user':{'uid':-1,'gid':0}"),
    "process.user.uid: must be an integer from 0 to 4294967295" },
  { "user-uid-big", WITH_PROCESS ("'user':{'uid':4294967296,'gid':0}"),
    "process.user.uid: must be an integer from 0 to 4294967295" },
  { "user-uid-float", WITH_PROCESS ("'user':{'uid':1.0,'gid':0}"),
    "process.user.uid: must be an integer from 0 to 4294967295" },
  { "user-uid-string", WITH_PROCESS ("'user':{'uid':'0','gid':0}"),
    "process.user.uid: must be an integer from 0 to 4294967295" },
  { "user-umask", WITH_PROCESS ("'user':{'uid':0,'gid':0,'umask':-2}"),
    "process.user.umask: must be an integer" },
  { "user-gids", WITH_PROCESS ("'user':{'uid':0,'gid':0,'additionalGids':[1,'a']}"),
    "process.user.additionalGids[1]: must be an integer from 0 to 4294967295" },
  { "user-gids-null", WITH_PROCESS ("'user':{'uid':0,'gid':0,'additionalGids':[1,null]}"),
    "process.user.additionalGids[1]: must be an integer from 0 to 4294967295" },
  { "user-gids-type", WITH_PROCESS ("'user':{'uid':0,'gid':0,'additionalGids':5}"),
    "process.user.additionalGids: must be an array" },
  { "env-type", WITH_PROCESS ("'env':'A=b'"), "process.env: must be an array of strings" },
  { "env-item", WITH_PROCESS ("'env':['A=b',1]"), "process.env[1]: must be a string" },
  { "env-empty", WITH_PROCESS ("'env':['A=b','']"), "process.env[1]: must not be empty" },
  { "caps-type", WITH_PROCESS ("'capabilities':['CAP_KILL']"), "process.capabilities: must be an object" },
  { "caps-set", WITH_PROCESS ("'capabilities':{'bounding':'CAP_KILL'}"),
    "process.capabilities.bounding: must be an array of strings" },
  { "caps-item", WITH_PROCESS ("'capabilities':{'ambient':['CAP_KILL',7]}"),
    "process.capabilities.ambient[1]: must be a string" },
  { "rlimit-unknown",
    WITH_PROCESS (
        "'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':0},{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
    "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"" },
  { "rlimit-type-missing", WITH_PROCESS ("'rlimits':[{'soft':1,'hard':1}]"),
    "process.rlimits[0].type: missing required field" },
  { "rlimit-soft-missing", WITH_PROCESS ("'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]"),
    "process.rlimits[0].soft: missing required field" },
  { "rlimit-hard-negative", WITH_PROCESS ("'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':-2}]"),
    "process.rlimits[0].hard: must be an integer from 0 to 18446744073709551615" },
  { "rlimit-soft-minus-one", WITH_PROCESS ("'rlimits':[{'type':'RLIMIT_NOFILE','soft':-1,'hard':1}]"),
    "process.rlimits[0].soft: must be an integer from 0 to 18446744073709551615" },
  { "rlimit-duplicate",
    WITH_PROCESS (
        "'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},{'type':'RLIMIT_CORE','soft':0,'hard':0},"
        "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
    "process.rlimits[2]: duplicate rlimit \"RLIMIT_NOFILE\"" },
  { "rlimit-item", WITH_PROCESS ("'rlimits':['RLIMIT_NOFILE']"), "process.rlimits[0]: must be an object" },
  { "no-new-privs", WITH_PROCESS ("'noNewPrivileges':1"), "process.noNewPrivileges: must be a boolean" },
  { "oom-score-adj", WITH_PROCESS ("'oomScoreAdj':1001"),
    "process.oomScoreAdj: must be an integer from -1000 to 1000" },
  { "apparmor", WITH_PROCESS ("'apparmorProfile':false"), "process.apparmorProfile: must be a string" },
  { "selinux", WITH_PROCESS ("'selinuxLabel':[]"), "process.selinuxLabel: must be a string" },
  /* mounts */
  { "mounts-type", "{" BASE ",'mounts':{}}", "mounts: must be an array" },
  { "mount-type", "{" BASE ",'mounts':['/tmp']}", "mounts[0]: must be an object" },
  { "mount-destination-missing", WITH_MOUNT ("'type':'tmpfs'"),
    "mounts[1].destination: missing required field" },
  { "mount-destination-relative", WITH_MOUNT ("'destination':'tmp'"),
    "mounts[1].destination: must be an absolute path" },
  { "mount-destination-dotdot", WITH_MOUNT ("'destination':'/a/../../etc'"),
    "mounts[1].destination: must not contain \"..\"" },
  { "mount-destination-type", WITH_MOUNT ("'destination':1"), "mounts[1].destination: must be a string" },
  { "mount-fstype", WITH_MOUNT ("'destination':'/x','type':1"), "mounts[1].type: must be a string" },
  { "mount-source", WITH_MOUNT ("'destination':'/x','source':{}"), "mounts[1].source: must be a string" },
  { "mount-options", WITH_MOUNT ("'destination':'/x','options':['ro',1]"),
    "mounts[1].options[1]: must be a string" },
  { "mount-uidmap-size",
    WITH_MOUNT ("'destination':'/x','uidMappings':[{'containerID':0,'hostID':0,'size':0}]"),
    "mounts[1].uidMappings[0].size: must be an integer from 1 to 4294967295" },
  { "mount-gidmap-type", WITH_MOUNT ("'destination':'/x','gidMappings':{}"),
    "mounts[1].gidMappings: must be an array" },
  /* hooks */
  { "hooks-type", "{" BASE ",'hooks':[]}", "hooks: must be an object" },
  { "hook-kind-type", "{" BASE ",'hooks':{'poststart':{}}}", "hooks.poststart: must be an array" },
  { "hook-path-relative", WITH_HOOK ("prestart", "'path':'bin/true'"),
    "hooks.prestart[0].path: must be an absolute path" },
  { "hook-path-missing", WITH_HOOK ("createRuntime", "'args':['x']"),
    "hooks.createRuntime[0].path: missing required field" },
  { "hook-args", WITH_HOOK ("createContainer", "'path':'/bin/true','args':'x'"),
    "hooks.createContainer[0].args: must be an array of strings" },
  { "hook-env", WITH_HOOK ("startContainer", "'path':'/bin/true','env':[null]"),
    "hooks.startContainer[0].env[0]: must be a string" },
  { "hook-timeout-zero", WITH_HOOK ("poststop", "'path':'/bin/true','timeout':0"),
    "hooks.poststop[0].timeout: must be greater than zero" },
  { "hook-timeout-negative", WITH_HOOK ("poststop", "'path':'/bin/true','timeout':-3"),
    "hooks.poststop[0].timeout: must be greater than zero" },
  { "hook-timeout-big", WITH_HOOK ("poststop", "'path':'/bin/true','timeout':2147483648"),
    "hooks.poststop[0].timeout: must be an integer from 1 to 2147483647" },
  { "hook-timeout-float", WITH_HOOK ("poststop", "'path':'/bin/true','timeout':1.5"),
    "hooks.poststop[0].timeout: must be an integer from 1 to 2147483647" },
  /* linux */
  { "linux-type", "{" BASE ",'linux':[]}", "linux: must be an object" },
  { "ns-unknown", WITH_LINUX ("'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'foo'}]"),
    "linux.namespaces[2].type: unknown namespace type \"foo\"" },
  { "ns-duplicate", WITH_LINUX ("'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'ipc'},{'type':'pid'}]"),
    "linux.namespaces[3]: duplicate namespace \"pid\"" },
  { "ns-type-missing", WITH_LINUX ("'namespaces':[{'path':'/proc/1/ns/pid'}]"),
    "linux.namespaces[0].type: missing required field" },
  { "ns-path-relative", WITH_LINUX ("'namespaces':[{'type':'network','path':'netns'}]"),
    "linux.namespaces[0].path: must be an absolute path" },
  { "ns-item", WITH_LINUX ("'namespaces':['pid']"), "linux.namespaces[0]: must be an object" },
  { "uidmap-size",
    WITH_LINUX ("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':0,'size':0}]"),
    "linux.uidMappings[0].size: must be an integer from 1 to 4294967295" },
  { "uidmap-host-missing",
    WITH_LINUX ("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'size':1}]"),
    "linux.uidMappings[0].hostID: missing required field" },
  { "gidmap-container-negative",
    WITH_LINUX ("'namespaces':[{'type':'user'}],'gidMappings':[{'containerID':-1,'hostID':0,'size':1}]"),
    "linux.gidMappings[0].containerID: must be an integer from 0 to 4294967295" },
  { "uidmap-overflow",
    WITH_LINUX (
        "'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':4294967295,'size':2}]"),
    "linux.uidMappings[0]: hostID 4294967295 + size 2 goes past" },
  { "uidmap-no-userns", WITH_LINUX ("'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
    "linux.uidMappings: requires a user namespace in linux.namespaces" },
  { "gidmap-no-userns",
    WITH_LINUX ("'namespaces':[{'type':'pid'}],'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
    "linux.gidMappings: requires a user namespace in linux.namespaces" },
  { "sysctl-value", WITH_LINUX ("'sysctl':{'net.ipv4.ip_forward':1}"),
    "linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string" },
  /* A sysctl of a namespace the container does not have would be the host's (runc checks it too). */
  { "sysctl-ipc-host", WITH_LINUX ("'namespaces':[{'type':'pid'}],'sysctl':{'kernel.shmmax':'1'}"),
    "linux.sysctl[\"kernel.shmmax\"]: needs an ipc namespace" },
  { "sysctl-mqueue-host", WITH_LINUX ("'sysctl':{'fs.mqueue.msg_max':'1'}"),
    "linux.sysctl[\"fs.mqueue.msg_max\"]: needs an ipc namespace" },
  { "sysctl-slashes", WITH_LINUX ("'sysctl':{'kernel/shmmax':'1'}"),
    "linux.sysctl[\"kernel/shmmax\"]: needs an ipc namespace" },
  { "sysctl-net-host", WITH_LINUX ("'namespaces':[{'type':'ipc'}],'sysctl':{'net.ipv4.ip_forward':'1'}"),
    "linux.sysctl[\"net.ipv4.ip_forward\"]: needs a network namespace" },
  { "sysctl-net-joined-host",
    WITH_LINUX (
        "'namespaces':[{'type':'network','path':'/proc/self/ns/net'}],'sysctl':{'net.ipv4.ip_forward':'1'}"),
    "linux.sysctl[\"net.ipv4.ip_forward\"]: the network namespace linux.namespaces joins is the host's own" },
  { "sysctl-hostname", WITH_LINUX ("'namespaces':[{'type':'uts'}],'sysctl':{'kernel.hostname':'x'}"),
    "linux.sysctl[\"kernel.hostname\"]: conflicts with hostname" },
  { "sysctl-domainname-host", WITH_LINUX ("'sysctl':{'kernel.domainname':'x'}"),
    "linux.sysctl[\"kernel.domainname\"]: needs a uts namespace" },
  { "sysctl-not-namespaced",
    WITH_LINUX ("'namespaces':[{'type':'uts'},{'type':'ipc'}],'sysctl':{'vm.swappiness':'1'}"),
    "linux.sysctl[\"vm.swappiness\"]: is not in a namespace of the container's own" },
  { "device-type", WITH_LINUX ("'devices':[{'type':'x','path':'/dev/x'}]"),
    "linux.devices[0].type: unknown device type \"x\"" },
  { "device-type-long", WITH_LINUX ("'devices':[{'type':'cb','path':'/dev/x','major':1,'minor':1}]"),
    "linux.devices[0].type: unknown device type \"cb\"" },
  { "device-path", WITH_LINUX ("'devices':[{'type':'c','path':'dev/fuse','major':10,'minor':229}]"),
    "linux.devices[0].path: must be an absolute path" },
  { "device-major", WITH_LINUX ("'devices':[{'type':'c','path':'/dev/fuse','minor':229}]"),
    "linux.devices[0].major: required for device type \"c\"" },
  { "device-minor", WITH_LINUX ("'devices':[{'type':'b','path':'/dev/sda','major':8}]"),
    "linux.devices[0].minor: required for device type \"b\"" },
  { "device-mode", WITH_LINUX ("'devices':[{'type':'p','path':'/dev/p','fileMode':'0666'}]"),
    "linux.devices[0].fileMode: must be an integer" },
  { "propagation", WITH_LINUX ("'rootfsPropagation':'foo'"),
    "linux.rootfsPropagation: unknown propagation \"foo\"" },
  { "cgroups-path", WITH_LINUX ("'cgroupsPath':7"), "linux.cgroupsPath: must be a string" },
  { "masked-relative", WITH_LINUX ("'maskedPaths':['/proc/kcore','proc/keys']"),
    "linux.maskedPaths[1]: must be an absolute path" },
  { "readonly-type", WITH_LINUX ("'readonlyPaths':'/proc/sys'"),
    "linux.readonlyPaths: must be an array of strings" },
  { "mount-label", WITH_LINUX ("'mountLabel':1"), "linux.mountLabel: must be a string" },
  { "resources-type", WITH_LINUX ("'resources':[]"), "linux.resources: must be an object" },
  { "seccomp-type", WITH_LINUX ("'seccomp':'unconfined'"), "linux.seccomp: must be an object" },
};

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *c = data;
  g_autofree char *json = sq (c->json);
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrConfig) config = uctr_config_parse (json, -1, &error);

  g_assert_null (config);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  if (!g_str_has_prefix (error->message, c->message))
    g_error ("expected a message starting with '%s', got '%s'", c->message, error->message);
  g_test_message ("%s", error->message);
}

static void
test_minimal (void)
{
  g_autoptr(UctrConfig) c = parse_ok ("{" BASE "}");
  int i;

  g_assert_cmpstr (c->oci_version, ==, "1.2.0");
  g_assert_cmpstr (c->root_path, ==, "rootfs");
  g_assert_false (c->root_readonly);
  g_assert_null (c->hostname);
  g_assert_null (c->domainname);
  g_assert_null (c->process);
  g_assert_cmpuint (c->n_mounts, ==, 0);
  for (i = 0; i < UCTR_HOOK_N; i++)
    g_assert_cmpuint (c->n_hooks[i], ==, 0);
  g_assert_nonnull (c->annotation_keys);
  g_assert_null (c->annotation_keys[0]);
  g_assert_cmpuint (g_hash_table_size (c->annotations), ==, 0);
  g_assert_false (c->has_linux);
  for (i = 0; i < UCTR_NS_N; i++)
    g_assert_false (c->namespaces[i].enabled);
  g_assert_cmpuint (g_hash_table_size (c->sysctl), ==, 0);
  g_assert_nonnull (c->masked_paths);
  g_assert_null (c->masked_paths[0]);
  g_assert_nonnull (c->readonly_paths);
  g_assert_null (c->readonly_paths[0]);
  g_assert_null (c->resources);
  g_assert_null (c->seccomp);
  g_assert_nonnull (c->root_node);
}

static void
test_process_defaults (void)
{
  g_autoptr(UctrConfig) c = parse_ok ("{" BASE ",'process':{'args':['sh']}}");
  UctrProcess *p = c->process;
  int i;

  g_assert_nonnull (p);
  g_assert_cmpstrv (p->args, ((const char *[]){ "sh", NULL }));
  g_assert_cmpstr (p->cwd, ==, "/");
  g_assert_nonnull (p->env);
  g_assert_null (p->env[0]);
  g_assert_false (p->terminal);
  g_assert_cmpuint (p->console_height, ==, 0);
  g_assert_cmpuint (p->uid, ==, 0);
  g_assert_cmpuint (p->gid, ==, 0);
  g_assert_cmpuint (p->n_additional_gids, ==, 0);
  g_assert_false (p->has_umask);
  g_assert_false (p->has_capabilities);
  for (i = 0; i < UCTR_CAP_N; i++)
    g_assert_null (p->capabilities[i]);
  g_assert_cmpuint (p->n_rlimits, ==, 0);
  g_assert_false (p->no_new_privileges);
  g_assert_false (p->has_oom_score_adj);
  g_assert_null (p->apparmor_profile);
  g_assert_null (p->selinux_label);
}

static void
test_versions (void)
{
  const char *accepted[] = { "1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.0", "1.2.1+dev", "1.3.0" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autofree char *json
          = g_strdup_printf ("{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\"}}", accepted[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrConfig) c = uctr_config_parse (json, -1, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (c->oci_version, ==, accepted[i]);
    }
}

static void
test_runc_default_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrConfig) c = uctr_config_parse (runc_default_spec, -1, &error);
  UctrProcess *p;

  g_assert_no_error (error);
  p = c->process;
  g_assert_cmpstr (c->oci_version, ==, "1.0.2-dev");
  g_assert_true (p->terminal);
  g_assert_cmpstrv (p->args, ((const char *[]){ "sh", NULL }));
  g_assert_cmpuint (g_strv_length (p->env), ==, 2);
  g_assert_true (p->has_capabilities);
  g_assert_cmpstrv (p->capabilities[UCTR_CAP_AMBIENT],
                    ((const char *[]){ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL }));
  g_assert_null (p->capabilities[UCTR_CAP_INHERITABLE]);
  g_assert_cmpuint (p->n_rlimits, ==, 1);
  g_assert_cmpstr (p->rlimits[0].type, ==, "RLIMIT_NOFILE");
  g_assert_cmpint (p->rlimits[0].resource, ==, RLIMIT_NOFILE);
  g_assert_cmpuint (p->rlimits[0].soft, ==, 1024);
  g_assert_cmpuint (p->rlimits[0].hard, ==, 1024);
  g_assert_true (p->no_new_privileges);
  g_assert_cmpstr (c->root_path, ==, "rootfs");
  g_assert_true (c->root_readonly);
  g_assert_cmpstr (c->hostname, ==, "runc");
  g_assert_cmpuint (c->n_mounts, ==, 7);
  g_assert_cmpstr (c->mounts[0].destination, ==, "/proc");
  g_assert_nonnull (c->mounts[0].options);
  g_assert_null (c->mounts[0].options[0]);
  g_assert_cmpstr (c->mounts[2].type, ==, "devpts");
  g_assert_true (g_strv_contains ((const char *const *) c->mounts[2].options, "gid=5"));
  g_assert_true (c->has_linux);
  g_assert_true (c->namespaces[UCTR_NS_PID].enabled);
  g_assert_true (c->namespaces[UCTR_NS_NETWORK].enabled);
  g_assert_true (c->namespaces[UCTR_NS_MOUNT].enabled);
  g_assert_false (c->namespaces[UCTR_NS_USER].enabled);
  g_assert_false (c->namespaces[UCTR_NS_CGROUP].enabled);
  g_assert_null (c->namespaces[UCTR_NS_PID].path);
  g_assert_true (json_object_is_type (c->resources, json_type_object));
  g_assert_cmpuint (g_strv_length (c->masked_paths), ==, 10);
  g_assert_cmpuint (g_strv_length (c->readonly_paths), ==, 5);
}

/* Sets every field the parser reads. */
static const char full_config[]
    = "{'ociVersion':'1.2.0','root':{'path':'/abs/rootfs'},'hostname':'h','domainname':'d',"
      "'process':{'terminal':true,'consoleSize':{'height':24,'width':80},"
      "  'user':{'uid':1000,'gid':100,'umask':18,'additionalGids':[5,4294967295]},"
      "  'args':['/bin/sh','-c',''],'env':['A=1','B'],'cwd':'/home',"
      "  'capabilities':{'bounding':[],'inheritable':['CAP_CHOWN']},"
      "  'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551615}],"
      "  'oomScoreAdj':-1000,'apparmorProfile':'aa','selinuxLabel':'se'},"
      "'mounts':[{'destination':'/data','type':'bind','source':'/srv','options':['rbind','ro'],"
      "  'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
      "  'gidMappings':[{'containerID':0,'hostID':200000,'size':1}]}],"
      "'hooks':{'prestart':[{'path':'/bin/a'}],'createRuntime':[{'path':'/bin/"
      "b','args':['b','1'],'env':['X=1'],"
      "  'timeout':5},{'path':'/bin/c'}],'poststop':[{'path':'/bin/d'}]},"
      "'linux':{'namespaces':[{'type':'user'},{'type':'uts'},{'type':'network','path':'/run/netns/"
      "n'},{'type':'time'}],"
      "  "
      "'uidMappings':[{'containerID':0,'hostID':1000,'size':1},{'containerID':1,'hostID':100000,'size':65536}"
      "],"
      "  'gidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
      "  'sysctl':{'net.ipv4.ping_group_range':'0 0'},"
      "  'devices':[{'type':'c','path':'/dev/fuse','major':10,'minor':229,'fileMode':438,'uid':0,'gid':0},"
      "    {'type':'p','path':'/dev/fifo'}],"
      "  'cgroupsPath':'user.slice:uctr:x','rootfsPropagation':'rslave','maskedPaths':['/proc/kcore'],"
      "  'readonlyPaths':['/proc/sys'],'mountLabel':'ml','seccomp':{'defaultAction':'SCMP_ACT_ALLOW'}}}";

/* The sysctls of namespaces the container has of its own are taken. */
static void
test_sysctl_namespaced (void)
{
  g_autoptr(UctrConfig) c = parse_ok (
      WITH_LINUX ("'namespaces':[{'type':'ipc'},{'type':'uts'},{'type':'network'}],"
                  "'sysctl':{'kernel.shmmax':'1','fs.mqueue.msg_max':'2','kernel.domainname':'d',"
                  "'net.ipv4.ip_forward':'1','net/ipv4/ping_group_range':'0 0'}"));

  g_assert_cmpuint (g_hash_table_size (c->sysctl), ==, 5);
}

static void
test_full_process (void)
{
  g_autoptr(UctrConfig) c = parse_ok (full_config);
  UctrProcess *p = c->process;

  g_assert_cmpstr (c->root_path, ==, "/abs/rootfs");
  g_assert_cmpstr (c->domainname, ==, "d");
  g_assert_cmpuint (p->console_height, ==, 24);
  g_assert_cmpuint (p->console_width, ==, 80);
  g_assert_cmpuint (p->uid, ==, 1000);
  g_assert_cmpuint (p->gid, ==, 100);
  g_assert_true (p->has_umask);
  g_assert_cmpuint (p->umask, ==, 022);
  g_assert_cmpuint (p->n_additional_gids, ==, 2);
  g_assert_cmpuint (p->additional_gids[1], ==, G_MAXUINT32);
  g_assert_cmpstrv (p->args, ((const char *[]){ "/bin/sh", "-c", "", NULL }));
  g_assert_cmpstrv (p->env, ((const char *[]){ "A=1", "B", NULL }));
  g_assert_cmpstr (p->cwd, ==, "/home");
  g_assert_nonnull (p->capabilities[UCTR_CAP_BOUNDING]);
  g_assert_null (p->capabilities[UCTR_CAP_BOUNDING][0]);
  g_assert_cmpstrv (p->capabilities[UCTR_CAP_INHERITABLE], ((const char *[]){ "CAP_CHOWN", NULL }));
  g_assert_null (p->capabilities[UCTR_CAP_EFFECTIVE]);
  g_assert_cmpint (p->rlimits[0].resource, ==, RLIMIT_CORE);
  g_assert_cmpuint (p->rlimits[0].soft, ==, 0);
  g_assert_cmpuint (p->rlimits[0].hard, ==, G_MAXUINT64);
  g_assert_true (p->has_oom_score_adj);
  g_assert_cmpint (p->oom_score_adj, ==, -1000);
  g_assert_cmpstr (p->apparmor_profile, ==, "aa");
  g_assert_cmpstr (p->selinux_label, ==, "se");
}

static void
test_full_mounts_hooks (void)
{
  g_autoptr(UctrConfig) c = parse_ok (full_config);

  g_assert_cmpstr (c->mounts[0].source, ==, "/srv");
  g_assert_cmpstrv (c->mounts[0].options, ((const char *[]){ "rbind", "ro", NULL }));
  g_assert_cmpuint (c->mounts[0].n_uid_mappings, ==, 1);
  g_assert_cmpuint (c->mounts[0].uid_mappings[0].host_id, ==, 100000);
  g_assert_cmpuint (c->mounts[0].uid_mappings[0].size, ==, 65536);
  g_assert_cmpuint (c->mounts[0].gid_mappings[0].host_id, ==, 200000);

  g_assert_cmpuint (c->n_hooks[UCTR_HOOK_PRESTART], ==, 1);
  g_assert_cmpuint (c->n_hooks[UCTR_HOOK_CREATE_RUNTIME], ==, 2);
  g_assert_cmpuint (c->n_hooks[UCTR_HOOK_CREATE_CONTAINER], ==, 0);
  g_assert_cmpuint (c->n_hooks[UCTR_HOOK_POSTSTOP], ==, 1);
  g_assert_cmpstrv (c->hooks[UCTR_HOOK_CREATE_RUNTIME][0].args, ((const char *[]){ "b", "1", NULL }));
  g_assert_cmpstrv (c->hooks[UCTR_HOOK_CREATE_RUNTIME][0].env, ((const char *[]){ "X=1", NULL }));
  g_assert_cmpint (c->hooks[UCTR_HOOK_CREATE_RUNTIME][0].timeout, ==, 5);
  g_assert_nonnull (c->hooks[UCTR_HOOK_CREATE_RUNTIME][1].args);
  g_assert_null (c->hooks[UCTR_HOOK_CREATE_RUNTIME][1].args[0]);
  g_assert_cmpint (c->hooks[UCTR_HOOK_CREATE_RUNTIME][1].timeout, ==, 0);
}

static void
test_full_linux (void)
{
  g_autoptr(UctrConfig) c = parse_ok (full_config);

  g_assert_true (c->namespaces[UCTR_NS_USER].enabled);
  g_assert_null (c->namespaces[UCTR_NS_USER].path);
  g_assert_cmpstr (c->namespaces[UCTR_NS_NETWORK].path, ==, "/run/netns/n");
  g_assert_true (c->namespaces[UCTR_NS_TIME].enabled);
  g_assert_false (c->namespaces[UCTR_NS_PID].enabled);
  g_assert_cmpuint (c->n_uid_mappings, ==, 2);
  g_assert_cmpuint (c->uid_mappings[1].container_id, ==, 1);
  g_assert_cmpuint (c->uid_mappings[1].host_id, ==, 100000);
  g_assert_cmpuint (c->n_gid_mappings, ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (c->sysctl, "net.ipv4.ping_group_range"), ==, "0 0");
  g_assert_cmpuint (c->n_devices, ==, 2);
  g_assert_cmpint (c->devices[0].major, ==, 10);
  g_assert_cmpint (c->devices[0].minor, ==, 229);
  g_assert_true (c->devices[0].has_file_mode);
  g_assert_cmpuint (c->devices[0].file_mode, ==, 0666);
  g_assert_true (c->devices[0].has_uid);
  g_assert_cmpstr (c->devices[1].type, ==, "p");
  g_assert_false (c->devices[1].has_file_mode);
  g_assert_cmpstr (c->cgroups_path, ==, "user.slice:uctr:x");
  g_assert_cmpstr (c->rootfs_propagation, ==, "rslave");
  g_assert_cmpstrv (c->masked_paths, ((const char *[]){ "/proc/kcore", NULL }));
  g_assert_cmpstr (c->mount_label, ==, "ml");
  g_assert_null (c->resources);
  g_assert_cmpstr (uctr_test_json_string (c->seccomp, "defaultAction"), ==, "SCMP_ACT_ALLOW");
  /* the object in the document itself, not a copy */
  g_assert_true (c->seccomp == uctr_json_member (uctr_json_member (c->root_node, "linux"), "seccomp"));
}

static void
test_unknown_fields_ignored (void)
{
  g_autoptr(UctrConfig) c = parse_ok (
      "{" BASE ",'future':{'x':[1,2]},'solaris':{},'windows':{'layerFolders':[]},'vm':{},"
      "'process':{'args':['sh'],'commandLine':'x','ioPriority':{'class':'IOPRIO_CLASS_IDLE'},'scheduler':{},"
      "  'user':{'uid':0,'gid':0,'username':'root'},'capabilities':{'future':['x']},'newField':1},"
      "'mounts':[{'destination':'/x','future':true}],"
      "'hooks':{'future':[{'path':'relative'}],'prestart':[{'path':'/bin/true','future':1}]},"
      "'linux':{'namespaces':[{'type':'uts','future':1}],'intelRdt':{},'personality':{},'timeOffsets':{},"
      "  'memoryPolicy':{},'netDevices':{},'devices':[{'type':'p','path':'/p','future':[]}]}}");

  g_assert_cmpuint (c->n_mounts, ==, 1);
  g_assert_cmpuint (c->n_hooks[UCTR_HOOK_PRESTART], ==, 1);
  g_assert_true (c->namespaces[UCTR_NS_UTS].enabled);
}

static void
test_null_is_absent (void)
{
  g_autoptr(UctrConfig) c = parse_ok (
      "{" BASE ",'hostname':null,'mounts':null,'hooks':null,'annotations':null,"
      "'process':{'args':['sh'],'env':null,'cwd':null,'user':null,'capabilities':null,'rlimits':null},"
      "'linux':{'namespaces':null,'resources':null,'seccomp':null,'maskedPaths':null}}");

  g_assert_null (c->hostname);
  g_assert_cmpstr (c->process->cwd, ==, "/");
  g_assert_nonnull (c->process->env);
  g_assert_false (c->process->has_capabilities);
  g_assert_null (c->resources);
  g_assert_nonnull (c->masked_paths);
}

static void
test_annotations_order (void)
{
  g_autoptr(UctrConfig) c = parse_ok (
      "{" BASE ",'annotations':{'z':'1','a':'2','org.opencontainers.image.title':'t','m':''}}");

  g_assert_cmpstrv (c->annotation_keys,
                    ((const char *[]){ "z", "a", "org.opencontainers.image.title", "m", NULL }));
  g_assert_cmpuint (g_hash_table_size (c->annotations), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (c->annotations, "a"), ==, "2");
  g_assert_cmpstr (g_hash_table_lookup (c->annotations, "m"), ==, "");
}

static void
test_mount_destination_normalized (void)
{
  const struct
  {
    const char *written;
    const char *kept;
  } cases[] = {
    { "/tmp", "/tmp" },     { "/dev/shm/", "/dev/shm" }, { "//dev///shm", "/dev/shm" },
    { "/./run/.", "/run" }, { "/a/...", "/a/..." },      { "/a/..b", "/a/..b" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
                                               "\"mounts\":[{\"destination\":\"%s\"}]}",
                                               cases[i].written);
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrConfig) c = uctr_config_parse (json, -1, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (c->mounts[0].destination, ==, cases[i].kept);
      g_assert_null (c->mounts[0].type);
      g_assert_null (c->mounts[0].source);
      g_assert_nonnull (c->mounts[0].options);
      g_assert_cmpuint (c->mounts[0].n_uid_mappings, ==, 0);
    }
  /* The root itself, however written, is root.path's (runc refuses it too). */
  for (i = 0; i < 3; i++)
    {
      static const char *const roots[] = { "/", "///", "/./." };
      g_autofree char *json = g_strdup_printf ("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
                                               "\"mounts\":[{\"destination\":\"%s\",\"type\":\"tmpfs\"}]}",
                                               roots[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrConfig) c = uctr_config_parse (json, -1, &error);

      g_assert_null (c);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
      g_assert_true (g_str_has_prefix (error->message, "mounts[0].destination: \"/\" would cover"));
    }
}

static void
test_rlimit_values (void)
{
  g_autoptr(UctrConfig) c = parse_ok (WITH_PROCESS (
      "'rlimits':[{'type':'RLIMIT_NOFILE','soft':9223372036854775807,'hard':18446744073709551615},"
      "{'type':'RLIMIT_NPROC','soft':5,'hard':3}]"));

  g_assert_cmpuint (c->process->rlimits[0].soft, ==, G_MAXINT64);
  g_assert_cmpuint (c->process->rlimits[0].hard, ==, G_MAXUINT64);
  /* soft above hard is setrlimit's to refuse, as with runc */
  g_assert_cmpuint (c->process->rlimits[1].soft, ==, 5);
  g_assert_cmpint (c->process->rlimits[1].resource, ==, RLIMIT_NPROC);
}

static void
test_rlimit_names (void)
{
  const struct
  {
    const char *name;
    int resource;
  } names[] = {
    { "RLIMIT_CPU", RLIMIT_CPU },           { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_DATA", RLIMIT_DATA },         { "RLIMIT_STACK", RLIMIT_STACK },
    { "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_NPROC", RLIMIT_NPROC },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },   { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },       { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },     { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpint (uctr_config_rlimit_from_name (names[i].name), ==, names[i].resource);
  g_assert_cmpint (uctr_config_rlimit_from_name ("RLIMIT_FOO"), ==, -1);
  g_assert_cmpint (uctr_config_rlimit_from_name ("rlimit_nofile"), ==, -1);
  g_assert_cmpint (uctr_config_rlimit_from_name ("NOFILE"), ==, -1);
  g_assert_cmpint (uctr_config_rlimit_from_name (""), ==, -1);
  g_assert_cmpint (uctr_config_rlimit_from_name (NULL), ==, -1);
}

/* Every name the helpers give back is one the parser accepts, in the right slot. */
static void
test_name_helpers (void)
{
  g_autoptr(GString) json = g_string_new ("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},");
  g_autoptr(UctrConfig) c = NULL;
  g_autoptr(GError) error = NULL;
  int i;

  g_assert_cmpstr (uctr_ns_type_name (UCTR_NS_NETWORK), ==, "network");
  g_assert_cmpstr (uctr_hook_kind_name (UCTR_HOOK_CREATE_RUNTIME), ==, "createRuntime");
  g_assert_cmpstr (uctr_cap_set_name (UCTR_CAP_AMBIENT), ==, "ambient");

  g_string_append (json, "\"hooks\":{");
  for (i = 0; i < UCTR_HOOK_N; i++)
    g_string_append_printf (json, "%s\"%s\":[{\"path\":\"/h%d\"}]", i ? "," : "", uctr_hook_kind_name (i), i);
  g_string_append (json, "},\"process\":{\"args\":[\"sh\"],\"capabilities\":{");
  for (i = 0; i < UCTR_CAP_N; i++)
    g_string_append_printf (json, "%s\"%s\":[\"CAP_%d\"]", i ? "," : "", uctr_cap_set_name (i), i);
  g_string_append (json, "}},\"linux\":{\"namespaces\":[");
  for (i = 0; i < UCTR_NS_N; i++)
    g_string_append_printf (json, "%s{\"type\":\"%s\"}", i ? "," : "", uctr_ns_type_name (i));
  g_string_append (json, "]}}");

  c = uctr_config_parse (json->str, json->len, &error);
  g_assert_no_error (error);
  for (i = 0; i < UCTR_HOOK_N; i++)
    {
      g_autofree char *path = g_strdup_printf ("/h%d", i);
      g_assert_cmpuint (c->n_hooks[i], ==, 1);
      g_assert_cmpstr (c->hooks[i][0].path, ==, path);
    }
  for (i = 0; i < UCTR_CAP_N; i++)
    {
      g_autofree char *cap = g_strdup_printf ("CAP_%d", i);
      g_assert_cmpstr (c->process->capabilities[i][0], ==, cap);
    }
  for (i = 0; i < UCTR_NS_N; i++)
    g_assert_true (c->namespaces[i].enabled);
}

static void
test_parse_length (void)
{
  const char *text = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"}} and then some text";
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrConfig) c = uctr_config_parse (text, strchr (text, ' ') - text, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (c->root_path, ==, "r");
}

static void
test_free_null (void)
{
  uctr_config_free (NULL);
}

static UctrConfig *
parse_default (const UctrSpecOptions *opts)
{
  g_autofree char *json = uctr_spec_default_json (opts);
  g_autoptr(GError) error = NULL;
  UctrConfig *c;

  g_assert_true (g_str_has_suffix (json, "}\n"));
  g_assert_nonnull (strstr (json, "\n  \"process\""));
  c = uctr_config_parse (json, -1, &error);
  g_assert_no_error (error);
  return c;
}

static void
check_default_common (UctrConfig *c)
{
  const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
  const char *const destinations[]
      = { "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup" };
  UctrProcess *p = c->process;
  gsize i;

  g_assert_cmpstr (c->oci_version, ==, "1.2.0");
  g_assert_cmpstr (c->hostname, ==, "uctr");
  g_assert_cmpstr (c->root_path, ==, "rootfs");
  g_assert_true (c->root_readonly);
  g_assert_true (p->terminal);
  g_assert_cmpstrv (p->args, ((const char *[]){ "sh", NULL }));
  g_assert_cmpstr (p->cwd, ==, "/");
  g_assert_cmpuint (g_strv_length (p->env), ==, 2);
  g_assert_cmpstrv (p->capabilities[UCTR_CAP_BOUNDING], caps);
  g_assert_cmpstrv (p->capabilities[UCTR_CAP_EFFECTIVE], caps);
  g_assert_cmpstrv (p->capabilities[UCTR_CAP_PERMITTED], caps);
  g_assert_null (p->capabilities[UCTR_CAP_INHERITABLE]);
  g_assert_null (p->capabilities[UCTR_CAP_AMBIENT]);
  g_assert_cmpuint (p->n_rlimits, ==, 1);
  g_assert_cmpint (p->rlimits[0].resource, ==, RLIMIT_NOFILE);
  g_assert_cmpuint (p->rlimits[0].soft, ==, 1024);
  g_assert_cmpuint (p->rlimits[0].hard, ==, 1024);
  g_assert_true (p->no_new_privileges);
  g_assert_cmpuint (c->n_mounts, ==, G_N_ELEMENTS (destinations));
  for (i = 0; i < c->n_mounts; i++)
    g_assert_cmpstr (c->mounts[i].destination, ==, destinations[i]);
  g_assert_cmpstr (c->mounts[5].type, ==, "sysfs");
  g_assert_true (g_strv_contains ((const char *const *) c->mounts[5].options, "ro"));
  g_assert_true (c->namespaces[UCTR_NS_PID].enabled);
  g_assert_true (c->namespaces[UCTR_NS_NETWORK].enabled);
  g_assert_true (c->namespaces[UCTR_NS_IPC].enabled);
  g_assert_true (c->namespaces[UCTR_NS_UTS].enabled);
  g_assert_true (c->namespaces[UCTR_NS_MOUNT].enabled);
  g_assert_true (c->namespaces[UCTR_NS_CGROUP].enabled);
  g_assert_false (c->namespaces[UCTR_NS_TIME].enabled);
  g_assert_true (g_strv_contains ((const char *const *) c->masked_paths, "/proc/kcore"));
  g_assert_cmpstrv (c->readonly_paths, ((const char *[]){ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                          "/proc/sysrq-trigger", NULL }));
}

static void
test_default_json (void)
{
  UctrSpecOptions opts = { .rootless = FALSE };
  g_autoptr(UctrConfig) c = parse_default (&opts);
  g_autofree char *with_null = uctr_spec_default_json (NULL);
  g_autofree char *with_opts = uctr_spec_default_json (&opts);
  json_object *devices, *device;

  check_default_common (c);
  g_assert_false (c->namespaces[UCTR_NS_USER].enabled);
  g_assert_cmpuint (c->n_uid_mappings, ==, 0);
  g_assert_true (g_strv_contains ((const char *const *) c->mounts[2].options, "gid=5"));
  devices = uctr_json_member (c->resources, "devices");
  g_assert_true (json_object_is_type (devices, json_type_array));
  g_assert_cmpuint (json_object_array_length (devices), ==, 1);
  device = json_object_array_get_idx (devices, 0);
  g_assert_true (json_object_is_type (uctr_json_member (device, "allow"), json_type_boolean));
  g_assert_false (json_object_get_boolean (uctr_json_member (device, "allow")));
  g_assert_cmpstr (uctr_test_json_string (device, "access"), ==, "rwm");
  g_assert_cmpstr (with_null, ==, with_opts);
}

static void
test_default_json_rootless (void)
{
  const UctrIdMapping uids[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
  const UctrIdMapping gids[] = { { 0, 1000, 1 } };
  UctrSpecOptions opts = {
    .rootless = TRUE,
    .uid_mappings = uids,
    .n_uid_mappings = G_N_ELEMENTS (uids),
    .gid_mappings = gids,
    .n_gid_mappings = G_N_ELEMENTS (gids),
  };
  g_autoptr(UctrConfig) c = parse_default (&opts);

  check_default_common (c);
  g_assert_true (c->namespaces[UCTR_NS_USER].enabled);
  g_assert_cmpuint (c->n_uid_mappings, ==, 2);
  g_assert_cmpmem (c->uid_mappings, sizeof uids, uids, sizeof uids);
  g_assert_cmpuint (c->n_gid_mappings, ==, 1);
  g_assert_cmpmem (c->gid_mappings, sizeof gids, gids, sizeof gids);
  g_assert_cmpstrv (c->mounts[2].options, ((const char *[]){ "nosuid", "noexec", "newinstance",
                                                             "ptmxmode=0666", "mode=0620", NULL }));
  g_assert_null (c->resources);
}

/* A document nested deeper than uctr reads is refused before it is built. */
static char *
nested_config (guint levels)
{
  GString *s = g_string_new ("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"}, \"x\": ");
  guint i;

  for (i = 0; i < levels; i++)
    g_string_append_c (s, '[');
  for (i = 0; i < levels; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
test_deep_nesting (void)
{
  g_autofree char *deep = nested_config (300000);
  g_autofree char *fine = nested_config (900);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) process_error = NULL;
  g_autoptr(UctrConfig) c = uctr_config_parse (deep, -1, &error);
  g_autoptr(UctrProcess) p = uctr_process_parse (deep, -1, "p.json", &process_error);
  g_autoptr(UctrConfig) ok = NULL;

  g_assert_null (c);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "config.json is not valid JSON: 1:1052: arrays and objects nested more than 1000 deep");
  g_assert_null (p);
  g_assert_error (process_error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (process_error->message, "p.json is not valid JSON: 1:1052: "));
  g_clear_error (&error);
  ok = uctr_config_parse (fine, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
}

/* Text that is not UTF-8 is refused where it is (Go would read U+FFFD,
   json-c the bytes as they are), and the message stays UTF-8. */
static void
test_json_error_utf8 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) process_error = NULL;
  g_autoptr(UctrConfig) c = uctr_config_parse ("{\"a\": \"\xff\"}", -1, &error);
  g_autoptr(UctrProcess) p
             = uctr_process_parse ("{\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"ok\xe2\x82\"}]}", -1,
                                   "p.json", &process_error);

  g_assert_null (c);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "config.json is not valid JSON: 1:8: a string that is not UTF-8 (byte 0xff)");
  g_assert_null (p);
  g_assert_error (process_error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (process_error->message, ==,
                   "p.json is not valid JSON: 1:42: a string that is not UTF-8 (byte 0xe2)");
}

/* exec --process: a process object on its own. */
static void
test_process_parse (void)
{
  static const char json[] = "{\"terminal\": true, \"user\": {\"uid\": 7, \"gid\": 8},"
                             " \"args\": [\"sh\", \"-c\", \"true\"], \"env\": [\"A=1\"], \"cwd\": \"/tmp\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrProcess) p = uctr_process_parse (json, -1, "process.json", &error);

  g_assert_no_error (error);
  g_assert_nonnull (p);
  g_assert_true (p->terminal);
  g_assert_cmpuint (p->uid, ==, 7);
  g_assert_cmpuint (p->gid, ==, 8);
  g_assert_cmpstr (p->args[2], ==, "true");
  g_assert_cmpstr (p->env[0], ==, "A=1");
  g_assert_cmpstr (p->cwd, ==, "/tmp");
}

static void
test_process_parse_errors (void)
{
  static const struct
  {
    const char *json;
    const char *message;
  } cases[] = {
    { "{\"args\": []}", "p.json: process.args: " },
    { "{\"args\": [\"sh\"], \"cwd\": \"rel\"}", "p.json: process.cwd: " },
    { "[1]", "p.json: the top level must be a JSON object" },
    { "{", "p.json is not valid JSON: " },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrProcess) p = uctr_process_parse (cases[i].json, -1, "p.json", &error);

      g_assert_null (p);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("case %" G_GSIZE_FORMAT ": \"%s\" does not start with \"%s\"", i, error->message,
                 cases[i].message);
    }
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/minimal", test_minimal);
  g_test_add_func ("/config/sysctl-namespaced", test_sysctl_namespaced);
  g_test_add_func ("/config/process-parse", test_process_parse);
  g_test_add_func ("/config/process-parse-errors", test_process_parse_errors);
  g_test_add_func ("/config/process-defaults", test_process_defaults);
  g_test_add_func ("/config/deep-nesting", test_deep_nesting);
  g_test_add_func ("/config/json-error-utf8", test_json_error_utf8);
  g_test_add_func ("/config/versions", test_versions);
  g_test_add_func ("/config/runc-default-spec", test_runc_default_spec);
  g_test_add_func ("/config/full/process", test_full_process);
  g_test_add_func ("/config/full/mounts-hooks", test_full_mounts_hooks);
  g_test_add_func ("/config/full/linux", test_full_linux);
  g_test_add_func ("/config/unknown-fields-ignored", test_unknown_fields_ignored);
  g_test_add_func ("/config/null-is-absent", test_null_is_absent);
  g_test_add_func ("/config/annotations-order", test_annotations_order);
  g_test_add_func ("/config/mount-destination-normalized", test_mount_destination_normalized);
  g_test_add_func ("/config/rlimit-values", test_rlimit_values);
  g_test_add_func ("/config/rlimit-names", test_rlimit_names);
  g_test_add_func ("/config/name-helpers", test_name_helpers);
  g_test_add_func ("/config/parse-length", test_parse_length);
  g_test_add_func ("/config/free-null", test_free_null);
  g_test_add_func ("/config/default-json", test_default_json);
  g_test_add_func ("/config/default-json-rootless", test_default_json_rootless);
  for (i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/config/invalid/%s", invalid_cases[i].name);
      g_test_add_data_func (path, &invalid_cases[i], test_invalid);
    }

  return g_test_run ();
}
