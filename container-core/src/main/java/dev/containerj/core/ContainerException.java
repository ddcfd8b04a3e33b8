package dev.containerj.core;

/** A container operation failed. Unchecked, as with Testcontainers: the caller usually cannot recover. */
public class ContainerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure with no underlying exception.
   *
   * @param message what failed, naming the container and the operation
   */
  public ContainerException(String message) {
    super(message);
  }

  /**
   * A failure caused by another exception.
   *
   * @param message what failed, naming the container and the operation
   * @param cause the underlying failure
   */
  public ContainerException(String message, Throwable cause) {
    super(message, cause);
  }
}
