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
    /** Kill the whole process, as with SIGSYS ({@code SECCOMP_RET_KILL_PROCESS}, Linux 4.14). */
    KILL_PROCESS(0x80000000),
    /** Kill the calling thread ({@code SECCOMP_RET_KILL_THREAD}). */
    KILL_THREAD(0x00000000),
    /** Send SIGSYS to the thread ({@code SECCOMP_RET_TRAP}). */
    TRAP(0x00030000),
    /** Fail the call with an errno ({@code SECCOMP_RET_ERRNO}). */
    ERRNO(0x00050000),
    /** Ask the supervisor holding the listener fd ({@code SECCOMP_RET_USER_NOTIF}, Linux 5.0). */
    USER_NOTIF(0x7fc00000),
    /** Stop in the ptrace(2) tracer ({@code SECCOMP_RET_TRACE}). */
    TRACE(0x7ff00000),
    /** Log the call and let it run ({@code SECCOMP_RET_LOG}, Linux 4.14). */
    LOG(0x7ffc0000),
    /** Let the call run ({@code SECCOMP_RET_ALLOW}). */
    ALLOW(0x7fff0000);

    private final int ret;

    Kind(int ret) {
      this.ret = ret;
    }

    /** {@return the {@code SECCOMP_RET_*} value (linux/seccomp.h), without data} */
    public int ret() {
      return ret;
    }
  }

  /** The largest errno the kernel passes back (MAX_ERRNO in linux/err.h). */
  public static final int MAX_ERRNO = 4095;

  /**
   * Checks the data range of the kind.
   *
   * @param kind the action
   * @param data the errno for {@link Kind#ERRNO} (0..4095; 0 makes the call return 0 without
   *     running), the value for {@link Kind#TRACE} and {@link Kind#TRAP} (0..65535, reported to the
   *     tracer or in {@code si_errno}); 0 otherwise
   */
  public SeccompAction {
    if (kind == null) {
      throw new NullPointerException("kind");
    }
    switch (kind) {
      case ERRNO:
        if (data < 0 || data > MAX_ERRNO) {
          throw new dev.containerj.linux.InvalidValueException("errno of an ERRNO action", Integer.toString(data), "must be in 0.." + MAX_ERRNO);
        }
        break;
      case TRACE:
      case TRAP:
        if (data < 0 || data > 0xffff) {
          throw new dev.containerj.linux.InvalidValueException("data of a " + kind + " action", Integer.toString(data), "must be in 0..65535");
        }
        break;
      default:
        if (data != 0) {
          throw new dev.containerj.linux.InvalidValueException("data of a " + kind + " action", Integer.toString(data), "must be 0 (it takes no data)");
        }
    }
  }

  /**
   * Fail the call with this errno (1 = EPERM, 38 = ENOSYS); the call does not run.
   *
   * @param errno the error number, 0..{@value #MAX_ERRNO}
   * @return the action
   */
  public static SeccompAction errno(int errno) {
    return new SeccompAction(Kind.ERRNO, errno);
  }

  /**
   * Stop in the ptrace(2) tracer with this value; without a tracer the call fails with ENOSYS.
   *
   * @param data the value the tracer reads with PTRACE_GETEVENTMSG, 0..65535
   * @return the action
   */
  public static SeccompAction trace(int data) {
    return new SeccompAction(Kind.TRACE, data);
  }

  /** {@return the 32-bit value a filter returns for this action ({@code SECCOMP_RET_*} | data)} */
  public int ret() {
    return kind.ret | (data & 0xffff);
  }

  /**
   * {@return the action a filter return value stands for, as the kernel reads it (seccomp(2))}
   *
   * @param ret a filter's return value: action bits and 16 data bits
   */
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

  /** {@return {@code true} if this action lets the call run (ALLOW or LOG)} */
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
