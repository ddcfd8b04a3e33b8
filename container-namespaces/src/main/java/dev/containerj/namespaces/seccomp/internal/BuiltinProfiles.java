package dev.containerj.namespaces.seccomp.internal;

import dev.containerj.namespaces.seccomp.ArgCondition;
import dev.containerj.namespaces.seccomp.SeccompAction;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The built-in profiles. The default has the effect of the Docker/Podman default profile (an
 * allowlist; everything else fails with EPERM; some calls allowed only with a capability), written
 * here as data of our own. The names cover both architectures; the compiler skips the names an
 * architecture does not have.
 */
public final class BuiltinProfiles {
  private BuiltinProfiles() {}

  /** EPERM and ENOSYS (errno-base.h). */
  static final int EPERM = 1;
  static final int ENOSYS = 38;

  /** The profile that allows everything. */
  public static final SeccompProfile UNCONFINED = SeccompProfile.builder(SeccompAction.ALLOW).build();

  /** Calls every container may make: ordinary process, file, memory, IPC and network work. */
  static final List<String> ALWAYS_ALLOWED = List.of(
      "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
      "capset", "chdir", "clock_adjtime", "clock_getres", "clock_gettime", "clock_nanosleep", "chmod", "chown", "close", "close_range", "connect", "copy_file_range",
      "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait",
      "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit",
      "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate", "fanotify_mark", "fchdir",
      "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat", "fcntl", "fdatasync", "fgetxattr",
      "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync",
      "ftruncate", "futex", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake",
      "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid",
      "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
      "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list",
      "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
      "gettimeofday", "getuid", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
      "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
      "io_pgetevents", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "kill",
      "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
      "lgetxattr", "link", "linkat", "listen", "listxattr", "listxattrat", "llistxattr",
      "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise", "map_shadow_stack", "membarrier",
      "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
      "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
      "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "mseal", "msgctl", "msgget",
      "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at",
      "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open",
      "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
      "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
      "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
      "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages", "removexattr",
      "removexattrat", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
      "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
      "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_getaffinity",
      "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
      "sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity", "sched_setattr",
      "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl",
      "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto", "setfsgid",
      "setfsuid", "setgid", "setgroups", "setitimer", "setpgid", "setpriority", "setregid",
      "setresgid", "setresuid", "setreuid", "setrlimit", "set_robust_list", "setsid",
      "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setxattr", "setxattrat",
      "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
      "socketpair", "splice", "stat", "statfs", "statx", "symlink", "symlinkat", "sync",
      "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
      "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
      "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname",
      "unlink", "unlinkat", "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4",
      "waitid", "write", "writev",
      // x86_64 only
      "arch_prctl", "modify_ldt", "uretprobe", "epoll_ctl_old", "epoll_wait_old");

  /** Calls that only a holder of the capability may make (capabilities(7)). */
  static final Map<String, List<String>> BY_CAPABILITY = Map.ofEntries(
      Map.entry("CAP_SYS_ADMIN", List.of(
          "bpf", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
          "mount", "mount_setattr", "move_mount", "open_tree", "open_tree_attr", "perf_event_open",
          "pivot_root",
          "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount2",
          "unshare", "listmount", "statmount")),
      Map.entry("CAP_SYS_BOOT", List.of("reboot")),
      Map.entry("CAP_SYS_CHROOT", List.of("chroot")),
      Map.entry("CAP_SYS_MODULE", List.of("delete_module", "init_module", "finit_module")),
      Map.entry("CAP_SYS_PACCT", List.of("acct")),
      Map.entry("CAP_SYS_PTRACE", List.of(
          "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
          "ptrace")),
      Map.entry("CAP_SYS_RAWIO", List.of("iopl", "ioperm")),
      Map.entry("CAP_SYS_TIME", List.of("settimeofday", "clock_settime")),
      Map.entry("CAP_SYS_TTY_CONFIG", List.of("vhangup")),
      Map.entry("CAP_SYS_NICE", List.of(
          "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node")),
      Map.entry("CAP_SYSLOG", List.of("syslog")),
      Map.entry("CAP_BPF", List.of("bpf")),
      Map.entry("CAP_PERFMON", List.of("perf_event_open")),
      Map.entry("CAP_DAC_READ_SEARCH", List.of("open_by_handle_at")));

  /**
   * The namespace flags of clone(2) (CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID
   * | NEWNET | NEWTIME): a clone with any of them needs CAP_SYS_ADMIN.
   */
  static final long CLONE_NAMESPACE_FLAGS =
      0x00020000L | 0x02000000L | 0x04000000L | 0x08000000L | 0x10000000L | 0x20000000L
          | 0x40000000L | 0x00000080L;

  /** personality(2) values that change nothing dangerous: PER_LINUX, PER_LINUX32, UNAME26 and query. */
  static final List<Long> SAFE_PERSONALITIES = List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL);

  /** socket(2) families the hardened profile keeps: AF_UNIX, AF_INET, AF_INET6. */
  static final List<Long> HARDENED_SOCKET_FAMILIES = List.of(1L, 2L, 10L);

  /** TIOCSTI and TIOCLINUX (asm-generic/ioctls.h): ioctls that inject input into a terminal. */
  static final List<Long> TERMINAL_INJECTION_IOCTLS = List.of(0x5412L, 0x541CL);

  /** AF_VSOCK: talks to the hypervisor, denied by default as in Docker. */
  static final long AF_VSOCK = 40;

  private static final KernelVersion PTRACE_SAFE = new KernelVersion(4, 8);
  private static final Map<List<Object>, SeccompProfile> CACHE = new ConcurrentHashMap<>();

  /** Empties the cache of built profiles; for tests only (see {@code SeccompProfile.clearCachesForTests}). */
  public static void clearCacheForTests() {
    CACHE.clear();
  }

  /** The default profile for a container that keeps {@code caps}, on a kernel {@code kernel}. */
  public static SeccompProfile dockerDefault(Set<String> caps, KernelVersion kernel) {
    return CACHE.computeIfAbsent(List.of("default", caps, kernel), k -> buildDefault(caps, kernel, false));
  }

  /** The hardened profile, on a kernel {@code kernel}. */
  public static SeccompProfile hardened(KernelVersion kernel) {
    return CACHE.computeIfAbsent(List.of("hardened", kernel), k -> buildDefault(Set.of(), kernel, true));
  }

  private static SeccompProfile buildDefault(Set<String> caps, KernelVersion kernel, boolean hardened) {
    SeccompProfile.Builder b = SeccompProfile.builder(SeccompAction.errno(EPERM));
    b.allow(ALWAYS_ALLOWED.toArray(new String[0]));
    BY_CAPABILITY.forEach((cap, calls) -> {
      if (caps.contains(cap)) {
        b.allow(calls.toArray(new String[0]));
      }
    });
    // Before 4.8 a ptrace()d process could change its syscall after seccomp had approved it.
    if (!hardened && kernel.atLeast(PTRACE_SAFE) && !caps.contains("CAP_SYS_PTRACE")) {
      b.allow("ptrace", "process_vm_readv", "process_vm_writev");
    }
    for (long p : SAFE_PERSONALITIES) {
      b.rule("personality", SeccompAction.ALLOW, ArgCondition.eq(0, p));
    }
    if (caps.contains("CAP_SYS_ADMIN")) {
      b.allow("clone", "clone3");
    } else {
      // Namespaces need CAP_SYS_ADMIN. clone's flags are in a register and can be tested; clone3
      // passes them in memory, which seccomp cannot read, so it fails with ENOSYS and the C
      // library falls back to clone.
      b.rule("clone", SeccompAction.ALLOW, ArgCondition.maskedEq(0, CLONE_NAMESPACE_FLAGS, 0));
      b.rule("clone3", SeccompAction.errno(ENOSYS));
    }
    // TIOCSTI pushes bytes into a terminal's input queue as if typed there, TIOCLINUX can paste the
    // console selection: through a terminal shared with the host (an inherited descriptor, or a
    // terminal handed in) a container would type commands into the host's shell (CVE-2017-5226,
    // ioctl_tty(2)). Denied as Docker and bubblewrap do. The kernel reads the request as an unsigned
    // int, so only the low 32 bits are compared: high bits cannot smuggle it past.
    for (long request : TERMINAL_INJECTION_IOCTLS) {
      b.rule("ioctl", SeccompAction.errno(EPERM), ArgCondition.maskedEq(1, 0xffff_ffffL, request));
    }
    if (hardened) {
      for (long family : HARDENED_SOCKET_FAMILIES) {
        b.rule("socket", SeccompAction.ALLOW, ArgCondition.eq(0, family));
      }
    } else {
      b.rule("socket", SeccompAction.ALLOW, ArgCondition.ne(0, AF_VSOCK));
    }
    return b.build();
  }
}
