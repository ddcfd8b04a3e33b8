/*
 * Benchmark payload: N getpid(2) system calls (raw, not cached by libc); prints ns per call.
 *   getpid-loop [N]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 0) : 5000000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    syscall(SYS_getpid);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
  printf("%.2f\n", ns / n);
  return 0;
}
