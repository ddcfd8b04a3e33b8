package dev.containerj.layers;

import java.io.IOException;

/** A blob's content does not match its descriptor (digest or size); the message names the blob. */
public final class BlobVerificationException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String blob;

  public BlobVerificationException(String blob, String message) {
    super("blob " + blob + ": " + message);
    this.blob = blob;
  }

  /** The blob's digest (or name in the archive). */
  public String blob() {
    return blob;
  }
}
