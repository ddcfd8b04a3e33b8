package dev.containerj.core.internal;

/**
 * Test-only switches that turn one protection off, so that a regression test can show, in a second
 * run, what the protection stops (the "protection off" column of README-security.md). Never set in
 * production; each is read once per start.
 */
public final class ProtectionsOff {
  /**
   * A root JVM assembles the container's mounts inside the container's own mount namespace, as
   * before: its root may then unmount the masks and read-only binds and see what they cover.
   */
  public static volatile boolean unlockedMounts;

  /** /etc/hosts and /etc/resolv.conf are writable binds of the state directory's files, as before. */
  public static volatile boolean writableGeneratedFiles;

  /**
   * The cgroup hierarchies of a v1 or hybrid host's /sys/fs/cgroup view are mounted writable: a
   * container's root (with the identity map) may then raise its own limits through them.
   */
  public static volatile boolean writableCgroupView;

  /**
   * A pooled container's payload gets only its execve, none of its own stages: it then runs with
   * what the waiting sandbox holds (the namespace root's full capabilities, no seccomp filter, no
   * no_new_privs, the helper's status pipe), which the payload's stages exist to take away.
   */
  public static volatile boolean pooledPayloadStages;

  /**
   * init(true) is accepted under a seccomp filter that denies what the init needs (clone, wait4,
   * kill...): the init then runs as a pid 1 that cannot fork, reap or forward signals.
   */
  public static volatile boolean initSyscallRule;

  /**
   * An exec'd process stays dumpable until its execve, as before: a payload with the same uid and
   * capabilities may then ptrace it between its capset and its seccomp filter.
   */
  public static volatile boolean dumpableExec;

  /**
   * The first process of a container without a pid namespace of its own (a joined one, the host's)
   * stays dumpable until its execve, as before: another container's payload in that pid namespace
   * may then ptrace it between its capset and its seccomp filter.
   */
  public static volatile boolean dumpableJoiner;

  /**
   * The runtime's writes to kernel files (oom_score_adj, sysctls) follow their {@code /proc} path
   * in whatever tree the helper has, as before: a volume or file laid over {@code /proc} takes them.
   */
  public static volatile boolean procWritesByPath;

  /**
   * A masked file's {@code /dev/null} is resolved in the container's tree (as runc did before
   * CVE-2025-31133), not on the host's: a link the root or a volume puts at {@code /dev/null} picks
   * what is bound over the masked paths.
   */
  public static volatile boolean maskSourceInRoot;

  /**
   * The first process of a container that shares its pid namespace becomes non-dumpable only after
   * its last /proc/self write, as before: from its clone through its id change (after which it sets
   * itself dumpable) until then, another container's root in that pid namespace may ptrace it while
   * it holds its namespace root's capabilities.
   */
  public static volatile boolean dumpableJoinerIdChange;

  private ProtectionsOff() {}

  /**
   * A program that a {@code BeforePivot} step runs keeps the fds its launch passed it (one per joined
   * namespace of the container): its close-from step starts after them, so they survive its execve.
   */
  public static volatile boolean hookFds;
}
