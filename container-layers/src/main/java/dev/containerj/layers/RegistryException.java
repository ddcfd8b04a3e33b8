package dev.containerj.layers;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A registry refused or failed a request: the message names the registry, the request and the
 * status (never a credential). {@link #status()} is the HTTP status, or 0 when none was received.
 */
public final class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public RegistryException(String message, int status, @Nullable Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status (401, 404, ...), or 0. */
  public int status() {
    return status;
  }
}
