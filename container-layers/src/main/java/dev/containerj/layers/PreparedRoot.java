package dev.containerj.layers;

import dev.containerj.layers.internal.Trees;
import dev.containerj.linux.InvalidStateException;
import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A container's root filesystem prepared by {@link LayerStore#prepareRoot}: its overlay (the image's
 * layers, read-only and shared with every other container of the image, plus an upper and a work
 * directory of its own) and the directories.
 *
 * <p>Must be closed: {@link #close()} detaches the overlay if {@link #mount()} mounted it and
 * deletes the container's directories (its writes) unless {@link #keep(boolean)} asked to keep
 * them. Close is idempotent and never throws.
 */
public final class PreparedRoot implements AutoCloseable {
  private final String containerId;
  private final Path directory;
  private final Path rootfs;
  private final Path upperDir;
  private final Path workDir;
  private final Mount overlay;
  private volatile boolean keep;
  private @Nullable MountPoint mounted;
  private boolean closed;

  PreparedRoot(String containerId, Path directory, Path rootfs, Path upperDir, Path workDir,
      Mount overlay) {
    this.containerId = containerId;
    this.directory = directory;
    this.rootfs = rootfs;
    this.upperDir = upperDir;
    this.workDir = workDir;
    this.overlay = overlay;
  }

  /** {@return the container id the root was prepared for; unique in its store} */
  public String containerId() {
    return containerId;
  }

  /**
   * {@return {@code containers/ID} in the store: everything of this container's root lives below
   * it}
   */
  public Path directory() {
    return directory;
  }

  /** {@return the mount point of the overlay: the container's {@code /}} */
  public Path rootfs() {
    return rootfs;
  }

  /** {@return where the container's writes land} */
  public Path upperDir() {
    return upperDir;
  }

  /** {@return overlayfs' work directory, next to the upper directory} */
  public Path workDir() {
    return workDir;
  }

  /**
   * {@return the overlay, as mount(2) parameters for a launcher's helper, or to {@link
   * Mount#mount()}}
   */
  public Mount overlay() {
    return overlay;
  }

  /**
   * Keep the directories (and the writes) on close; default false.
   *
   * @param keep true to keep them
   * @return this root
   */
  public PreparedRoot keep(boolean keep) {
    this.keep = keep;
    return this;
  }

  /**
   * Mounts the overlay in this JVM's mount namespace (needs CAP_SYS_ADMIN); close unmounts it.
   *
   * @return the mount point; closing it unmounts the overlay
   * @throws IOException when the kernel refuses the mount (a {@link
   *     dev.containerj.linux.SyscallException} names it)
   * @throws InvalidStateException when the prepared root is closed
   */
  public synchronized MountPoint mount() throws IOException {
    if (closed) {
      throw new InvalidStateException("prepared root " + containerId, "is closed");
    }
    if (mounted == null) {
      mounted = overlay.mount();
    }
    return mounted;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (mounted != null) {
      mounted.close();
    }
    if (!keep) {
      try {
        Mount.unmountQuietly(rootfs); // a launcher may have mounted it here too
        Trees.delete(directory);
      } catch (IOException e) {
        System.getLogger(PreparedRoot.class.getName()).log(System.Logger.Level.WARNING,
            "could not delete the root of container " + containerId + " at " + directory + ": " + e);
      }
    }
  }

  @Override
  public String toString() {
    return "PreparedRoot(" + containerId + ", " + rootfs + ")";
  }
}
