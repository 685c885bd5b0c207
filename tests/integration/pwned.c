/* What an escape would run: prints PWNED and creates the file named by
   $MARK. Static, so that it runs wherever it is executed from (the tests
   put it outside every container's root and check it never runs). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int
main (void)
{
  const char *mark = getenv ("MARK");
  static const char msg[] = "PWNED\n";

  (void) write (1, msg, sizeof msg - 1);
  if (mark != NULL)
    (void) close (open (mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  return 0;
}
