/* A test tool for mount-race.sh (the symlink-exchange attack on mount
   destinations, CVE-2021-30465), linked statically so that it runs in the
   busybox root:
     swaprace SECONDS MAX A1 B1 [A2 B2 ...]
   swaps A1 and B1, then A2 and B2 ..., and round again (renameat2
   RENAME_EXCHANGE: a directory and a symlink trade places, or two
   directories at different depths, and each name always exists), until
   SECONDS have passed, MAX swaps were made or "stop" exists in the current
   directory, then prints the number of swaps. It makes "ready" there once it
   has started. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  struct timespec pause = { 0, 1000 * 1000 };
  unsigned long max, n;
  double deadline;
  int pairs, fd;

  if (argc < 5 || (argc - 3) % 2 != 0)
    {
      fprintf (stderr, "usage: swaprace SECONDS MAX A1 B1 [A2 B2 ...]\n");
      return 2;
    }
  deadline = now () + atof (argv[1]);
  max = strtoul (argv[2], NULL, 10);
  pairs = (argc - 3) / 2;
  fd = open ("ready", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      perror ("swaprace: ready");
      return 1;
    }
  close (fd);
  for (n = 0; n < max; n++)
    {
      char **pair = argv + 3 + 2 * (n % pairs);

      if (renameat2 (AT_FDCWD, pair[0], AT_FDCWD, pair[1], RENAME_EXCHANGE) < 0)
        {
          perror ("swaprace: renameat2");
          return 1;
        }
      /* A pause now and then, in either state of each pair (127 is odd and
         prime), leaves a share of the CPU to the other tests of a busy
         machine. */
      if (n % 127 == 126)
        nanosleep (&pause, NULL);
      if (n % 1024 == 1023 && (now () > deadline || access ("stop", F_OK) == 0))
        break;
    }
  printf ("%lu\n", n);
  return 0;
}
