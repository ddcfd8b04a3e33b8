/*
 * Test harness for ContainerJ's seccomp compiler: installs a BPF program the way the native
 * helper does (no_new_privs, then seccomp(SECCOMP_SET_MODE_FILTER) as the last step) and execs.
 *
 *   seccomp-exec FILTER-FILE|- FLAGS COMMAND [ARG...]
 *
 * FILTER-FILE holds struct sock_filter entries (8 bytes each); "-" installs nothing (the control
 * run). Core dumps are disabled so that SIGSYS kills leave no files behind.
 * Exit codes: 125 setup failed, 127 exec failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s FILTER-FILE|- FLAGS COMMAND [ARG...]\n", argv[0]);
    return 125;
  }
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (strcmp(argv[1], "-") != 0) {
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
      fprintf(stderr, "seccomp-exec: open %s: %s\n", argv[1], strerror(errno));
      return 125;
    }
    static struct sock_filter insns[4096];
    size_t n = fread(insns, sizeof(insns[0]), 4096, f);
    fclose(f);
    struct sock_fprog prog = {.len = (unsigned short) n, .filter = insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      fprintf(stderr, "seccomp-exec: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
      return 125;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, strtoul(argv[2], NULL, 0), &prog) < 0) {
      fprintf(stderr, "seccomp-exec: seccomp(%zu instructions): %s\n", n, strerror(errno));
      return 125;
    }
  }
  execvp(argv[3], &argv[3]);
  fprintf(stderr, "seccomp-exec: exec %s: %s\n", argv[3], strerror(errno));
  return 127;
}
