package dev.containerj.namespaces.seccomp;

/**
 * What the kernel does with a system call that a seccomp rule (or the profile's default) matches:
 * one of the {@code SECCOMP_RET_*} actions of seccomp(2), with its 16-bit data.
 *
 * <p>When several rules of one profile match the same call, the most restrictive action wins, in
 * the kernel's own order: KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW
 * (the order in which the kernel combines the verdicts of stacked filters).
 *
 * @param kind the action
 * @param data the errno for {@link Kind#ERRNO} (0..4095; 0 makes the call return 0 without
 *     running), the value for {@link Kind#TRACE} and
 *     {@link Kind#TRAP} (0..65535, reported to the tracer or in {@code si_errno}); 0 otherwise
 */
public record SeccompAction(Kind kind, int data) {

  /** Let the call run. */
  public static final SeccompAction ALLOW = new SeccompAction(Kind.ALLOW, 0);
  /** Let the call run and log it to the audit log. */
  public static final SeccompAction LOG = new SeccompAction(Kind.LOG, 0);
  /** Kill the whole process with SIGSYS, as if by an uncatchable signal (Linux 4.14+). */
  public static final SeccompAction KILL_PROCESS = new SeccompAction(Kind.KILL_PROCESS, 0);
  /** Kill only the calling thread with SIGSYS. */
  public static final SeccompAction KILL_THREAD = new SeccompAction(Kind.KILL_THREAD, 0);
  /** Send a catchable SIGSYS to the calling thread; the call does not run. */
  public static final SeccompAction TRAP = new SeccompAction(Kind.TRAP, 0);
  /**
   * Ask the process that holds the filter's listener fd (seccomp_unotify(2)); a program that uses
   * it must be installed with SECCOMP_FILTER_FLAG_NEW_LISTENER, see {@link SeccompProgram#installFlags()}.
   */
  public static final SeccompAction USER_NOTIF = new SeccompAction(Kind.USER_NOTIF, 0);

  /** The kinds of action, most restrictive first, with their {@code SECCOMP_RET_*} values. */
  public enum Kind {
    KILL_PROCESS(0x80000000),
    KILL_THREAD(0x00000000),
    TRAP(0x00030000),
    ERRNO(0x00050000),
    USER_NOTIF(0x7fc00000),
    TRACE(0x7ff00000),
    LOG(0x7ffc0000),
    ALLOW(0x7fff0000);

    private final int ret;

    Kind(int ret) {
      this.ret = ret;
    }

    /** The {@code SECCOMP_RET_*} value (linux/seccomp.h), without data. */
    public int ret() {
      return ret;
    }
  }

  /** The largest errno the kernel passes back (MAX_ERRNO in linux/err.h). */
  public static final int MAX_ERRNO = 4095;

  /** Checks the data range of the kind. */
  public SeccompAction {
    if (kind == null) {
      throw new NullPointerException("kind");
    }
    switch (kind) {
      case ERRNO:
        if (data < 0 || data > MAX_ERRNO) {
          throw new IllegalArgumentException(
              "errno of an ERRNO action must be in 0.." + MAX_ERRNO + ": " + data);
        }
        break;
      case TRACE:
      case TRAP:
        if (data < 0 || data > 0xffff) {
          throw new IllegalArgumentException(
              "data of a " + kind + " action must be in 0..65535: " + data);
        }
        break;
      default:
        if (data != 0) {
          throw new IllegalArgumentException("a " + kind + " action takes no data: " + data);
        }
    }
  }

  /** Fail the call with this errno (1 = EPERM, 38 = ENOSYS); the call does not run. */
  public static SeccompAction errno(int errno) {
    return new SeccompAction(Kind.ERRNO, errno);
  }

  /** Stop in the ptrace(2) tracer with this value; without a tracer the call fails with ENOSYS. */
  public static SeccompAction trace(int data) {
    return new SeccompAction(Kind.TRACE, data);
  }

  /** The 32-bit value a filter returns for this action ({@code SECCOMP_RET_*} | data). */
  public int ret() {
    return kind.ret | (data & 0xffff);
  }

  /** The action a filter return value stands for, as the kernel reads it (seccomp(2)). */
  public static SeccompAction fromRet(int ret) {
    int data = ret & 0xffff;
    int action = ret & 0xffff0000;
    for (Kind k : Kind.values()) {
      if (k.ret == action) {
        if (k == Kind.ERRNO) {
          return errno(Math.min(data, MAX_ERRNO));
        }
        return k == Kind.TRACE || k == Kind.TRAP ? new SeccompAction(k, data) : new SeccompAction(k, 0);
      }
    }
    // The kernel treats every unknown action as KILL_PROCESS.
    return KILL_PROCESS;
  }

  /** {@code true} if this action lets the call run (ALLOW or LOG). */
  public boolean permits() {
    return kind == Kind.ALLOW || kind == Kind.LOG;
  }

  @Override
  public String toString() {
    return kind == Kind.ERRNO || kind == Kind.TRACE || (kind == Kind.TRAP && data != 0)
        ? kind + "(" + data + ")"
        : kind.name();
  }
}
