package dev.containerj.core;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One extra mount in the container: a bind mount of a host path, or a fresh tmpfs.
 *
 * @param type bind or tmpfs
 * @param source the host path of a bind mount; null for tmpfs
 * @param target the absolute path inside the container
 * @param readOnly whether the container may not write to it
 * @param sizeBytes the size limit of a tmpfs in bytes, 0 for the kernel's default (half of RAM)
 * @param tmpfsMode the permission bits of a tmpfs's root directory (tmpfs(5) {@code mode=}),
 *     {@link #DEFAULT_TMPFS_MODE} unless given; 0 for a bind
 * @param flags the mount flags added on top (a bind gets them by a remount after the bind, as
 *     mount(2) requires; a tmpfs is always nosuid and nodev)
 */
public record MountSpec(Type type, @Nullable Path source, String target, boolean readOnly, long sizeBytes,
    int tmpfsMode, Set<Flag> flags) {
  /** A tmpfs's mode unless one is given: 1777, world-writable with the sticky bit, as /tmp. */
  public static final int DEFAULT_TMPFS_MODE = 01777;

  /**
   * A mount flag that takes something away from the mount (mount(2)); a bind keeps its source's
   * flags and adds these. ContainerJ never clears a flag: in a user namespace the kernel locks the
   * flags a mount had when the namespace was made (mount_namespaces(7)), and outside one clearing
   * a host mount's noexec or nosuid would loosen it.
   */
  public enum Flag {
    /** MS_NOSUID: set-user-ID and set-group-ID bits and file capabilities are ignored. */
    NOSUID,
    /** MS_NODEV: device nodes open nothing (ContainerJ adds it to every bind of an unprivileged container). */
    NODEV,
    /** MS_NOEXEC: no program on the mount can be executed. */
    NOEXEC
  }

  /** The kind of mount. */
  public enum Type {
    /** A host file or directory, bind-mounted. */
    BIND,
    /** A new, empty, memory-backed tmpfs. */
    TMPFS
  }

  /**
   * A mount; the factory methods ({@link #bind}, {@link #tmpfs}, ...) are the usual way.
   *
   * @param type bind or tmpfs
   * @param source the host path of a bind mount; null for tmpfs
   * @param target the absolute path inside the container
   * @param readOnly whether the container may not write to it
   * @param sizeBytes the size limit of a tmpfs in bytes, 0 for the kernel's default (half of RAM)
   * @param tmpfsMode the permission bits of a tmpfs's root directory; 0 for a bind
   * @param flags the mount flags added on top
   */
  public MountSpec {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(target, "target");
    flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
  }

  /**
   * A mount with extra flags whose tmpfs, if it is one, has mode {@link #DEFAULT_TMPFS_MODE}.
   *
   * @param type bind or tmpfs
   * @param source the host path of a bind mount; null for tmpfs
   * @param target the absolute path inside the container
   * @param readOnly whether the container may not write to it
   * @param sizeBytes the size limit of a tmpfs in bytes, 0 for the kernel's default (half of RAM)
   * @param flags the mount flags added on top
   */
  public MountSpec(Type type, @Nullable Path source, String target, boolean readOnly, long sizeBytes,
      Set<Flag> flags) {
    this(type, source, target, readOnly, sizeBytes, type == Type.TMPFS ? DEFAULT_TMPFS_MODE : 0, flags);
  }

  /**
   * A mount without extra flags whose tmpfs, if it is one, has mode {@code tmpfsMode}.
   *
   * @param type bind or tmpfs
   * @param source the host path of a bind mount; null for tmpfs
   * @param target the absolute path inside the container
   * @param readOnly whether the container may not write to it
   * @param sizeBytes the size limit of a tmpfs in bytes, 0 for the kernel's default (half of RAM)
   * @param tmpfsMode the permission bits of a tmpfs's root directory; 0 for a bind
   */
  public MountSpec(Type type, @Nullable Path source, String target, boolean readOnly, long sizeBytes,
      int tmpfsMode) {
    this(type, source, target, readOnly, sizeBytes, tmpfsMode, Set.of());
  }

  /**
   * {@return this mount with {@code more} flags added to its own}
   *
   * @param more the flags to add (nosuid, nodev, noexec)
   */
  public MountSpec withFlags(Flag... more) {
    EnumSet<Flag> all = EnumSet.noneOf(Flag.class);
    all.addAll(flags);
    all.addAll(java.util.List.of(more));
    return new MountSpec(type, source, target, readOnly, sizeBytes, tmpfsMode, all);
  }

  /**
   * A mount whose tmpfs, if it is one, has mode {@link #DEFAULT_TMPFS_MODE}.
   *
   * @param type bind or tmpfs
   * @param source the host path of a bind mount; null for tmpfs
   * @param target the absolute path inside the container
   * @param readOnly whether the container may not write to it
   * @param sizeBytes the size limit of a tmpfs in bytes, 0 for the kernel's default (half of RAM)
   */
  public MountSpec(Type type, @Nullable Path source, String target, boolean readOnly, long sizeBytes) {
    this(type, source, target, readOnly, sizeBytes, type == Type.TMPFS ? DEFAULT_TMPFS_MODE : 0, Set.of());
  }

  /**
   * {@return a new empty tmpfs of at most {@code sizeBytes} whose root directory has mode {@code mode}}
   * (e.g. 0755 for a {@code /run} only root may write, as containerd's default spec asks)
   *
   * @param target the absolute path inside the container
   * @param sizeBytes the size limit in bytes, 0 for the kernel's default (half of RAM)
   * @param mode the permission bits, at most 07777
   */
  public static MountSpec tmpfs(String target, long sizeBytes, int mode) {
    return new MountSpec(Type.TMPFS, null, target, false, sizeBytes, mode);
  }

  /**
   * Bind-mounts host path {@code source} at {@code target}, read-write.
   *
   * @param source an existing host file or directory
   * @param target the absolute path inside the container
   * @return the mount
   */
  public static MountSpec bind(Path source, String target) {
    return new MountSpec(Type.BIND, source, target, false, 0);
  }

  /**
   * Bind-mounts host path {@code source} at {@code target}, read-only.
   *
   * @param source an existing host file or directory
   * @param target the absolute path inside the container
   * @return the mount
   */
  public static MountSpec bindReadOnly(Path source, String target) {
    return new MountSpec(Type.BIND, source, target, true, 0);
  }

  /**
   * {@return a new empty tmpfs at {@code target} (mode 1777)}
   *
   * @param target the absolute path inside the container
   */
  public static MountSpec tmpfs(String target) {
    return new MountSpec(Type.TMPFS, null, target, false, 0);
  }

  /**
   * {@return a new empty tmpfs of at most {@code sizeBytes}}
   *
   * @param target the absolute path inside the container
   * @param sizeBytes the size limit in bytes, 0 for the kernel's default (half of RAM)
   */
  public static MountSpec tmpfs(String target, long sizeBytes) {
    return new MountSpec(Type.TMPFS, null, target, false, sizeBytes);
  }

  /**
   * Parses Docker's {@code -v HOST:CONTAINER[:ro|rw]} syntax.
   *
   * @param spec the value of {@code -v}, such as {@code /srv/data:/data:ro}
   * @return a bind mount, read-write unless {@code :ro} is given
   * @throws SpecValidationException naming the value when it has the wrong form
   */
  public static MountSpec parseVolume(String spec) {
    String[] parts = spec.split(":", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw SpecValidationException.of("volume", spec, "must be HOST:CONTAINER[:ro|rw]");
    }
    boolean ro = false;
    if (parts.length == 3) {
      if (parts[2].equals("ro")) {
        ro = true;
      } else if (!parts[2].equals("rw")) {
        throw SpecValidationException.of("volume", spec, "option must be ro or rw");
      }
    }
    return new MountSpec(Type.BIND, Path.of(parts[0]), parts[1], ro, 0);
  }
}
