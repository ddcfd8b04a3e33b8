package dev.containerj.layers;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A registry refused or failed a request: the message names the registry, the request and the
 * status (never a credential). {@link #status()} is the HTTP status, or 0 when none was received.
 */
public final class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;
  /** The HTTP status, or 0 when none was received. */
  private final int status;

  /**
   * A failed request.
   *
   * @param message names the registry, the request and the status; never a credential
   * @param status the HTTP status, or 0 when none was received (connection or TLS failure)
   * @param cause the underlying failure, or null
   */
  public RegistryException(String message, int status, @Nullable Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** {@return the HTTP status (401, 404, ...), or 0} */
  public int status() {
    return status;
  }
}
