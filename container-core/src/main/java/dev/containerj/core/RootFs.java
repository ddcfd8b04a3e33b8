package dev.containerj.core;

import dev.containerj.layers.Image;
import dev.containerj.layers.LayerStore;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The container's root filesystem: the embedded default (the host's own {@code /} under a writable
 * overlay whose changes vanish when the container is closed), which lets any program of the machine
 * run with no image at all; a directory on the host; or an OCI image from a layer store, as an
 * overlay of its layers with a writable layer of the container's own that vanishes when it is closed.
 */
public final class RootFs {
  private static final RootFs HOST = new RootFs(null, null, null, true);
  private static final RootFs HOST_READ_ONLY = new RootFs(null, null, null, false);

  private final @Nullable Path directory;
  private final @Nullable Image image;
  private final @Nullable LayerStore layerStore;
  private final boolean writable;

  private RootFs(@Nullable Path directory, @Nullable Image image, @Nullable LayerStore layerStore, boolean writable) {
    this.directory = directory;
    this.image = image;
    this.layerStore = layerStore;
    this.writable = writable;
  }

  /**
   * {@return an image imported into this user's layer store ({@code
   * ContainerRuntime.images().importImage}): an overlay of its layers plus a writable layer of the
   * container's own, removed on close}
   *
   * @param image an image of this user's default layer store
   */
  public static RootFs image(Image image) {
    return new RootFs(null, Objects.requireNonNull(image, "image"), null, true);
  }

  /**
   * {@return an image imported into {@code store} ({@link LayerStore#importImage}), for a store
   * other than this user's own: a build tool's, or a test's or benchmark's temporary one} The store
   * must be rootless exactly when the JVM is not root (its overlay xattrs are {@code
   * user.overlay.*} then), and must not be deleted while a container uses it.
   *
   * @param store the layer store that holds {@code image}
   * @param image an image of {@code store}
   */
  public static RootFs image(LayerStore store, Image image) {
    return new RootFs(null, Objects.requireNonNull(image, "image"), Objects.requireNonNull(store, "store"), true);
  }

  /** {@return the image, or null when this is not an image root} */
  public @Nullable Image image() {
    return image;
  }

  /**
   * {@return the layer store of an image root given one; null for this user's own store or no
   * image}
   */
  public @Nullable LayerStore layerStore() {
    return layerStore;
  }


  /**
   * {@return the host's {@code /}, writable, with a private tmpfs on {@code /tmp}} The default.
   *
   * <p>An overlay takes the container's writes into memory (a tmpfs in the container's mount
   * namespace): they vanish when the container is closed, or when its last process dies, and the
   * host's files never change. What the container may change follows its id mapping, as on a real
   * system: host files keep their owners, so with the default mapping of a root JVM (an unused id
   * range) and rootless, files of the host's root appear owned by {@code nobody}; {@code /} itself
   * belongs to the container's root and takes new entries; with {@code IdMapping.identity()} the
   * container's root may change any file. Rootless there are kernel limits: each top-level directory
   * is an overlay of its own (and belongs to the container's root), one with mounts below it is
   * read-only, and a file below a directory of an unmapped owner cannot be copied up (EOVERFLOW).
   * docs/architecture.md has the details. {@link #readOnly()} gives the host root read-only instead
   * (one recursive bind, a little faster).
   */
  public static RootFs host() {
    return HOST;
  }

  /**
   * {@return a directory on the host, mounted read-only}
   *
   * @param dir an existing directory holding the container's tree
   */
  public static RootFs directory(Path dir) {
    return new RootFs(Objects.requireNonNull(dir, "dir"), null, null, false);
  }

  /**
   * {@return a directory on the host that the container may write to (its changes stay in the
   * directory)}
   *
   * @param dir an existing directory holding the container's tree
   */
  public static RootFs writableDirectory(Path dir) {
    return new RootFs(Objects.requireNonNull(dir, "dir"), null, null, true);
  }

  /** {@return whether this is the host's own root} */
  public boolean isHost() {
    return directory == null && image == null;
  }

  /** {@return the directory, or null for the host root} */
  public @Nullable Path directory() {
    return directory;
  }

  /** {@return whether the container can write to its root} */
  public boolean writable() {
    return writable;
  }

  /** {@return the same root, read-only} */
  public RootFs readOnly() {
    if (isHost()) {
      return HOST_READ_ONLY;
    }
    return !writable ? this : new RootFs(directory, image, layerStore, false);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RootFs r && Objects.equals(r.directory, directory) && Objects.equals(r.image, image)
        && Objects.equals(storeDirectory(r.layerStore), storeDirectory(layerStore)) && r.writable == writable;
  }

  @Override
  public int hashCode() {
    return Objects.hash(directory, image, storeDirectory(layerStore), writable);
  }

  private static @Nullable Path storeDirectory(@Nullable LayerStore store) {
    return store == null ? null : store.directory();
  }

  @Override
  public String toString() {
    if (image != null) {
      return "image " + image.reference() + (layerStore == null ? "" : " in " + layerStore.directory())
          + (writable ? "" : " (read-only)");
    }
    if (directory == null) {
      return writable ? "host:/ (overlay, changes vanish)" : "host:/ (read-only)";
    }
    return directory + (writable ? " (read-write)" : " (read-only)");
  }
}
