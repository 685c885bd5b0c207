/* uctr: compiled seccomp filters kept in the state root (see
   seccomp-cache.h). What is loaded into the kernel for a container must be
   what its profile compiles to: an entry is found by a key that covers
   everything the compile depends on, holds that key itself (a file renamed
   to another key's name is not taken for it), and is trusted as the state
   root's other files are (the caller's own, private, opened without
   following symlinks). */
#include "plan/seccomp-cache.h"
#include "base/log.h"
#include "base/trust.h"
#include "base/util.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define MAGIC "uctrscf1"
#define KEY_LEN 32
#define NAME_LEN (KEY_LEN * 2)
#define NO_STRING G_MAXUINT32
/* A filter's file: at most BPF_MAXINSNS instructions and a few strings. */
#define MAX_FILE (1024 * 1024)
/* How many skipped syscall names an entry may list (libseccomp knows fewer). */
#define MAX_SKIPPED 4096
/* A temporary file of a store that did not finish, once this old (seconds). */
#define STALE_TEMP 60

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#define KNOWN_FLAGS                                                                                          \
  (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW                      \
   | SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH                                      \
   | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)

typedef struct
{
  char magic[8];
  guint8 key[KEY_LEN];
  guint32 flags;
  guint32 listener;
  guint32 n_insns;
  guint32 n_skipped;
} Header;

/* The key */

static void
hash_bytes (GChecksum *sum, const void *data, gsize len)
{
  guint64 n = len;

  g_checksum_update (sum, (const guchar *) &n, sizeof n);
  g_checksum_update (sum, data, len);
}

static void
hash_string (GChecksum *sum, const char *s)
{
  hash_bytes (sum, s, strlen (s));
}

/* The GNU build id among the notes of one loaded object; NULL if none. */
static const guint8 *
build_id (const struct dl_phdr_info *info, gsize *len)
{
  int i;

  for (i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW (Phdr) *ph = &info->dlpi_phdr[i];
      gsize align = ph->p_align == 8 ? 8 : 4;
      const char *p = (const char *) (info->dlpi_addr + ph->p_vaddr);
      const char *end = p + ph->p_memsz;

      if (ph->p_type != PT_NOTE)
        continue;
      while ((gsize) (end - p) >= sizeof (ElfW (Nhdr)))
        {
          const ElfW (Nhdr) *n = (const ElfW (Nhdr) *) p;
          gsize name_size = (n->n_namesz + align - 1) & ~(align - 1);
          gsize desc_size = (n->n_descsz + align - 1) & ~(align - 1);
          const char *name = p + sizeof *n;

          if (name_size > (gsize) (end - name) || desc_size > (gsize) (end - name) - name_size)
            break;
          if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp (name, "GNU", 4) == 0
              && n->n_descsz > 0)
            {
              *len = n->n_descsz;
              return (const guint8 *) name + name_size;
            }
          p = name + name_size + desc_size;
        }
    }
  return NULL;
}

typedef struct
{
  GChecksum *sum;
  gboolean main_has_id;
  gboolean first;
} Objects;

static int
hash_object (struct dl_phdr_info *info, size_t size, void *data)
{
  Objects *o = data;
  gsize len = 0;
  const guint8 *id = build_id (info, &len);

  (void) size;
  if (o->first)
    o->main_has_id = id != NULL;
  o->first = FALSE;
  if (id != NULL)
    hash_bytes (o->sum, id, len);
  else
    hash_string (o->sum, info->dlpi_name != NULL ? info->dlpi_name : "");
  return 0;
}

gboolean
uctr_seccomp_cache_key (json_object *node, guint8 key[32])
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  Objects objects = { .sum = sum, .first = TRUE };
  const struct scmp_version *version = seccomp_version ();
  guint32 numbers[4] = { version->major, version->minor, version->micro, seccomp_api_get () };
  g_autofree char *json = uctr_json_to_string (node, FALSE);
  struct utsname u;
  gsize len = KEY_LEN;

  hash_string (sum, MAGIC);
  dl_iterate_phdr (hash_object, &objects);
  if (!objects.main_has_id || uname (&u) < 0)
    return FALSE;
  hash_bytes (sum, numbers, sizeof numbers);
  hash_string (sum, u.release);
  hash_string (sum, u.version);
  hash_string (sum, u.machine);
  hash_string (sum, json);
  g_checksum_get_digest (sum, key, &len);
  return len == KEY_LEN;
}

/* The file format */

static void
pack_string (GByteArray *out, const char *s)
{
  guint32 len = s != NULL ? (guint32) strlen (s) : NO_STRING;

  g_byte_array_append (out, (const guint8 *) &len, sizeof len);
  if (s != NULL)
    g_byte_array_append (out, (const guint8 *) s, len);
}

GBytes *
uctr_seccomp_cache_pack (const UctrSeccomp *seccomp, const guint8 key[32])
{
  GByteArray *out = g_byte_array_new ();
  Header h = { .flags = seccomp->flags,
               .listener = seccomp->listener ? 1 : 0,
               .n_insns = seccomp->prog.len,
               .n_skipped = seccomp->skipped != NULL ? g_strv_length (seccomp->skipped) : 0 };
  guint32 i;

  memcpy (h.magic, MAGIC, sizeof h.magic);
  memcpy (h.key, key, KEY_LEN);
  g_byte_array_append (out, (const guint8 *) &h, sizeof h);
  g_byte_array_append (out, (const guint8 *) seccomp->prog.filter,
                       seccomp->prog.len * sizeof (struct sock_filter));
  pack_string (out, seccomp->listener_path);
  pack_string (out, seccomp->listener_metadata);
  for (i = 0; i < h.n_skipped; i++)
    pack_string (out, seccomp->skipped[i]);
  return g_byte_array_free_to_bytes (out);
}

typedef struct
{
  const char *p;
  gsize left;
} Reader;

static gboolean
take (Reader *r, void *out, gsize n)
{
  if (r->left < n)
    return FALSE;
  memcpy (out, r->p, n);
  r->p += n;
  r->left -= n;
  return TRUE;
}

/* A string without NUL bytes, or NULL when packed as none (ALLOW_NONE). */
static gboolean
take_string (Reader *r, gboolean allow_none, char **out)
{
  guint32 len;

  *out = NULL;
  if (!take (r, &len, sizeof len))
    return FALSE;
  if (len == NO_STRING)
    return allow_none;
  if (len > r->left || memchr (r->p, '\0', len) != NULL)
    return FALSE;
  *out = g_strndup (r->p, len);
  r->p += len;
  r->left -= len;
  return TRUE;
}

static gboolean
header_ok (const Header *h, const guint8 key[32])
{
  return memcmp (h->magic, MAGIC, sizeof h->magic) == 0 && memcmp (h->key, key, KEY_LEN) == 0
         && (h->flags & ~(guint32) KNOWN_FLAGS) == 0 && h->listener <= 1
         && h->listener == ((h->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0) && h->n_insns > 0
         && h->n_insns <= BPF_MAXINSNS && h->n_skipped <= MAX_SKIPPED;
}

UctrSeccomp *
uctr_seccomp_cache_unpack (const char *data, gsize len, const guint8 key[32])
{
  g_autoptr(UctrSeccomp) s = g_new0 (UctrSeccomp, 1);
  Reader r = { data, len };
  Header h;
  guint32 i;

  if (!take (&r, &h, sizeof h) || !header_ok (&h, key))
    return NULL;
  s->flags = h.flags;
  s->listener = h.listener == 1;
  s->prog.len = h.n_insns;
  s->prog.filter = g_new (struct sock_filter, h.n_insns);
  s->skipped = g_new0 (char *, h.n_skipped + 1);
  if (!take (&r, s->prog.filter, h.n_insns * sizeof (struct sock_filter))
      || !take_string (&r, TRUE, &s->listener_path) || !take_string (&r, TRUE, &s->listener_metadata))
    return NULL;
  for (i = 0; i < h.n_skipped; i++)
    if (!take_string (&r, FALSE, &s->skipped[i]))
      return NULL;
  return r.left == 0 ? g_steal_pointer (&s) : NULL;
}

/* The directory */

static void
key_name (const guint8 key[32], char name[NAME_LEN + 1])
{
  int i;

  for (i = 0; i < KEY_LEN; i++)
    g_snprintf (name + 2 * i, 3, "%02x", key[i]);
}

static gboolean
is_key_name (const char *name)
{
  int i;

  for (i = 0; i < NAME_LEN; i++)
    if (!g_ascii_isxdigit (name[i]) || g_ascii_isupper (name[i]))
      return FALSE;
  return name[NAME_LEN] == '\0';
}

/* <STATE_ROOT>/@seccomp-cache, made when CREATE; -1 when it cannot be
   trusted or made (said at debug level), or is not there (*ABSENT set). */
static int
open_dir (const char *state_root, gboolean create, gboolean *absent)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *path = g_build_filename (state_root, UCTR_SECCOMP_CACHE_DIR, NULL);
  uctr_autofd int root = uctr_trust_open_root (state_root, &local);
  int fd = -1;

  if (root >= 0)
    fd = uctr_trust_openat (root, UCTR_SECCOMP_CACHE_DIR, path, O_RDONLY, S_IFDIR, UCTR_TRUST_PRIVATE,
                            &local);
  if (fd < 0 && root >= 0 && create && g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
    {
      g_clear_error (&local);
      if (mkdirat (root, UCTR_SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST)
        uctr_throw_errno (&local, _("Creating %s"), path);
      else
        fd = uctr_trust_openat (root, UCTR_SECCOMP_CACHE_DIR, path, O_RDONLY, S_IFDIR, UCTR_TRUST_PRIVATE,
                                &local);
    }
  *absent = fd < 0 && root >= 0 && g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT);
  if (fd < 0 && !*absent)
    uctr_debug ("linux.seccomp: compiled filters not kept: %s", local->message);
  return fd;
}

static UctrSeccomp *
lookup (int dir, const char *name, const guint8 key[32])
{
  g_autoptr(GError) local = NULL;
  g_autofree char *data = NULL;
  UctrSeccomp *s;
  gsize len;

  if (!uctr_trust_read_entry (dir, name, MAX_FILE, &data, &len, &local))
    {
      if (!g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
        uctr_debug ("linux.seccomp: the compiled filter %s not used: %s", name, local->message);
      return NULL;
    }
  s = uctr_seccomp_cache_unpack (data, len, key);
  if (s == NULL)
    uctr_debug ("linux.seccomp: the compiled filter %s not used: it is not one uctr made for this profile",
                name);
  return s;
}

typedef struct
{
  char name[NAME_LEN + 1];
  struct timespec mtime;
} Entry;

static int
older_first (gconstpointer a, gconstpointer b)
{
  const struct timespec *x = &((const Entry *) a)->mtime, *y = &((const Entry *) b)->mtime;

  if (x->tv_sec != y->tv_sec)
    return x->tv_sec < y->tv_sec ? -1 : 1;
  return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Keeps the UCTR_SECCOMP_CACHE_MAX newest entries, and removes temporary
   files that a store which did not finish left. */
static void
evict (int dir)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  int fd = fcntl (dir, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  guint i;

  if (d == NULL)
    {
      uctr_close_fdp (&fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      Entry e = { { 0 } };
      struct stat st;

      if (fstatat (dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (is_key_name (de->d_name))
        {
          memcpy (e.name, de->d_name, sizeof e.name);
          e.mtime = st.st_mtim;
          g_array_append_val (entries, e);
        }
      else if (de->d_name[0] == '.' && S_ISREG (st.st_mode) && st.st_mtim.tv_sec + STALE_TEMP < time (NULL))
        (void) unlinkat (dir, de->d_name, 0);
    }
  closedir (d);
  if (entries->len <= UCTR_SECCOMP_CACHE_MAX)
    return;
  g_array_sort (entries, older_first);
  for (i = 0; i < entries->len - UCTR_SECCOMP_CACHE_MAX; i++)
    (void) unlinkat (dir, g_array_index (entries, Entry, i).name, 0);
}

static void
store (const char *state_root, int dir, const char *name, const guint8 key[32], const UctrSeccomp *s)
{
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GError) local = NULL;
  uctr_autofd int own = -1;
  gboolean absent;
  gsize len;
  const char *data;

  if (s->prog.len > BPF_MAXINSNS)
    return;
  if (dir < 0 && (dir = own = open_dir (state_root, TRUE, &absent)) < 0)
    return;
  packed = uctr_seccomp_cache_pack (s, key);
  data = g_bytes_get_data (packed, &len);
  if (len > MAX_FILE)
    return;
  if (!uctr_write_file_atomic_at (dir, name, data, len, 0600, &local))
    {
      uctr_debug ("linux.seccomp: the compiled filter not kept: %s", local->message);
      return;
    }
  uctr_debug ("linux.seccomp: the compiled filter kept as %s/%s", UCTR_SECCOMP_CACHE_DIR, name);
  evict (dir);
}

/* Whether NODE holds a fractional number anywhere. Its text is the key, and
   the text of 1.0 is "1": a profile that says errnoRet 1.0 (refused) would
   find the filter of one that says 1. */
static gboolean
holds_double (json_object *node)
{
  gsize i, n;

  switch (json_object_get_type (node))
    {
    case json_type_double:
      return TRUE;
    case json_type_object:
      {
        json_object_object_foreach (node, name, member)
          {
            (void) name;
            if (holds_double (member))
              return TRUE;
          }
        return FALSE;
      }
    case json_type_array:
      n = json_object_array_length (node);
      for (i = 0; i < n; i++)
        if (holds_double (json_object_array_get_idx (node, i)))
          return TRUE;
      return FALSE;
    default:
      return FALSE;
    }
}

gboolean
uctr_seccomp_compile_cached (json_object *node, const char *state_root, UctrSeccomp **out, GError **error)
{
  guint8 key[KEY_LEN];
  char name[NAME_LEN + 1];
  uctr_autofd int dir = -1;
  gboolean absent = FALSE;

  *out = NULL;
  if (state_root == NULL || !json_object_is_type (node, json_type_object) || holds_double (node)
      || !uctr_seccomp_cache_key (node, key))
    return uctr_seccomp_compile (node, out, error);
  key_name (key, name);
  dir = open_dir (state_root, FALSE, &absent);
  if (dir >= 0 && (*out = lookup (dir, name, key)) != NULL)
    {
      uctr_debug ("linux.seccomp: the filter compiled before, %s/%s", UCTR_SECCOMP_CACHE_DIR, name);
      return TRUE;
    }
  if (!uctr_seccomp_compile (node, out, error))
    return FALSE;
  if (*out != NULL && (dir >= 0 || absent))
    store (state_root, dir, name, key, *out);
  return TRUE;
}
