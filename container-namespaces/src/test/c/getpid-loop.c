/*
 * Benchmark payload: N getpid(2) system calls (raw, not cached by libc); prints ns per call.
 *   getpid-loop [N] [personality]
 * With "personality", the call is personality(0xffffffff) (a query) instead: a call whose
 * verdict depends on an argument, so the kernel cannot take it from its per-call cache of
 * always-allowed numbers (Linux 5.11+) and runs the filter every time.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 0) : 5000000;
  int personality = argc > 2 && strcmp(argv[2], "personality") == 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  if (personality) {
    for (long i = 0; i < n; i++) {
      syscall(SYS_personality, 0xffffffffUL);
    }
  } else {
    for (long i = 0; i < n; i++) {
      syscall(SYS_getpid);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
  printf("%.2f\n", ns / n);
  return 0;
}
