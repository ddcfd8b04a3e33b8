package dev.containerj.core;

/** A container operation failed. Unchecked, as with Testcontainers: the caller usually cannot recover. */
public class ContainerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with this message.
   *
   * @param message what failed, naming the container, path or value concerned
   */
  public ContainerException(String message) {
    super(message);
  }

  /**
   * An exception with this message and cause.
   *
   * @param message what failed, naming the container, path or value concerned
   * @param cause the lower-level failure (often an {@code IOException})
   */
  public ContainerException(String message, Throwable cause) {
    super(message, cause);
  }
}
