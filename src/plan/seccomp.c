/* uctr: linux.seccomp compiled with libseccomp into the BPF program the
   container init loads. Read as runc reads it: unknown syscall names are
   skipped (a profile written for a newer kernel still works), a rule whose
   action is the default one is dropped, several conditions on the same
   argument become separate rules (any of them matches); anything else that
   is unknown is an error naming its JSON path. Like runc, uctr puts a
   stub in front of the program that answers ENOSYS to syscalls newer than
   any the profile names, so that libc falls back instead of failing. */
#include "plan/seccomp.h"
#include "base/json.h"
#include "base/util.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define PATH_SECCOMP "linux.seccomp"
/* Syscalls take at most six arguments. */
#define MAX_ARGS 6
/* Above this many rules libseccomp's binary tree is faster than its list
   (runc's threshold; libseccomp 2.5.4 mishandles the tree with no rules). */
#define OPTIMIZE_MIN_RULES 32

typedef struct
{
  const char *name;
  guint32 action;       /* SCMP_ACT_*, with no data */
  gboolean takes_errno; /* errnoRet is the data (EPERM when absent) */
} Action;

static const Action actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, FALSE },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, FALSE },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, FALSE },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, FALSE },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), TRUE },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), TRUE },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, FALSE },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, FALSE },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, FALSE },
};

static const struct
{
  const char *name;
  enum scmp_compare op;
} operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* The runtime-spec's list; which of them libseccomp knows is asked at run time. */
static const char *const arch_names[] = {
  "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
  "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64",
};

/* Flags go straight to seccomp(2): libseccomp only builds the program. TSYNC
   changes nothing for the single-threaded init, but is passed on all the same. */
static const struct
{
  const char *name;
  unsigned int flag;
} flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

/* The init hands the listener fd to the parent with sendmsg: a filter that
   sent that call to the listener would wait for an agent that never gets it. */
static const char *const never_notified[] = { "sendmsg", NULL };

void
uctr_seccomp_free (UctrSeccomp *seccomp)
{
  if (seccomp == NULL)
    return;
  g_free (seccomp->prog.filter);
  g_free (seccomp->listener_path);
  g_free (seccomp->listener_metadata);
  g_strfreev (seccomp->skipped);
  g_free (seccomp);
}

/* Errors */

/* "A, B or C": the hint after an unknown name. */
static char *
names_hint (char **names)
{
  guint n = g_strv_length (names);
  g_autofree char *head = NULL;
  char *last;

  if (n < 2)
    return g_strjoinv ("", names);
  last = names[n - 1];
  names[n - 1] = NULL;
  head = g_strjoinv (", ", names);
  names[n - 1] = last;
  return g_strdup_printf (_("%s or %s"), head, last);
}

/* Item I of ARRAY, a string (JSON null is not one), named PATH in errors. */
static gboolean
array_string (json_object *array, guint i, const char *path, const char **out, GError **error)
{
  json_object *node = json_object_array_get_idx (array, i);

  if (node == NULL)
    return uctr_json_invalid (error, path, _("must be a string"));
  return uctr_json_node_string (node, path, NULL, UCTR_JSON_OPTIONAL, out, error);
}

/* Actions */

static const Action *
action_lookup (const char *name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (actions); i++)
    if (strcmp (actions[i].name, name) == 0)
      return &actions[i];
  return NULL;
}

/* OBJ.ACTION_MEMBER with OBJ.ERRNO_MEMBER, as the kernel's return value. */
static gboolean
parse_action (json_object *obj, const char *path, const char *action_member, const char *errno_member,
              guint32 *out, gboolean *notify, GError **error)
{
  g_autofree char *apath = g_strdup_printf ("%s.%s", path, action_member);
  g_autofree char *epath = g_strdup_printf ("%s.%s", path, errno_member);
  const char *name = NULL;
  const Action *a;
  guint64 errno_ret = EPERM;
  gboolean has_errno = FALSE;

  if (!uctr_json_get_string (obj, path, action_member, UCTR_JSON_OPTIONAL, &name, error)
      || !uctr_json_get_uint (obj, path, errno_member, UCTR_JSON_OPTIONAL, 0xffff, &errno_ret, &has_errno,
                              error))
    return FALSE;
  if (name == NULL)
    return uctr_json_invalid (error, apath, _("missing required field"));
  a = action_lookup (name);
  if (a == NULL)
    {
      g_auto(GStrv) known = uctr_seccomp_actions ();
      g_autofree char *hint = names_hint (known);
      return uctr_json_invalid (error, apath, _("unknown action \"%s\" (expected %s)"), name, hint);
    }
  if (has_errno && !a->takes_errno)
    return uctr_json_invalid (error, epath,
                              _("%s takes no errno; only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do"), name);
  *out = a->takes_errno ? (a->action | (guint32) errno_ret) : a->action;
  *notify = a->action == SCMP_ACT_NOTIFY;
  return TRUE;
}

/* Flags */

/* Whether this kernel takes FLAG: with no program it fails with EFAULT
   when the flags are fine and EINVAL when not (as libseccomp probes). */
static gboolean
kernel_has_flag (unsigned int flag)
{
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static gboolean
parse_flags (json_object *obj, UctrSeccomp *s, GError **error)
{
  json_object *array = NULL;
  guint i, n;

  if (!uctr_json_get_array (obj, PATH_SECCOMP, "flags", UCTR_JSON_OPTIONAL, &array, error))
    return FALSE;
  n = array != NULL ? json_object_array_length (array) : 0;
  for (i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf (PATH_SECCOMP ".flags[%u]", i);
      const char *name = NULL;
      gsize f;

      if (!array_string (array, i, path, &name, error))
        return FALSE;
      for (f = 0; f < G_N_ELEMENTS (flags); f++)
        if (strcmp (flags[f].name, name) == 0)
          break;
      if (f == G_N_ELEMENTS (flags))
        {
          g_auto(GStrv) known = uctr_seccomp_known_flags ();
          g_autofree char *hint = names_hint (known);
          return uctr_json_invalid (error, path, _("unknown flag \"%s\" (expected %s)"), name, hint);
        }
      if (!kernel_has_flag (flags[f].flag))
        return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                           _("%s: this kernel does not support %s"), path, name);
      s->flags |= flags[f].flag;
    }
  return TRUE;
}

/* Architectures */

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when it does not know it. */
static guint32
arch_token (const char *name)
{
  g_autofree char *lower = NULL;

  if (!g_str_has_prefix (name, "SCMP_ARCH_") || !g_strv_contains (arch_names, name))
    return 0;
  lower = g_ascii_strdown (name + strlen ("SCMP_ARCH_"), -1);
  return seccomp_arch_resolve_name (lower);
}

/* *NATIVE_LISTED: the machine's own architecture is among them. */
static gboolean
add_archs (scmp_filter_ctx ctx, json_object *obj, gboolean *native_listed, GError **error)
{
  json_object *array = NULL;
  guint i, n;

  if (!uctr_json_get_array (obj, PATH_SECCOMP, "architectures", UCTR_JSON_OPTIONAL, &array, error))
    return FALSE;
  n = array != NULL ? json_object_array_length (array) : 0;
  for (i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf (PATH_SECCOMP ".architectures[%u]", i);
      const char *name = NULL;
      guint32 token;
      int r;

      if (!array_string (array, i, path, &name, error))
        return FALSE;
      token = arch_token (name);
      if (token == 0)
        {
          g_auto(GStrv) known = uctr_seccomp_archs ();
          g_autofree char *hint = names_hint (known);
          return uctr_json_invalid (error, path, _("unknown architecture \"%s\" (expected %s)"), name, hint);
        }
      if (token == seccomp_arch_native ())
        *native_listed = TRUE;
      r = seccomp_arch_add (ctx, token);
      /* The native one is there from the start. */
      if (r == -EDOM)
        return uctr_json_invalid (error, path,
                                  _("%s cannot be filtered on this machine: libseccomp takes architectures of one byte order only"),
                                     name);
      if (r < 0 && r != -EEXIST)
        return uctr_json_invalid (error, path, _("%s: libseccomp refused it: %s"), name, g_strerror (-r));
    }
  return TRUE;
}

/* Rules */

static gboolean
parse_arg (json_object *obj, const char *path, struct scmp_arg_cmp *cmp, GError **error)
{
  g_autofree char *op_path = g_strdup_printf ("%s.op", path);
  const char *op = NULL;
  guint64 index = 0, value = 0, value_two = 0;
  gboolean has_index, has_value;
  gsize i;

  if (!uctr_json_get_uint (obj, path, "index", UCTR_JSON_OPTIONAL, MAX_ARGS - 1, &index, &has_index, error)
      || !uctr_json_get_uint (obj, path, "value", UCTR_JSON_OPTIONAL, G_MAXUINT64, &value, &has_value, error)
      || !uctr_json_get_uint (obj, path, "valueTwo", UCTR_JSON_OPTIONAL, G_MAXUINT64, &value_two, NULL, error)
      || !uctr_json_get_string (obj, path, "op", UCTR_JSON_OPTIONAL, &op, error))
    return FALSE;
  if (!has_index)
    return uctr_json_invalid_at (error, path, "index", _("missing required field"));
  if (!has_value)
    return uctr_json_invalid_at (error, path, "value", _("missing required field"));
  if (op == NULL)
    return uctr_json_invalid (error, op_path, _("missing required field"));
  for (i = 0; i < G_N_ELEMENTS (operators); i++)
    if (strcmp (operators[i].name, op) == 0)
      break;
  if (i == G_N_ELEMENTS (operators))
    {
      g_auto(GStrv) known = uctr_seccomp_operators ();
      g_autofree char *hint = names_hint (known);
      return uctr_json_invalid (error, op_path, _("unknown operator \"%s\" (expected %s)"), op, hint);
    }
  *cmp = (struct scmp_arg_cmp){ .arg = index, .op = operators[i].op, .datum_a = value, .datum_b = value_two };
  return TRUE;
}

typedef struct
{
  struct scmp_arg_cmp args[MAX_ARGS * 4];
  guint n_args;
  gboolean same_arg_twice; /* then each condition is a rule of its own */
} Conditions;

static gboolean
parse_args (json_object *obj, const char *path, Conditions *c, GError **error)
{
  g_autofree char *apath = g_strdup_printf ("%s.args", path);
  json_object *array = NULL;
  guint seen[MAX_ARGS] = { 0 };
  guint i, n;

  c->n_args = 0;
  c->same_arg_twice = FALSE;
  if (!uctr_json_get_array (obj, path, "args", UCTR_JSON_OPTIONAL, &array, error))
    return FALSE;
  n = array != NULL ? json_object_array_length (array) : 0;
  if (n > G_N_ELEMENTS (c->args))
    return uctr_json_invalid (error, apath, _("at most %u conditions"), (guint) G_N_ELEMENTS (c->args));
  for (i = 0; i < n; i++)
    {
      g_autofree char *ipath = g_strdup_printf ("%s[%u]", apath, i);
      json_object *node = json_object_array_get_idx (array, i);

      if (!json_object_is_type (node, json_type_object))
        return uctr_json_invalid (error, ipath, _("must be an object"));
      if (!parse_arg (node, ipath, &c->args[i], error))
        return FALSE;
      if (seen[c->args[i].arg]++ > 0)
        c->same_arg_twice = TRUE;
    }
  c->n_args = n;
  return TRUE;
}

static gboolean
add_rule (scmp_filter_ctx ctx, const char *path, const char *name, int nr, guint32 action,
          const Conditions *c, GError **error)
{
  guint i;
  int r = 0;

  if (!c->same_arg_twice)
    r = seccomp_rule_add_array (ctx, action, nr, c->n_args, c->args);
  for (i = 0; c->same_arg_twice && r == 0 && i < c->n_args; i++)
    r = seccomp_rule_add_array (ctx, action, nr, 1, &c->args[i]);
  if (r < 0)
    return uctr_json_invalid (error, path,
                              _("libseccomp refused the rule for %s: %s"), name, g_strerror (-r));
  return TRUE;
}

typedef struct
{
  UctrSeccomp *s;
  scmp_filter_ctx ctx;
  guint32 default_action;
  GPtrArray *skipped;
  gboolean native_listed; /* architectures names the native one */
  int max_nr;             /* the highest native syscall number named, -1 for none */
} Build;

static gboolean
add_syscall (Build *b, json_object *obj, const char *path, GError **error)
{
  g_autofree char *npath = g_strdup_printf ("%s.names", path);
  json_object *names = NULL;
  Conditions c;
  guint32 action;
  gboolean notify;
  guint i, n;

  if (!parse_action (obj, path, "action", "errnoRet", &action, &notify, error)
      || !uctr_json_get_array (obj, path, "names", UCTR_JSON_OPTIONAL, &names, error)
      || !parse_args (obj, path, &c, error))
    return FALSE;
  n = names != NULL ? json_object_array_length (names) : 0;
  if (n == 0)
    return uctr_json_invalid (error, npath, _("must list at least one syscall"));
  b->s->listener |= notify;
  for (i = 0; i < n; i++)
    {
      g_autofree char *ipath = g_strdup_printf ("%s[%u]", npath, i);
      const char *name = NULL;
      int nr;

      if (!array_string (names, i, ipath, &name, error))
        return FALSE;
      if (*name == '\0')
        return uctr_json_invalid (error, npath, _("item %u is an empty string"), i);
      if (notify && g_strv_contains (never_notified, name))
        return uctr_json_invalid (error, path,
                                  _("SCMP_ACT_NOTIFY cannot be used for %s: the container init needs it to hand over the listener"),
                                     name);
      nr = seccomp_syscall_resolve_name (name);
      if (nr == __NR_SCMP_ERROR)
        {
          g_ptr_array_add (b->skipped, g_strdup (name));
          continue;
        }
      /* Negative: a name of another architecture, which libseccomp knows. */
      b->max_nr = MAX (b->max_nr, nr);
      /* libseccomp refuses a rule that says what the default says. */
      if (action == b->default_action)
        continue;
      if (!add_rule (b->ctx, path, name, nr, action, &c, error))
        return FALSE;
    }
  return TRUE;
}

static guint
count_names (json_object *syscalls)
{
  guint i, n = 0;

  for (i = 0; syscalls != NULL && i < json_object_array_length (syscalls); i++)
    {
      json_object *names = uctr_json_member (json_object_array_get_idx (syscalls, i), "names");

      if (json_object_is_type (names, json_type_array))
        n += json_object_array_length (names);
    }
  return n;
}

static gboolean
add_syscalls (Build *b, json_object *syscalls, GError **error)
{
  guint i, n = syscalls != NULL ? json_object_array_length (syscalls) : 0;

  if (count_names (syscalls) > OPTIMIZE_MIN_RULES)
    (void) seccomp_attr_set (b->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf (PATH_SECCOMP ".syscalls[%u]", i);
      json_object *node = json_object_array_get_idx (syscalls, i);

      if (!json_object_is_type (node, json_type_object))
        return uctr_json_invalid (error, path, _("must be an object"));
      if (!add_syscall (b, node, path, error))
        return FALSE;
    }
  return TRUE;
}

/* The program, through a memfd: libseccomp 2.5 exports only to an fd. */
static gboolean
export_program (scmp_filter_ctx ctx, struct sock_fprog *prog, GError **error)
{
  uctr_autofd int fd = memfd_create ("uctr-seccomp", MFD_CLOEXEC);
  g_autofree struct sock_filter *insns = NULL;
  struct stat st;
  gsize n;
  int r;

  if (fd < 0)
    return uctr_throw_errno (error, _("linux.seccomp: creating a memfd for the filter"));
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return uctr_throw_errno_code (error, -r, _("linux.seccomp: libseccomp could not generate the filter"));
  if (fstat (fd, &st) < 0)
    return uctr_throw_errno (error, _("linux.seccomp: reading the filter back"));
  n = st.st_size / sizeof (struct sock_filter);
  if (n == 0 || st.st_size % sizeof (struct sock_filter) != 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("linux.seccomp: libseccomp produced a filter of %lld bytes"),
                          (long long) st.st_size);
  if (n > BPF_MAXINSNS)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.seccomp: the filter has %zu instructions; the kernel takes at most %d"), n,
                          BPF_MAXINSNS);
  insns = g_new (struct sock_filter, n);
  if (pread (fd, insns, st.st_size, 0) != st.st_size)
    return uctr_throw_errno (error, _("linux.seccomp: reading the filter back"));
  prog->len = n;
  prog->filter = g_steal_pointer (&insns);
  return TRUE;
}

/* runc's rule: the stub goes in front unless the default already lets
   unknown calls through (ALLOW, LOG, TRACE) or answers ENOSYS, and only for
   an architecture the profile lists (here, the native one). */
static gboolean
wants_enosys_stub (const Build *b)
{
  guint32 kind = b->default_action & SECCOMP_RET_ACTION_FULL;

  if (kind == SCMP_ACT_ALLOW || kind == SCMP_ACT_LOG
      || kind == (SCMP_ACT_TRACE (0) & SECCOMP_RET_ACTION_FULL))
    return FALSE;
  if (b->default_action == SCMP_ACT_ERRNO (ENOSYS))
    return FALSE;
  return b->native_listed && b->max_nr >= 0;
}

/* Prepends: on the native architecture, a syscall number above MAX_NR gets
   ENOSYS; everything else goes on to libseccomp's program. On x86_64 the
   x32 calls (bit 30 set) are left to that program. */
static gboolean
add_enosys_stub (struct sock_fprog *prog, int max_nr, GError **error)
{
  guint32 native = seccomp_arch_native ();
  gboolean x32_bit = native == AUDIT_ARCH_X86_64;
  guint8 n_stub = x32_bit ? 6 : 5;
  struct sock_filter stub[6];
  struct sock_filter *insns;
  guint8 i = 0;

  if (prog->len + n_stub > BPF_MAXINSNS)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.seccomp: the filter has %u instructions; the kernel takes at most %d"),
                          (guint) (prog->len + n_stub), BPF_MAXINSNS);
  /* Jump offsets count from the next instruction; the program starts at n_stub. */
  stub[i++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  stub[i] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, native, 0, n_stub - i - 1);
  i++;
  stub[i++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
  if (x32_bit)
    {
      stub[i] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, 0x40000000, n_stub - i - 1, 0);
      i++;
    }
  stub[i] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, (guint32) max_nr, 0, 1);
  i++;
  stub[i++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  g_assert (i == n_stub);
  insns = g_new (struct sock_filter, prog->len + n_stub);
  memcpy (insns, stub, sizeof stub[0] * n_stub);
  memcpy (insns + n_stub, prog->filter, sizeof prog->filter[0] * prog->len);
  g_free (prog->filter);
  prog->filter = insns;
  prog->len += n_stub;
  return TRUE;
}

static gboolean
parse_listener (json_object *obj, UctrSeccomp *s, GError **error)
{
  const char *path = NULL, *metadata = NULL;

  if (!uctr_json_get_string (obj, PATH_SECCOMP, "listenerPath", UCTR_JSON_OPTIONAL, &path, error)
      || !uctr_json_get_string (obj, PATH_SECCOMP, "listenerMetadata", UCTR_JSON_OPTIONAL, &metadata, error))
    return FALSE;
  if (metadata != NULL && path == NULL)
    return uctr_json_invalid (error, PATH_SECCOMP ".listenerMetadata",
                              _("must not be set without listenerPath"));
  if (path != NULL && !g_path_is_absolute (path))
    return uctr_json_invalid (error, PATH_SECCOMP ".listenerPath", _("must be an absolute path"));
  if (path != NULL && strlen (path) >= sizeof ((struct sockaddr_un *) NULL)->sun_path)
    return uctr_json_invalid (error, PATH_SECCOMP ".listenerPath",
                              _("longer than a unix socket path can be (%u bytes)"),
                                 (guint) sizeof ((struct sockaddr_un *) NULL)->sun_path - 1);
  s->listener_path = g_strdup (path);
  s->listener_metadata = g_strdup (metadata);
  return TRUE;
}

static gboolean
check_listener (UctrSeccomp *s, GError **error)
{
  /* Only a listener's waits can be made killable; the kernel refuses the
     flag alone. */
  if (!s->listener)
    s->flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  if (!s->listener)
    return TRUE;
  if (s->listener_path == NULL)
    return uctr_json_invalid (error, PATH_SECCOMP ".listenerPath",
                              _("required when a rule uses SCMP_ACT_NOTIFY: the path of the seccomp agent's unix socket"));
  s->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  /* With a listener the kernel wants TSYNC to fail with ESRCH, not a tid. */
  if (s->flags & SECCOMP_FILTER_FLAG_TSYNC)
    s->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  return TRUE;
}

static gboolean
compile_object (json_object *obj, UctrSeccomp *s, GPtrArray *skipped, GError **error)
{
  Build b = { .s = s, .skipped = skipped, .max_nr = -1 };
  json_object *syscalls = NULL;
  gboolean notify = FALSE;
  gboolean ok;

  if (!parse_action (obj, PATH_SECCOMP, "defaultAction", "defaultErrnoRet", &b.default_action, &notify, error)
      || !parse_flags (obj, s, error) || !parse_listener (obj, s, error)
      || !uctr_json_get_array (obj, PATH_SECCOMP, "syscalls", UCTR_JSON_OPTIONAL, &syscalls, error))
    return FALSE;
  /* Everything would go to the agent, the init's own last calls included. */
  if (notify)
    return uctr_json_invalid (error, PATH_SECCOMP ".defaultAction",
                              _("SCMP_ACT_NOTIFY cannot be the default action"));
  b.ctx = seccomp_init (b.default_action);
  if (b.ctx == NULL)
    return uctr_json_invalid (error, PATH_SECCOMP ".defaultAction", _("libseccomp refused it"));
  ok = add_archs (b.ctx, obj, &b.native_listed, error) && add_syscalls (&b, syscalls, error)
       && check_listener (s, error) && export_program (b.ctx, &s->prog, error);
  seccomp_release (b.ctx);
  if (ok && wants_enosys_stub (&b))
    ok = add_enosys_stub (&s->prog, b.max_nr, error);
  return ok;
}

gboolean
uctr_seccomp_compile (json_object *node, UctrSeccomp **out, GError **error)
{
  g_autoptr(UctrSeccomp) s = NULL;
  g_autoptr(GPtrArray) skipped = NULL;
  json_object *syscalls;

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!json_object_is_type (node, json_type_object))
    return uctr_json_invalid (error, PATH_SECCOMP, _("must be an object"));
  syscalls = uctr_json_member (node, "syscalls");
  /* runc's reading: neither a default action nor rules, no filter. */
  if (uctr_json_member (node, "defaultAction") == NULL
      && (syscalls == NULL
          || (json_object_is_type (syscalls, json_type_array) && json_object_array_length (syscalls) == 0)))
    return TRUE;
  s = g_new0 (UctrSeccomp, 1);
  skipped = g_ptr_array_new_with_free_func (g_free);
  if (!compile_object (node, s, skipped, error))
    return FALSE;
  g_ptr_array_add (skipped, NULL);
  s->skipped = (char **) g_ptr_array_free (g_steal_pointer (&skipped), FALSE);
  *out = g_steal_pointer (&s);
  return TRUE;
}

/* Container side */

int
uctr_seccomp_load (const UctrSeccomp *seccomp, int *listener_fd)
{
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, seccomp->flags, &seccomp->prog);

  *listener_fd = -1;
  if (r < 0)
    return -1;
  if (seccomp->listener)
    *listener_fd = (int) r;
  return 0;
}

/* The agent's side: the listener */

static char *
process_state_json (const UctrSeccomp *s, pid_t pid, const char *state_json, GError **error)
{
  static const char *const fds[] = { "seccompFd", NULL };
  g_autoptr(json_object) state = NULL;
  g_autoptr(json_object) root = NULL;

  if (!uctr_json_parse (state_json, -1, UCTR_JSON_MAX_DEPTH, &state, error))
    return NULL;
  root = json_object_new_object ();
  uctr_json_add_string (root, "ociVersion", UCTR_OCI_VERSION);
  uctr_json_add_strv (root, "fds", fds);
  uctr_json_add_int (root, "pid", pid);
  if (s->listener_metadata != NULL)
    uctr_json_add_string (root, "metadata", s->listener_metadata);
  uctr_json_add (root, "state", g_steal_pointer (&state));
  return uctr_json_to_string (root, FALSE);
}

/* The whole text, the fd with the first part only (as the spec asks). */
static gboolean
send_with_fd (int sock, const char *text, gsize len, int fd)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  gsize done = 0;

  while (done < len)
    {
      struct iovec iov = { (char *) text + done, len - done };
      struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
      ssize_t n;

      if (done == 0)
        {
          struct cmsghdr *c;

          mh.msg_control = cbuf;
          mh.msg_controllen = sizeof cbuf;
          c = CMSG_FIRSTHDR (&mh);
          c->cmsg_level = SOL_SOCKET;
          c->cmsg_type = SCM_RIGHTS;
          c->cmsg_len = CMSG_LEN (sizeof (int));
          memcpy (CMSG_DATA (c), &fd, sizeof fd);
        }
      n = TEMP_FAILURE_RETRY (sendmsg (sock, &mh, MSG_NOSIGNAL));
      if (n < 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

gboolean
uctr_seccomp_send_listener (const UctrSeccomp *seccomp, int listener_fd, pid_t pid, const char *state_json,
                            GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autofree char *text = process_state_json (seccomp, pid, state_json, error);
  uctr_autofd int sock = -1;

  if (text == NULL)
    return FALSE;
  g_strlcpy (addr.sun_path, seccomp->listener_path, sizeof addr.sun_path);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return uctr_throw_errno (error, _("linux.seccomp.listenerPath: creating a socket"));
  if (TEMP_FAILURE_RETRY (connect (sock, (struct sockaddr *) &addr, sizeof addr)) < 0)
    return uctr_throw_errno (error, _("linux.seccomp.listenerPath: connecting to the seccomp agent at %s"),
                                       seccomp->listener_path);
  if (!send_with_fd (sock, text, strlen (text), listener_fd))
    return uctr_throw_errno (error, _("linux.seccomp.listenerPath: sending the seccomp fd to %s"),
                                       seccomp->listener_path);
  return TRUE;
}

/* features */

static char **
sorted_strv (GPtrArray *names)
{
  g_ptr_array_sort (names, uctr_compare_strs);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

char **
uctr_seccomp_actions (void)
{
  GPtrArray *names = g_ptr_array_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      guint32 ret = actions[i].action & SECCOMP_RET_ACTION_FULL;

      if (syscall (SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &ret) == 0)
        g_ptr_array_add (names, g_strdup (actions[i].name));
    }
  return sorted_strv (names);
}

char **
uctr_seccomp_operators (void)
{
  GPtrArray *names = g_ptr_array_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (operators); i++)
    g_ptr_array_add (names, g_strdup (operators[i].name));
  return sorted_strv (names);
}

char **
uctr_seccomp_archs (void)
{
  GPtrArray *names = g_ptr_array_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (arch_names); i++)
    if (arch_token (arch_names[i]) != 0)
      g_ptr_array_add (names, g_strdup (arch_names[i]));
  return sorted_strv (names);
}

char **
uctr_seccomp_known_flags (void)
{
  GPtrArray *names = g_ptr_array_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (flags); i++)
    g_ptr_array_add (names, g_strdup (flags[i].name));
  return sorted_strv (names);
}

char **
uctr_seccomp_supported_flags (void)
{
  GPtrArray *names = g_ptr_array_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (flags); i++)
    if (kernel_has_flag (flags[i].flag))
      g_ptr_array_add (names, g_strdup (flags[i].name));
  return sorted_strv (names);
}
