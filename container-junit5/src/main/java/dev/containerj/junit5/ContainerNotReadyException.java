package dev.containerj.junit5;

import dev.containerj.core.ContainerException;

/**
 * A container did not become ready: its {@link Wait} timed out, or the container exited first. The
 * message names the container, the condition, the timeout, and ends with the container's last log
 * lines, so that a failed test tells why without a rerun.
 */
public final class ContainerNotReadyException extends ContainerException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with {@code message} (which carries the log lines already).
   *
   * @param message what was awaited, with the container's last log lines
   */
  public ContainerNotReadyException(String message) {
    super(message);
  }

  /**
   * An exception with {@code message} and the last error the probe saw.
   *
   * @param message what was awaited, with the container's last log lines
   * @param cause the probe's last error
   */
  public ContainerNotReadyException(String message, Throwable cause) {
    super(message, cause);
  }
}
