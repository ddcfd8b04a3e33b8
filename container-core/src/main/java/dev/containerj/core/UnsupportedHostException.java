package dev.containerj.core;

/**
 * This host lacks what a spec or operation needs (a kernel feature, the native helper, a usable
 * cgroup hierarchy, a capability), found before anything was made. Names the feature and why it is
 * missing; the message says both.
 */
public class UnsupportedHostException extends ContainerException {
  private static final long serialVersionUID = 1L;

  /** What is missing. */
  private final String feature;
  /** Why it is missing. */
  private final String reason;

  /**
   * @param feature what is missing, as {@code "user namespaces"} or {@code "idmapped mounts of /dev"}
   * @param reason why, as the probe found it
   * @param message the whole message, for the user
   */
  public UnsupportedHostException(String feature, String reason, String message) {
    super(message);
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
