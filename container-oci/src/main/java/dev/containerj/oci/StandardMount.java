package dev.containerj.oci;

import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The kernel filesystems every container gets from ContainerJ itself (RootfsProgram in container-core
 * mounts them, always), as runc's default {@code config.json} lists them. The reader accepts an
 * entry of {@code mounts} for one of them when its type matches and its options are among
 * {@link #accepted}: options ContainerJ's own mount has, or ones that do not change what the
 * container sees. Any other option (rw on /sys, exec, another size) would be a promise ContainerJ does
 * not keep, so it is refused. The writer prints {@link #written} for each.
 */
enum StandardMount {
  PROC("/proc", "proc", "proc", List.of(), Set.of("nosuid", "noexec", "nodev")),
  DEV("/dev", "tmpfs", "tmpfs", List.of("nosuid", "noexec", "strictatime", "mode=755", "size=65536k"),
      Set.of("nosuid", "strictatime", "mode=755", "size=65536k", "nodev", "noexec")),
  DEVPTS("/dev/pts", "devpts", "devpts",
      List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
      Set.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
  SHM("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
      Set.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
  MQUEUE("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"),
      Set.of("nosuid", "noexec", "nodev")),
  SYSFS("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"),
      Set.of("nosuid", "noexec", "nodev", "ro")),
  CGROUP("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"),
      Set.of("nosuid", "noexec", "nodev", "relatime", "ro"));

  /** Options that only set propagation: every ContainerJ mount is private already. */
  static final Set<String> PROPAGATION = Set.of("private", "rprivate");

  final String destination;
  final String type;
  final String source;
  final List<String> written;
  final Set<String> accepted;

  StandardMount(String destination, String type, String source, List<String> written, Set<String> accepted) {
    this.destination = destination;
    this.type = type;
    this.source = source;
    this.written = written;
    this.accepted = accepted;
  }

  /** The standard mount at this destination, or null. */
  static @Nullable StandardMount at(String destination) {
    for (StandardMount m : values()) {
      if (m.destination.equals(destination)) {
        return m;
      }
    }
    return null;
  }

  /** Whether {@code type} names this filesystem (cgroup2 stands for cgroup: ContainerJ mounts the host's kind). */
  boolean typeMatches(String t) {
    return type.equals(t) || (this == CGROUP && t.equals("cgroup2"));
  }
}
