package dev.containerj.core;

import dev.containerj.layers.Image;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The container's root filesystem: the embedded default (the host's own {@code /}, read-only), which
 * lets any program of the machine run with no image at all; a directory on the host; or an OCI image
 * from the layer store, as an overlay of its layers with a writable layer of the container's own that
 * vanishes when it is closed.
 */
public final class RootFs {
  private static final RootFs HOST = new RootFs(null, null, false);

  private final @Nullable Path directory;
  private final @Nullable Image image;
  private final boolean writable;

  private RootFs(@Nullable Path directory, @Nullable Image image, boolean writable) {
    this.directory = directory;
    this.image = image;
    this.writable = writable;
  }

  /**
   * An imported image ({@code Images.importImage}): an overlay of its layers plus a writable layer of
   * the container's own, removed on close.
   */
  public static RootFs image(Image image) {
    return new RootFs(null, Objects.requireNonNull(image, "image"), true);
  }

  /** The image, or null when this is not an image root. */
  public @Nullable Image image() {
    return image;
  }

  /** The host's {@code /}, read-only, with a private tmpfs on {@code /tmp}. The default. */
  public static RootFs host() {
    return HOST;
  }

  /** A directory on the host, mounted read-only. */
  public static RootFs directory(Path dir) {
    return new RootFs(Objects.requireNonNull(dir, "dir"), null, false);
  }

  /** A directory on the host that the container may write to (its changes stay in the directory). */
  public static RootFs writableDirectory(Path dir) {
    return new RootFs(Objects.requireNonNull(dir, "dir"), null, true);
  }

  /** Whether this is the host's own root. */
  public boolean isHost() {
    return directory == null && image == null;
  }

  /** The directory, or null for the host root. */
  public @Nullable Path directory() {
    return directory;
  }

  public boolean writable() {
    return writable;
  }

  /** The same root, read-only. */
  public RootFs readOnly() {
    return isHost() || !writable ? this : new RootFs(directory, image, false);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RootFs r && Objects.equals(r.directory, directory) && Objects.equals(r.image, image)
        && r.writable == writable;
  }

  @Override
  public int hashCode() {
    return Objects.hash(directory, image, writable);
  }

  @Override
  public String toString() {
    if (image != null) {
      return "image " + image.reference() + (writable ? "" : " (read-only)");
    }
    return directory == null ? "host:/ (read-only)" : directory + (writable ? " (read-write)" : " (read-only)");
  }
}
