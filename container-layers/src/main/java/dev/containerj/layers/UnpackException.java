package dev.containerj.layers;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A layer entry was refused (it would write outside the layer root, or cannot be represented);
 * the message names the entry and the rule. Nothing outside the root has been touched.
 */
public final class UnpackException extends IOException {
  private static final long serialVersionUID = 1L;
  /** The entry's name as written in the tar. */
  private final String entry;
  /** Why it was refused, without the entry name. */
  private final String reason;

  /**
   * A refused entry.
   *
   * @param entry the entry's name as written in the tar
   * @param message the rule it breaks
   */
  public UnpackException(String entry, String message) {
    this(entry, message, null);
  }

  /**
   * A refused entry, with the failure that revealed it.
   *
   * @param entry the entry's name as written in the tar
   * @param message the rule it breaks
   * @param cause the underlying failure, or null
   */
  public UnpackException(String entry, String message, @Nullable Throwable cause) {
    super("layer entry '" + entry + "' rejected: " + message, cause);
    this.entry = entry;
    this.reason = message;
  }

  /** {@return why it was refused, without the entry name} */
  public String reason() {
    return reason;
  }

  /** {@return the entry's name as written in the tar} */
  public String entry() {
    return entry;
  }
}
