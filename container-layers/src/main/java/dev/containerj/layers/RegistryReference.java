package dev.containerj.layers;

import dev.containerj.linux.InvalidValueException;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An image in a registry, in Docker's reference syntax: {@code [HOST[:PORT]/]NAME[:TAG][@sha256:HEX]},
 * optionally prefixed with {@code docker://} (skopeo's transport name). As in Docker, a first
 * component without a '.' or ':' (and not {@code localhost}) is not a host: {@code alpine} means
 * {@code docker.io/library/alpine:latest}, {@code org/tool} means {@code docker.io/org/tool:latest}.
 *
 * @param registry the host (and port) to contact, as {@code docker.io} or {@code 127.0.0.1:5000}
 * @param repository the repository path, lower case, as {@code library/alpine}
 * @param tag the tag, or null when only a digest is given
 * @param digest {@code sha256:HEX}, or null for a tag
 */
public record RegistryReference(String registry, String repository, @Nullable String tag,
    @Nullable String digest) {
  /** Docker Hub's canonical name; its API lives at {@link #DOCKER_HUB_API}. */
  public static final String DOCKER_HUB = "docker.io";
  /** The host Docker Hub's registry API answers on. */
  public static final String DOCKER_HUB_API = "registry-1.docker.io";
  /** The transport prefix skopeo uses for registries. */
  public static final String TRANSPORT = "docker://";

  // distribution/reference's grammar (reference.go), kept to what a pull needs.
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern HOST = Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");

  /**
   * Checks each component against its rule.
   *
   * @param registry the host (and port) to contact, as {@code docker.io} or {@code 127.0.0.1:5000}
   * @param repository the repository path, lower case, as {@code library/alpine}
   * @param tag the tag, or null when only a digest is given
   * @param digest {@code sha256:HEX}, or null for a tag
   * @throws NullPointerException when a component that may not be null is null
   * @throws InvalidValueException naming the component, its value and the rule it breaks
   */
  public RegistryReference {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    if (!HOST.matcher(registry).matches()) {
      throw new InvalidValueException("registry", registry, "must be HOST[:PORT]");
    }
    for (String c : repository.split("/", -1)) {
      if (!COMPONENT.matcher(c).matches()) {
        throw new InvalidValueException("repository", repository, "must be lower-case path components of [a-z0-9._-]"
            + " (separators between alphanumerics)");
      }
    }
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw new InvalidValueException("tag", tag, "must match " + TAG.pattern());
    }
    if (digest != null && !DIGEST.matcher(digest).matches()) {
      throw new InvalidValueException("digest", digest, "must be sha256:<64 lower-case hex digits>");
    }
    if (tag == null && digest == null) {
      throw new InvalidValueException("tag", "none", "or a digest must be given for " + registry + "/" + repository);
    }
  }

  /**
   * Parses a reference; a missing tag means {@code latest}, a missing host {@code docker.io}, and a
   * single-component Docker Hub name gets {@code library/}.
   *
   * @param reference in Docker's syntax, as {@code alpine}, {@code ghcr.io/o/app:1} or {@code
   *     docker://HOST/NAME@sha256:HEX}
   * @return the reference, normalized
   * @throws InvalidValueException naming the reference and the rule it breaks
   */
  public static RegistryReference parse(String reference) {
    Objects.requireNonNull(reference, "reference");
    String s = reference.startsWith(TRANSPORT) ? reference.substring(TRANSPORT.length()) : reference;
    if (s.isEmpty()) {
      throw new InvalidValueException("image reference", "\"" + reference + "\"", "must not be empty");
    }
    String digest = null;
    int at = s.indexOf('@');
    if (at >= 0) {
      digest = s.substring(at + 1);
      s = s.substring(0, at);
      if (!DIGEST.matcher(digest).matches()) {
        throw new InvalidValueException("digest", digest + " (in image reference " + reference + ")",
            "must be sha256:<64 lower-case hex digits>");
      }
    }
    String registry = DOCKER_HUB;
    int slash = s.indexOf('/');
    if (slash > 0) {
      String first = s.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
        registry = first;
        s = s.substring(slash + 1);
      }
    }
    String tag = null;
    int colon = s.lastIndexOf(':');
    if (colon >= 0) {
      tag = s.substring(colon + 1);
      s = s.substring(0, colon);
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_API)) {
      registry = DOCKER_HUB;
    }
    if (registry.equals(DOCKER_HUB) && !s.contains("/")) {
      s = "library/" + s;
    }
    try {
      return new RegistryReference(registry, s, tag, digest);
    } catch (InvalidValueException e) {
      java.util.List<InvalidValueException.Violation> v = new java.util.ArrayList<>();
      for (InvalidValueException.Violation x : e.violations()) {
        v.add(new InvalidValueException.Violation(x.field(), x.value() + " (in image reference " + reference + ")", x.rule()));
      }
      InvalidValueException named = new InvalidValueException(v);
      named.initCause(e);
      throw named;
    }
  }

  /**
   * {@return whether {@code reference} names a registry image rather than a local transport
   * ({@code oci:}, {@code docker-archive:}; see {@link ImageReference})}
   *
   * @param reference an image reference as a user typed it
   */
  public static boolean isRegistryReference(String reference) {
    if (reference.startsWith(TRANSPORT)) {
      return true;
    }
    for (ImageReference.Transport t : ImageReference.Transport.values()) {
      if (reference.startsWith(t.prefix() + ":")) {
        return false;
      }
    }
    return true;
  }

  /** {@return the tag, or else the digest: what the manifest is fetched by} */
  public String tagOrDigest() {
    return digest != null ? digest : Objects.requireNonNull(tag);
  }

  /**
   * {@return the same image, named by its manifest digest (the tag is kept for display)}
   *
   * @param manifestDigest {@code sha256:HEX} of the manifest
   */
  public RegistryReference withDigest(String manifestDigest) {
    return new RegistryReference(registry, repository, tag, manifestDigest);
  }

  /**
   * {@return the same repository, on another registry (a mirror)}
   *
   * @param otherRegistry the mirror's host (and port)
   */
  public RegistryReference onRegistry(String otherRegistry) {
    return new RegistryReference(otherRegistry, repository, tag, digest);
  }

  /** {@return {@code HOST/NAME}, as {@code docker.io/library/alpine}} */
  public String name() {
    return registry + "/" + repository;
  }

  /** The canonical form, {@code HOST/NAME[:TAG][@DIGEST]}, which {@link #parse} reads back. */
  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
