/* uctr: the device rules of a container on cgroup v2, as a BPF program.
 *
 * The kernel runs the program on each open or mknod of a device node by a
 * process of the cgroup, with a struct bpf_cgroup_dev_ctx: access_type
 * (the access bits << 16 | the node's type), major, minor. The program
 * tries the rules from the last to the first and returns what the first
 * match says (1 allows); nothing matching is a denial. An allow rule
 * matches an access all of whose bits it grants; a deny rule one that asks
 * any bit it names.
 */
#include "cgroup/devfilter.h"
#include "base/util.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOG_SIZE 4096

static struct bpf_insn
insn (guint8 code, guint8 dst, guint8 src, gint16 off, gint32 imm)
{
  return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static void
put (GArray *prog, struct bpf_insn i)
{
  g_array_append_val (prog, i);
}

static guint32
type_bit (char type)
{
  return type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

static guint32
access_bits (const char *access)
{
  return (strchr (access, 'm') != NULL ? BPF_DEVCG_ACC_MKNOD : 0)
         | (strchr (access, 'r') != NULL ? BPF_DEVCG_ACC_READ : 0)
         | (strchr (access, 'w') != NULL ? BPF_DEVCG_ACC_WRITE : 0);
}

#define ALL_ACCESS (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* Registers: r2 the node's type, r3 the access asked, r4 major, r5 minor.
   FALSE when the rule matches every access: what follows is unreachable,
   which the verifier refuses. */
static gboolean
add_rule (GArray *prog, const UctrDeviceRule *d)
{
  g_autoptr(GArray) block = g_array_new (FALSE, FALSE, sizeof (struct bpf_insn));
  guint32 acc = access_bits (d->access);
  guint i;

  if (d->type != 'a')
    put (block, insn (BPF_JMP32 | BPF_JNE | BPF_K, 2, 0, 0, (gint32) type_bit (d->type)));
  if (acc != ALL_ACCESS)
    {
      put (block, insn (BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0));
      if (d->allow)
        {
          /* Bits asked that the rule does not grant: no match. */
          put (block, insn (BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, (gint32) (~acc & ALL_ACCESS)));
          put (block, insn (BPF_JMP32 | BPF_JNE | BPF_K, 6, 0, 0, 0));
        }
      else
        {
          /* None of the bits it denies asked: no match. */
          put (block, insn (BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, (gint32) acc));
          put (block, insn (BPF_JMP32 | BPF_JEQ | BPF_K, 6, 0, 0, 0));
        }
    }
  if (d->major >= 0)
    put (block, insn (BPF_JMP32 | BPF_JNE | BPF_K, 4, 0, 0, (gint32) (guint32) d->major));
  if (d->minor >= 0)
    put (block, insn (BPF_JMP32 | BPF_JNE | BPF_K, 5, 0, 0, (gint32) (guint32) d->minor));
  put (block, insn (BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, d->allow ? 1 : 0));
  put (block, insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  /* Each jump leaves the block: past its last instruction. */
  for (i = 0; i < block->len; i++)
    {
      struct bpf_insn *in = &g_array_index (block, struct bpf_insn, i);
      if (BPF_CLASS (in->code) == BPF_JMP32)
        in->off = (gint16) (block->len - i - 1);
    }
  g_array_append_vals (prog, block->data, block->len);
  return block->len > 2;
}

GArray *
uctr_devfilter_program (const UctrDeviceRule *rules, guint n)
{
  GArray *prog = g_array_new (FALSE, FALSE, sizeof (struct bpf_insn));
  guint i;

  put (prog, insn (BPF_LDX | BPF_MEM | BPF_W, 2, 1, offsetof (struct bpf_cgroup_dev_ctx, access_type), 0));
  put (prog, insn (BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff));
  put (prog, insn (BPF_LDX | BPF_MEM | BPF_W, 3, 1, offsetof (struct bpf_cgroup_dev_ctx, access_type), 0));
  put (prog, insn (BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16));
  put (prog, insn (BPF_LDX | BPF_MEM | BPF_W, 4, 1, offsetof (struct bpf_cgroup_dev_ctx, major), 0));
  put (prog, insn (BPF_LDX | BPF_MEM | BPF_W, 5, 1, offsetof (struct bpf_cgroup_dev_ctx, minor), 0));
  for (i = n; i > 0; i--)
    if (!add_rule (prog, &rules[i - 1]))
      return prog;
  put (prog, insn (BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
  put (prog, insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return prog;
}

static int
bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

gboolean
uctr_devfilter_attach (const char *path, const UctrDeviceRule *rules, guint n, GError **error)
{
  g_autoptr(GArray) prog = uctr_devfilter_program (rules, n);
  g_autofree char *log = g_malloc0 (LOG_SIZE);
  uctr_autofd int cgroup = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uctr_autofd int fd = -1;
  union bpf_attr load = { 0 };
  union bpf_attr attach = { 0 };

  if (cgroup < 0)
    return uctr_throw_errno (error, _("Opening the cgroup %s"), path);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (guint64) (guintptr) prog->data;
  load.insn_cnt = prog->len;
  load.license = (guint64) (guintptr) "Apache-2.0";
  fd = bpf (BPF_PROG_LOAD, &load);
  if (fd < 0 && (errno == EACCES || errno == EINVAL))
    {
      /* The verifier refused it: again, for its reasons. */
      load.log_buf = (guint64) (guintptr) log;
      load.log_size = LOG_SIZE;
      load.log_level = 1;
      fd = bpf (BPF_PROG_LOAD, &load);
    }
  if (fd < 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("linux.resources.devices: loading the device filter: %s%s%s"), g_strerror (errno),
                          log[0] != '\0' ? ": " : "", g_strstrip (log));
  attach.target_fd = (guint32) cgroup;
  attach.attach_bpf_fd = (guint32) fd;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf (BPF_PROG_ATTACH, &attach) < 0)
    return uctr_throw_errno (error, _("linux.resources.devices: attaching the device filter to %s"), path);
  return TRUE;
}
