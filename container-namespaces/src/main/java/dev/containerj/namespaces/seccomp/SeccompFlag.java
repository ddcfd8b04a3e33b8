package dev.containerj.namespaces.seccomp;

/**
 * Flags for installing a filter with seccomp(SECCOMP_SET_MODE_FILTER, flags, prog); the names
 * are the runtime-spec's {@code SECCOMP_FILTER_FLAG_*}.
 */
public enum SeccompFlag {
  /** Install the filter on every thread of the process (a process the helper execs has one). */
  TSYNC(1),
  /** Log every action but ALLOW to the audit log. */
  LOG(2),
  /** Do not enable the speculative store bypass mitigation for the process. */
  SPEC_ALLOW(4),
  /** Wait killably for a USER_NOTIF answer once the supervisor received it (Linux 5.19+). */
  WAIT_KILLABLE_RECV(32);

  private final int value;

  SeccompFlag(int value) {
    this.value = value;
  }

  /** {@return the bit of linux/seccomp.h} */
  public int value() {
    return value;
  }
}
