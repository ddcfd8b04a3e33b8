package dev.containerj.linux.internal;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Kernel feature probes, each run once per JVM and cached (as Netty's {@code Epoll.isAvailable()}).
 * A probe never throws: an unavailable feature carries the reason, for error messages.
 */
public final class KernelFeatures {
  private KernelFeatures() {}

  /** The result of one probe. */
  public record Feature(String name, boolean available, @Nullable String unavailabilityCause) {
    static Feature yes(String name) {
      return new Feature(name, true, null);
    }

    static Feature no(String name, String cause) {
      return new Feature(name, false, cause);
    }

    /** Throws {@link UnsupportedOperationException} naming the feature and why it is missing. */
    public void require() {
      if (!available) {
        throw new UnsupportedOperationException(name + " is not available: " + unavailabilityCause);
      }
    }
  }

  /** How the cgroup hierarchies are mounted. */
  public enum CgroupLayout {
    /** Only cgroup2, at /sys/fs/cgroup. */
    UNIFIED,
    /** v1 controllers plus a cgroup2 hierarchy for membership (systemd's "hybrid"). */
    HYBRID,
    /** Only cgroup v1. */
    LEGACY,
    /** No cgroup filesystem is mounted. */
    NONE
  }

  private static final class Holder {
    static final Feature USER_NAMESPACES = probeUserNamespaces();
    static final Feature PIDFD = probeSyscall("pidfd_open", Arch.SYS_PIDFD_OPEN, "5.3");
    static final Feature CLOSE_RANGE = probeSyscall("close_range", Arch.SYS_CLOSE_RANGE, "5.9");
    static final Feature CLONE3 = probeSyscall("clone3", Arch.SYS_CLONE3, "5.3");
    static final Feature MOUNT_SETATTR = probeSyscall("mount_setattr", Arch.SYS_MOUNT_SETATTR, "5.12");
    static final Feature OVERLAY = probeFilesystem("overlay");
    static final Feature TIME_NAMESPACE = Files.exists(Path.of("/proc/self/ns/time"))
        ? Feature.yes("time namespace")
        : Feature.no("time namespace", "/proc/self/ns/time is missing (needs Linux 5.6 with CONFIG_TIME_NS)");
    static final CgroupLayout CGROUP_LAYOUT = probeCgroupLayout();
  }

  public static Feature userNamespaces() {
    return Holder.USER_NAMESPACES;
  }

  public static Feature pidfd() {
    return Holder.PIDFD;
  }

  public static Feature closeRange() {
    return Holder.CLOSE_RANGE;
  }

  public static Feature clone3() {
    return Holder.CLONE3;
  }

  public static Feature mountSetattr() {
    return Holder.MOUNT_SETATTR;
  }

  public static Feature overlay() {
    return Holder.OVERLAY;
  }

  public static Feature timeNamespace() {
    return Holder.TIME_NAMESPACE;
  }

  public static CgroupLayout cgroupLayout() {
    return Holder.CGROUP_LAYOUT;
  }

  private static final java.util.concurrent.ConcurrentHashMap<String, Feature> IDMAPPED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether the filesystem of {@code dir} takes idmapped mounts (mount_setattr(2) MOUNT_ATTR_IDMAP),
   * as an overlay's lower layer when {@code overlayLower}; decided from the filesystem type and the
   * kernel release (the versions that brought each filesystem's support), once per directory.
   */
  public static Feature idmappedMounts(Path dir, boolean overlayLower) {
    return IDMAPPED.computeIfAbsent(dir + (overlayLower ? " (overlay lower)" : ""),
        k -> probeIdmapped(dir, overlayLower));
  }

  private static Feature probeIdmapped(Path dir, boolean overlayLower) {
    String name = "idmapped mounts of " + dir + (overlayLower ? " as overlay layers" : "");
    String fs;
    try {
      fs = filesystemType(dir.toRealPath(), Files.readAllLines(Path.of("/proc/self/mountinfo")));
    } catch (IOException e) {
      return Feature.no(name, "cannot find its filesystem: " + e.getMessage());
    }
    String cause = idmappedUnavailability(fs, release(), overlayLower);
    return cause == null ? Feature.yes(name) : Feature.no(name, cause);
  }

  /**
   * Why a filesystem of type {@code fs} takes no idmapped mounts (as an overlay layer when {@code
   * overlayLower}) on a kernel of release {@code {major, minor}}, or null when it does; public for
   * unit tests.
   */
  public static @Nullable String idmappedUnavailability(String fs, int[] have, boolean overlayLower) {
    int[] since = switch (fs) {
      case "ext4", "xfs", "vfat", "msdos" -> new int[] {5, 12};
      case "btrfs" -> new int[] {5, 15};
      case "f2fs" -> new int[] {5, 18};
      case "tmpfs" -> new int[] {6, 3};
      case "erofs" -> new int[] {5, 17};
      default -> null;
    };
    if (since == null) {
      return "its filesystem " + fs + " is not known to support idmapped mounts";
    }
    if (overlayLower && (since[0] < 5 || since[0] == 5 && since[1] < 19)) {
      since = new int[] {5, 19}; // overlayfs takes idmapped layers since 5.19
    }
    if (have[0] < since[0] || have[0] == since[0] && have[1] < since[1]) {
      return "its filesystem " + fs + (overlayLower ? " under overlayfs" : "") + " takes them from Linux "
          + since[0] + "." + since[1] + ", this kernel is " + have[0] + "." + have[1];
    }
    return null;
  }

  /** The type of the filesystem mounted at the longest mount point above {@code path} (proc(5)). */
  public static String filesystemType(Path path, List<String> mountinfo) {
    String best = "";
    String type = "unknown";
    for (String line : mountinfo) {
      String[] f = line.split(" ");
      int dash = java.util.Arrays.asList(f).indexOf("-");
      if (f.length < 5 || dash < 0 || dash + 1 >= f.length) {
        continue;
      }
      String point = f[4].replace("\\040", " ");
      boolean above = point.equals("/") || path.toString().equals(point) || path.toString().startsWith(point + "/");
      if (above && point.length() >= best.length()) {
        best = point;
        type = f[dash + 1];
      }
    }
    return type;
  }

  /** Major and minor of the running kernel's release. */
  private static int[] release() {
    try {
      String r = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
      String[] p = r.split("[.-]");
      return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {0, 0};
    }
  }

  private static Feature probeUserNamespaces() {
    String name = "user namespaces";
    long max = readLong("/proc/sys/user/max_user_namespaces", 1);
    if (max == 0) {
      return Feature.no(name, "/proc/sys/user/max_user_namespaces is 0");
    }
    if (LibC.geteuid() != 0) {
      // Debian and Ubuntu patches: an extra switch for unprivileged callers.
      if (readLong("/proc/sys/kernel/unprivileged_userns_clone", 1) == 0) {
        return Feature.no(name, "/proc/sys/kernel/unprivileged_userns_clone is 0 (unprivileged users may not create them)");
      }
      if (readLong("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 0) == 1) {
        return Feature.no(name, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns is 1 (AppArmor restricts them for unprivileged users)");
      }
    }
    if (!Files.exists(Path.of("/proc/self/ns/user"))) {
      return Feature.no(name, "/proc/self/ns/user is missing (kernel built without CONFIG_USER_NS)");
    }
    return Feature.yes(name);
  }

  /**
   * Calls the syscall with arguments it rejects before doing anything: ENOSYS means the kernel lacks
   * it, any other answer means it exists. (pidfd_open(-1): EINVAL; close_range(~0U, 0): EINVAL;
   * clone3(NULL, 0): EINVAL; mount_setattr(-1, ...): EBADF or EINVAL.)
   */
  private static Feature probeSyscall(String name, long number, String since) {
    try {
      if (number == Arch.SYS_CLOSE_RANGE) {
        LibC.syscall(number, 0xffffffffL, 0, 0, 0, 0);
      } else {
        LibC.syscall(number, -1, 0, 0, 0, 0);
      }
      return Feature.yes(name);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.ENOSYS) {
        return Feature.no(name, "the kernel lacks " + name + "(2) (needs Linux " + since + ")");
      }
      if (e.getErrorCode() == Constants.EPERM) {
        return Feature.no(name, name + "(2) is blocked (EPERM), probably by a seccomp filter");
      }
      return Feature.yes(name);
    }
  }

  private static Feature probeFilesystem(String fs) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/filesystems"))) {
        if (line.endsWith("\t" + fs)) {
          return Feature.yes(fs);
        }
      }
      return Feature.no(fs, fs + " is not in /proc/filesystems (module not loaded? try modprobe " + fs + ")");
    } catch (IOException e) {
      return Feature.no(fs, "cannot read /proc/filesystems: " + e.getMessage());
    }
  }

  private static CgroupLayout probeCgroupLayout() {
    try {
      return cgroupLayout(Files.readAllLines(Path.of("/proc/self/mountinfo")));
    } catch (IOException e) {
      return CgroupLayout.NONE;
    }
  }

  /** Classifies a mountinfo text (proc(5)); public for unit tests. */
  public static CgroupLayout cgroupLayout(List<String> mountinfo) {
    boolean v1 = false;
    boolean v2 = false;
    for (String line : mountinfo) {
      int sep = line.indexOf(" - ");
      if (sep < 0) {
        continue;
      }
      String fstype = line.substring(sep + 3).split(" ", 2)[0];
      if (fstype.equals("cgroup2")) {
        v2 = true;
      } else if (fstype.equals("cgroup")) {
        v1 = true;
      }
    }
    if (v1 && v2) {
      return CgroupLayout.HYBRID;
    }
    return v2 ? CgroupLayout.UNIFIED : v1 ? CgroupLayout.LEGACY : CgroupLayout.NONE;
  }

  private static long readLong(String path, long fallback) {
    return ProcFiles.readLong(path, fallback);
  }
}
