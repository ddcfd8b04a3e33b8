package dev.containerj.cgroups;

/**
 * A requested limit cannot be enforced on this host (a controller not mounted or not delegated, a
 * file the kernel lacks, a cgroup v2-only setting on a v1 host). ContainerJ never drops a limit
 * silently: the whole operation fails and whatever it created is removed. The message reads {@code
 * "memoryHigh cannot be enforced: cgroup v1 has no memory.high (needs the cgroup v2 memory
 * controller)"}.
 */
public class UnsupportedLimitException extends CgroupException {
  private static final long serialVersionUID = 1L;

  /** The limit's field name, as {@code "memoryHigh"}. */
  private final String limit;
  /** Why this host cannot enforce it. */
  private final String reason;

  /**
   * @param limit the {@link CgroupLimits} field, as {@code "memorySwapMax"}
   * @param reason why the host cannot enforce it
   */
  public UnsupportedLimitException(String limit, String reason) {
    super(limit + " cannot be enforced: " + reason);
    this.limit = limit;
    this.reason = reason;
  }

  /**
   * {@return the {@link CgroupLimits} field that cannot be enforced, as {@code "memorySwapMax"}}
   */
  public String limit() {
    return limit;
  }

  /** {@return why the host cannot enforce it} */
  public String reason() {
    return reason;
  }
}
