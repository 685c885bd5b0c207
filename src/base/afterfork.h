/* uctr: the after-fork rule, checked by the compiler. Code that runs in a
   child between fork/clone and execve (src/init/, src/net/inside/, and
   base/resolve.c, which the init uses) may not allocate, use stdio or call
   GLib: the parent may have had threads, and a lock that one of them held
   at the fork (malloc's, stdio's, GLib's) is held for ever in the child.
   Everything such code needs is built before the fork (plan/plan.h).

   Each of those files includes this header LAST, after every other
   include: a poisoned name is an error wherever it appears afterwards,
   even in a declaration of a system header. A macro defined before (in
   GLib's headers, say) may still expand to one of them: the rule is
   checked for what the file itself writes. The run-time check stays
   where the parent forks (runtime/sync.c: no thread may exist). */
#pragma once

/* Allocation. */
#pragma GCC poison malloc calloc realloc reallocarray free aligned_alloc posix_memalign memalign valloc
#pragma GCC poison strdup strndup asprintf vasprintf
/* stdio, and what buffers, allocates or runs handlers behind our back. */
#pragma GCC poison printf fprintf sprintf snprintf vprintf vfprintf vsprintf vsnprintf dprintf vdprintf
#pragma GCC poison puts fputs putc putchar fputc fwrite perror fflush fopen fdopen fclose
#pragma GCC poison opendir fdopendir readdir closedir scandir
#pragma GCC poison exit atexit setenv putenv unsetenv strerror syslog
/* GLib. Those of its names that are macros are undefined first: GCC warns
   when it poisons a macro, and nothing here may use them anyway. */
#undef g_new
#undef g_new0
#undef g_renew
#undef g_try_new
#undef g_try_new0
#undef g_slice_new
#undef g_slice_new0
#undef g_slice_free
#undef g_autofree
#undef g_autoptr
#undef g_auto
#undef g_clear_pointer
#undef g_steal_pointer
#undef g_error
#undef g_warning
#undef g_message
#undef g_debug
#undef g_info
#undef g_critical
#pragma GCC poison g_malloc g_malloc0 g_malloc_n g_malloc0_n g_try_malloc g_try_malloc0 g_realloc g_free
#pragma GCC poison g_new g_new0 g_renew g_try_new g_try_new0
#pragma GCC poison g_slice_alloc g_slice_new g_slice_new0 g_slice_free
#pragma GCC poison g_autofree g_autoptr g_auto g_clear_pointer g_steal_pointer
#pragma GCC poison g_strdup g_strndup g_strdup_printf g_strdup_vprintf g_strconcat g_strjoin g_strsplit
#pragma GCC poison g_memdup2
#pragma GCC poison g_string_new g_string_append g_string_append_printf
#pragma GCC poison g_ptr_array_new g_array_new g_hash_table_new
#pragma GCC poison g_print g_printerr g_error g_warning g_message g_debug g_info g_critical g_log
#pragma GCC poison g_set_error g_error_new g_prefix_error g_strerror
/* uctr's own, which allocate (base/util.h, base/log.h). */
#pragma GCC poison uctr_throw uctr_throw_errno uctr_throw_errno_code uctr_prefix_error
#pragma GCC poison uctr_log uctr_warn uctr_debug
