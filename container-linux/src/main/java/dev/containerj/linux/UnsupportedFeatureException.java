package dev.containerj.linux;

import java.util.Objects;

/**
 * This host (its kernel, its configuration or this process's privileges) lacks a feature a public
 * method of a lower module needs, naming the feature and why. The facade ({@code
 * dev.containerj.core}) turns it into an {@code UnsupportedHostException} with the same feature and
 * reason.
 *
 * <p>It extends {@link UnsupportedOperationException}, which callers of these modules caught before.
 */
public class UnsupportedFeatureException extends UnsupportedOperationException {
  private static final long serialVersionUID = 1L;

  /** What is missing. */
  private final String feature;

  /** Why it is missing. */
  private final String reason;

  /**
   * A missing feature.
   *
   * @param feature what is missing, as {@code "cgroup v2 memory controller"}
   * @param reason why, as {@code "not enabled in cgroup.subtree_control"}
   */
  public UnsupportedFeatureException(String feature, String reason) {
    super(Objects.requireNonNull(feature, "feature") + ": " + Objects.requireNonNull(reason, "reason"));
    this.feature = feature;
    this.reason = reason;
  }

  /** {@return what is missing} */
  public String feature() {
    return feature;
  }

  /** {@return why it is missing} */
  public String reason() {
    return reason;
  }
}
