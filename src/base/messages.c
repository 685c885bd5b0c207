/* uctr: the language of uctr's messages (see messages.h). */
#include "base/messages.h"

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

/* uctr prints numbers and times in fixed forms and sorts bytewise, so the
   other categories are left C: where the locale is not in an archive, each
   is a file to open and map at every start (a dozen system calls and 0.7
   ms a run here). gettext ignores LANGUAGE while LC_MESSAGES is C or
   POSIX, which is what a session without LANG has (su -, env -i, a bare
   systemd unit): LANGUAGE=de would still print English. Then messages are
   read in C.UTF-8, which every glibc has and which changes nothing but the
   messages' language and charset. */
static void
setup_locale (void)
{
  const char *language = g_getenv ("LANGUAGE");
  const char *messages;

  setlocale (LC_CTYPE, "");
  messages = setlocale (LC_MESSAGES, "");
  if (language != NULL && *language != '\0' && messages != NULL
      && (strcmp (messages, "C") == 0 || strcmp (messages, "POSIX") == 0)
      && setlocale (LC_MESSAGES, "C.UTF-8") != NULL)
    setlocale (LC_CTYPE, "C.UTF-8");
}

void
uctr_messages_init (void)
{
  const char *localedir = g_getenv ("UCTR_LOCALEDIR");

  setup_locale ();
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
