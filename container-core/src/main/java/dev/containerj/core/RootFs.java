package dev.containerj.core;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The container's root filesystem: a directory on the host, or the embedded default (the host's own
 * {@code /}, read-only), which lets any program of the machine run with no image at all.
 */
public final class RootFs {
  private static final RootFs HOST = new RootFs(null, false);

  private final @Nullable Path directory;
  private final boolean writable;

  private RootFs(@Nullable Path directory, boolean writable) {
    this.directory = directory;
    this.writable = writable;
  }

  /** The host's {@code /}, read-only, with a private tmpfs on {@code /tmp}. The default. */
  public static RootFs host() {
    return HOST;
  }

  /** A directory on the host, mounted read-only. */
  public static RootFs directory(Path dir) {
    return new RootFs(Objects.requireNonNull(dir, "dir"), false);
  }

  /** A directory on the host that the container may write to (its changes stay in the directory). */
  public static RootFs writableDirectory(Path dir) {
    return new RootFs(Objects.requireNonNull(dir, "dir"), true);
  }

  /** Whether this is the host's own root. */
  public boolean isHost() {
    return directory == null;
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
    return directory == null || !writable ? this : new RootFs(directory, false);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RootFs r && Objects.equals(r.directory, directory) && r.writable == writable;
  }

  @Override
  public int hashCode() {
    return Objects.hash(directory, writable);
  }

  @Override
  public String toString() {
    return directory == null ? "host:/ (read-only)" : directory + (writable ? " (read-write)" : " (read-only)");
  }
}
