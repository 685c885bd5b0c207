/* uctr-net: the network helper (helper.h), a program of its own so that it
   loads GLib, libslirp, libseccomp and libcap and nothing else: started by
   create, it is on the path of every start with --network slirp, where an
   exec of uctr (which loaded json-glib and GIO then) took twice as long.
   Run by uctr (net/launch.c), not by users. */
#include "net/helper.h"
#include "base/messages.h"

int
main (int argc, char **argv)
{
  uctr_messages_init ();
  return uctr_net_helper_main (argc, argv);
}
