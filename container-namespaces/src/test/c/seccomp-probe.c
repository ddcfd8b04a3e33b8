/*
 * Makes the system calls named on the command line and prints one line per call:
 *   NAME ret=RET errno=ERRNO
 * so that a test can check the verdict of a seccomp filter on each. Operations:
 *   getpid getppid keyctl unshare-user clone-newuts clone-plain clone3 io_uring ptrace-traceme
 *   personality:VALUE socket:FAMILY raw:NR:A0[:A1...]  (numbers in C notation, 64-bit)
 *   int80 (x86_64: i386 getpid through int $0x80)  x32 (x86_64: getpid with __X32_SYSCALL_BIT)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

static long child_exits(long pid) {
  if (pid == 0) {
    _exit(0);
  }
  if (pid > 0) {
    waitpid((pid_t) pid, NULL, 0);
  }
  return pid;
}

static long run(const char *op) {
  if (strcmp(op, "getpid") == 0) return syscall(SYS_getpid);
  if (strcmp(op, "getppid") == 0) return syscall(SYS_getppid);
  if (strcmp(op, "keyctl") == 0) return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
  if (strcmp(op, "unshare-user") == 0) return syscall(SYS_unshare, CLONE_NEWUSER);
  if (strcmp(op, "clone-newuts") == 0) {
    /* A new user namespace too, so that an unprivileged run may make it without the filter. */
    return child_exits(syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0));
  }
  if (strcmp(op, "clone-plain") == 0) return child_exits(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
  if (strcmp(op, "clone3") == 0) return syscall(SYS_clone3, NULL, 0);
  if (strcmp(op, "io_uring") == 0) {
    char params[120];
    memset(params, 0, sizeof(params));
    long fd = syscall(SYS_io_uring_setup, 1, params);
    if (fd >= 0) close((int) fd);
    return fd;
  }
  if (strcmp(op, "ptrace-traceme") == 0) return syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
  if (strncmp(op, "personality:", 12) == 0) {
    long r = syscall(SYS_personality, strtoul(op + 12, NULL, 0));
    int saved = errno;
    syscall(SYS_personality, 0UL); /* back to PER_LINUX if it was changed */
    errno = saved;
    return r;
  }
  if (strncmp(op, "socket:", 7) == 0) {
    long fd = socket((int) strtol(op + 7, NULL, 0), SOCK_DGRAM, 0);
    if (fd >= 0) close((int) fd);
    return fd;
  }
  if (strncmp(op, "raw:", 4) == 0) {
    unsigned long v[7] = {0};
    char *p = (char *) op + 4;
    for (int i = 0; i < 7 && *p; i++) {
      v[i] = strtoull(p, &p, 0);
      if (*p == ':') p++;
    }
    return syscall((long) v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  }
#if defined(__x86_64__)
  if (strcmp(op, "int80") == 0) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L /* i386 getpid */) : "memory");
    if (ret < 0 && ret > -4096) {
      errno = (int) -ret;
      return -1;
    }
    return ret;
  }
  if (strcmp(op, "x32") == 0) return syscall(0x40000000L | SYS_getpid);
#endif
  fprintf(stderr, "unknown operation %s\n", op);
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    errno = 0;
    long r = run(argv[i]);
    printf("%s ret=%ld errno=%d\n", argv[i], r, r < 0 ? errno : 0);
    fflush(stdout);
  }
  return 0;
}
