/* uctr: the language of uctr's messages, for each of its programs. */
#pragma once

/* Takes the character set and the language of messages from the
   environment (LC_CTYPE and LC_MESSAGES alone: uctr's output depends on
   nothing else, and Debian's C.UTF-8 is a file per category), and binds
   uctr's catalog: UCTR_LOCALEDIR, when set, replaces the installed one (the
   tests use the build tree's, po/<lang>/LC_MESSAGES/uctr.mo). LANGUAGE is
   honoured in the C locale too, where gettext would ignore it. */
void uctr_messages_init (void);
