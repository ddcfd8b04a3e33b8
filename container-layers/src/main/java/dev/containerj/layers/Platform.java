package dev.containerj.layers;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An OCI platform, used to pick one manifest from a multi-architecture index.
 *
 * @param os as {@code "linux"}
 * @param architecture in Go's names: {@code "amd64"}, {@code "arm64"}
 * @param variant as {@code "v8"}, or null for any
 */
public record Platform(String os, String architecture, @Nullable String variant) {
  /**
   * Checks that the required components are present.
   *
   * @param os as {@code "linux"}
   * @param architecture in Go's names: {@code "amd64"}, {@code "arm64"}
   * @param variant as {@code "v8"}, or null for any
   * @throws NullPointerException when a component that may not be null is null
   */
  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
  }

  /** {@return the platform this JVM runs on} */
  public static Platform current() {
    String arch = System.getProperty("os.arch", "");
    switch (arch) {
      case "amd64":
      case "x86_64":
        return new Platform("linux", "amd64", null);
      case "aarch64":
      case "arm64":
        return new Platform("linux", "arm64", null);
      default:
        return new Platform("linux", arch, null);
    }
  }

  /**
   * {@return whether an index entry's platform fits this one (a null variant here accepts any)}
   *
   * @param other the platform of an image index entry
   */
  public boolean matches(Platform other) {
    return os.equals(other.os) && architecture.equals(other.architecture)
        && (variant == null || variant.equals(other.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
