package dev.containerj.layers;

import dev.containerj.linux.InvalidValueException;
import java.util.Objects;

/**
 * An OCI content descriptor: what a blob is, its sha256 digest and its size. Every blob ContainerJ
 * reads is checked against both.
 *
 * @param mediaType as {@code application/vnd.oci.image.layer.v1.tar+gzip}
 * @param digest {@code sha256:} and 64 lower-case hex digits
 * @param size the size in bytes, or -1 when the format does not record it (docker-archive layers)
 */
public record Descriptor(String mediaType, String digest, long size) {
  /**
   * Checks each component against its rule.
   *
   * @param mediaType as {@code application/vnd.oci.image.layer.v1.tar+gzip}
   * @param digest {@code sha256:} and 64 lower-case hex digits
   * @param size the size in bytes, or -1 when the format does not record it (docker-archive layers)
   * @throws NullPointerException when a component that may not be null is null
   * @throws InvalidValueException naming the component, its value and the rule it breaks
   */
  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new InvalidValueException("digest", digest, "must be sha256:<64 hex digits>");
    }
    if (size < -1) {
      throw new InvalidValueException("size", Long.toString(size), "must be >= -1");
    }
  }

  /** {@return the 64 hex digits of the digest} */
  public String hex() {
    return digest.substring("sha256:".length());
  }
}
