package dev.containerj.layers;

import dev.containerj.linux.InvalidValueException;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where an image is read from, in skopeo's transport syntax: {@code oci:DIR[:TAG]} (an OCI image
 * layout directory) or {@code docker-archive:FILE[:NAME:TAG]} (a {@code docker save} tar).
 *
 * @param transport how the image is stored
 * @param path the layout directory or archive file
 * @param tag for {@code oci:}, the {@code org.opencontainers.image.ref.name} to pick; for
 *     {@code docker-archive:}, a {@code RepoTags} entry; null to take the only image there is
 */
public record ImageReference(Transport transport, Path path, @Nullable String tag) {
  /** An image storage format, named as skopeo names it. */
  public enum Transport {
    /** An OCI image layout directory ({@code oci:DIR[:TAG]}). */
    OCI("oci"),
    /** A {@code docker save} archive ({@code docker-archive:FILE[:NAME:TAG]}). */
    DOCKER_ARCHIVE("docker-archive");

    private final String prefix;

    Transport(String prefix) {
      this.prefix = prefix;
    }

    /** {@return the name before the first ':' of a reference, as {@code "oci"}} */
    public String prefix() {
      return prefix;
    }
  }

  /**
   * Checks each component against its rule.
   *
   * @param transport how the image is stored
   * @param path the layout directory or archive file
   * @param tag for {@code oci:}, the {@code org.opencontainers.image.ref.name} to pick; for {@code
   *     docker-archive:}, a {@code RepoTags} entry; null to take the only image there is
   * @throws NullPointerException when a component that may not be null is null
   * @throws InvalidValueException naming the component, its value and the rule it breaks
   */
  public ImageReference {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(path, "path");
    if (tag != null && tag.isEmpty()) {
      throw new InvalidValueException("tag", "\"\"", "must not be empty");
    }
  }

  /**
   * Parses {@code oci:DIR[:TAG]} or {@code docker-archive:FILE[:NAME[:TAG]]}. As in skopeo, the path
   * ends at the first ':' after the transport.
   *
   * @param reference as {@code oci:/images/app:1.0} or {@code docker-archive:app.tar}
   * @return the parsed reference
   * @throws InvalidValueException naming the reference and the accepted forms
   */
  public static ImageReference parse(String reference) {
    int colon = reference.indexOf(':');
    String accepted = " (expected oci:DIR[:TAG] or docker-archive:FILE[:NAME:TAG])";
    if (colon < 0) {
      throw new InvalidValueException("image reference", reference, "must start with a transport" + accepted);
    }
    String prefix = reference.substring(0, colon);
    String rest = reference.substring(colon + 1);
    Transport transport = null;
    for (Transport t : Transport.values()) {
      if (t.prefix.equals(prefix)) {
        transport = t;
      }
    }
    if (transport == null) {
      throw new InvalidValueException("image reference", reference, "must name a known transport, not '" + prefix + "'" + accepted);
    }
    int sep = rest.indexOf(':');
    String path = sep < 0 ? rest : rest.substring(0, sep);
    String tag = sep < 0 ? null : rest.substring(sep + 1);
    if (path.isEmpty()) {
      throw new InvalidValueException("image reference", reference, "must have a non-empty path" + accepted);
    }
    if (tag != null && tag.isEmpty()) {
      throw new InvalidValueException("image reference", reference, "must not have an empty tag" + accepted);
    }
    return new ImageReference(transport, Path.of(path), tag);
  }

  /** The reference in skopeo's syntax, which {@link #parse} reads back. */
  @Override
  public String toString() {
    return transport.prefix + ":" + path + (tag == null ? "" : ":" + tag);
  }
}
