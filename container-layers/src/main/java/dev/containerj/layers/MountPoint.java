package dev.containerj.layers;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mount made by {@link Mount#mount()}. Closing it detaches the mount (umount2(2)
 * {@code MNT_DETACH}); {@link #close()} is idempotent and never throws.
 */
public final class MountPoint implements AutoCloseable {
  private final Path target;
  private final AtomicBoolean closed = new AtomicBoolean();

  MountPoint(Path target) {
    this.target = target;
  }

  /** {@return where the filesystem is mounted} */
  public Path target() {
    return target;
  }

  /** Detaches the mount; the second and later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Mount.unmountQuietly(target);
    }
  }

  @Override
  public String toString() {
    return "MountPoint(" + target + (closed.get() ? ", closed)" : ")");
  }
}
