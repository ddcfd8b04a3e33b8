package dev.containerj.layers;

import java.io.IOException;

/** A blob's content does not match its descriptor (digest or size); the message names the blob. */
public final class BlobVerificationException extends IOException {
  private static final long serialVersionUID = 1L;
  /** The blob's digest, or its name in the archive. */
  private final String blob;

  /**
   * A mismatch of one blob.
   *
   * @param blob the blob's digest, or its name in the archive
   * @param message what does not match, as {@code "config file name is not a sha256 digest"}
   */
  public BlobVerificationException(String blob, String message) {
    super("blob " + blob + ": " + message);
    this.blob = blob;
  }

  /** {@return the blob's digest (or name in the archive)} */
  public String blob() {
    return blob;
  }
}
