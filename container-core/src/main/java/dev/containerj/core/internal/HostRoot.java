package dev.containerj.core.internal;

import dev.containerj.linux.internal.ProcFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The host's top-level directory as the writable overlay of the host root needs it: each entry of
 * {@code /}, what it is, and whether a mount sits on it or below it.
 *
 * <p>Why one overlay per top-level directory rather than one over {@code /}: in a user namespace the
 * kernel refuses to use a mount with locked submounts as an overlay layer (clone_private_mount(),
 * EINVAL, "failed to clone lowerpath"), and {@code /} always has some ({@code /proc}, {@code /dev},
 * ...). A directory with no mount below it has none, so {@code lowerdir=/usr} works where
 * {@code lowerdir=/} does not; a directory with mounts below it is bound read-only instead.
 *
 * <p>Read per start (the host may gain a top-level directory or a mount at any time), but the
 * listing is kept while neither {@code /}'s modification time nor the mount table changed.
 */
final class HostRoot {
  /** What the container gets for a top-level entry. */
  enum Kind {
    /** A symbolic link, recreated with the same target. */
    SYMLINK,
    /** A directory with no mount below it: an overlay of its own, writes vanish on close. */
    OVERLAY,
    /** A directory with mounts below it, or a mount of a filesystem overlayfs may not take: bound read-only. */
    BIND,
    /** Anything else (a file, a socket): bound read-only onto an empty file. */
    FILE,
    /** A directory that the container gets a fresh filesystem on (/proc, /dev, /sys): created empty. */
    MOUNT_POINT
  }

  /**
   * One entry of {@code /}.
   *
   * @param mountFlags MS_NOSUID, MS_NODEV, MS_NOEXEC of the mount the entry lives on, for its overlay
   */
  record Entry(String name, Kind kind, String linkTarget, int mode, long uid, long gid, long mountFlags) {}

  private static final long MS_NOSUID = dev.containerj.linux.internal.Constants.MS_NOSUID;
  private static final long MS_NODEV = dev.containerj.linux.internal.Constants.MS_NODEV;
  private static final long MS_NOEXEC = dev.containerj.linux.internal.Constants.MS_NOEXEC;

  /**
   * The host root at one moment.
   *
   * @param entries the entries of {@code /}, names sorted
   * @param mounts every mount point but {@code /} that no other one (but {@code /}) contains, sorted
   * @param rootFlags MS_NOSUID, MS_NODEV, MS_NOEXEC of the mount on {@code /}
   */
  record Snapshot(List<Entry> entries, List<TopMount> mounts, long rootFlags) {}

  /**
   * A mount directly on {@code /}'s mount, as a root JVM's overlay of {@code /} needs it (an overlay
   * does not show other mounts): overlaid itself when it is a directory of a filesystem that overlayfs
   * takes as a lower layer, else bound read-only; either way the mounts below it ({@code nested}, the
   * outermost ones) are bound read-only on top.
   */
  record TopMount(String path, long flags, boolean overlay, int mode, long uid, long gid, List<String> nested) {}

  /** One line of mountinfo: its MS_NOSUID|MS_NODEV|MS_NOEXEC and its filesystem type. */
  record MountInfo(long flags, String fstype) {}

  /**
   * Filesystems known to serve as overlayfs lower layers; a mount of another kind is bound read-only
   * instead. Not overlay itself: on a container host those are other containers' roots (dozens of
   * them), and an overlay over one may exceed the kernel's stacking depth of two.
   */
  private static final java.util.Set<String> OVERLAYABLE = java.util.Set.of("ext2", "ext3", "ext4", "xfs", "btrfs",
      "tmpfs", "9p", "zfs", "f2fs", "vfat", "exfat", "nfs", "nfs4", "ramfs", "bcachefs");

  private static final Object LOCK = new Object();
  private static @Nullable String cachedMountinfo;
  private static @Nullable FileTime cachedMtime;
  private static @Nullable Snapshot cached;

  private HostRoot() {}

  /** A {@code unix:} attribute that readAttributes(2) was asked for (always present). */
  private static int attribute(Map<String, Object> attributes, String name) {
    Object v = attributes.get(name);
    if (!(v instanceof Integer)) {
      throw new IllegalStateException("no unix:" + name + " attribute: " + attributes);
    }
    return (Integer) v;
  }

  /** The host root now (the listing is reused while / and the mount table are unchanged). */
  static Snapshot snapshot() {
    try {
      // Read to the end (a large mount table takes more than one read).
      String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
      FileTime mtime = Files.getLastModifiedTime(Path.of("/"), LinkOption.NOFOLLOW_LINKS);
      synchronized (LOCK) {
        if (cached != null && mtime.equals(cachedMtime) && mountinfo.equals(cachedMountinfo)) {
          return cached;
        }
      }
      Map<String, MountInfo> points = mountPoints(mountinfo);
      MountInfo root = points.getOrDefault("/", new MountInfo(0, ""));
      Snapshot snapshot = new Snapshot(scan(Path.of("/"), points), topMounts(points), root.flags());
      synchronized (LOCK) {
        cachedMountinfo = mountinfo;
        cachedMtime = mtime;
        cached = snapshot;
      }
      return snapshot;
    } catch (IOException e) {
      throw new UncheckedIOException("read the host's / for the container's root: " + e.getMessage(), e);
    }
  }

  /** The mounts directly on {@code /}'s mount, each with the outermost mounts below it. */
  static List<TopMount> topMounts(Map<String, MountInfo> points) throws IOException {
    List<String> outer = outermost(points.keySet(), "");
    List<TopMount> top = new ArrayList<>();
    for (String p : outer) {
      MountInfo m = points.get(p);
      Map<String, Object> a;
      try {
        a = Files.readAttributes(Path.of(p), "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
      } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
        continue; // hidden below another mount, or gone
      }
      if (m == null) {
        continue; // not in the mount table it came from
      }
      int mode = attribute(a, "mode");
      boolean overlay = (mode & 0170000) == 0040000 && OVERLAYABLE.contains(m.fstype()) && overlayOptionSafe(p);
      top.add(new TopMount(p, m.flags(), overlay, mode & 07777, attribute(a, "uid") & 0xffffffffL,
          attribute(a, "gid") & 0xffffffffL, outermost(points.keySet(), p)));
    }
    return List.copyOf(top);
  }

  /** The mount points strictly below {@code under} ("" for /) that no other such one contains, sorted. */
  static List<String> outermost(java.util.Collection<String> points, String under) {
    List<String> sorted = new ArrayList<>();
    for (String p : points) {
      if (!p.equals("/") && p.startsWith(under + "/")) {
        sorted.add(p);
      }
    }
    java.util.Collections.sort(sorted);
    List<String> out = new ArrayList<>();
    for (String p : sorted) {
      if (out.stream().noneMatch(t -> p.startsWith(t + "/"))) {
        out.add(p);
      }
    }
    return out;
  }

  /** Mount point -> its flags and type, from a mountinfo text (proc(5)). */
  static Map<String, MountInfo> mountPoints(String mountinfo) {
    Map<String, MountInfo> points = new HashMap<>();
    for (String line : mountinfo.split("\n")) {
      String[] f = line.split(" ");
      if (f.length < 6) {
        continue;
      }
      long flags = 0;
      for (String o : f[5].split(",")) {
        flags |= switch (o) {
          case "nosuid" -> MS_NOSUID;
          case "nodev" -> MS_NODEV;
          case "noexec" -> MS_NOEXEC;
          default -> 0;
        };
      }
      String fstype = "";
      for (int i = 6; i < f.length - 1; i++) {
        if (f[i].equals("-")) {
          fstype = f[i + 1];
          break;
        }
      }
      // A later mount on the same point hides the earlier one.
      points.put(ProcFiles.unescapeMountinfo(f[4]), new MountInfo(flags, fstype));
    }
    return points;
  }

  static List<Entry> scan(Path root, Map<String, MountInfo> mountPoints) throws IOException {
    long rootFlags = mountPoints.containsKey("/") ? mountPoints.get("/").flags() : 0;
    Map<String, Boolean> hasMountsBelow = new HashMap<>();
    for (String point : mountPoints.keySet()) {
      if (point.length() > 1) {
        int slash = point.indexOf('/', 1);
        String top = slash < 0 ? point.substring(1) : point.substring(1, slash);
        hasMountsBelow.merge(top, slash >= 0, Boolean::logicalOr);
      }
    }
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        int mode = attribute(a, "mode");
        long uid = attribute(a, "uid") & 0xffffffffL;
        long gid = attribute(a, "gid") & 0xffffffffL;
        int type = mode & 0170000;
        Kind kind;
        String target = "";
        if (type == 0120000) {
          kind = Kind.SYMLINK;
          target = Files.readSymbolicLink(p).toString();
        } else if (type != 0040000) {
          kind = Kind.FILE;
        } else if (name.equals("proc") || name.equals("dev") || name.equals("sys")) {
          kind = Kind.MOUNT_POINT;
        } else if (hasMountsBelow.getOrDefault(name, false) || !overlayOptionSafe(name)
            || (mountPoints.containsKey("/" + name)
                && !OVERLAYABLE.contains(java.util.Objects.requireNonNull(mountPoints.get("/" + name)).fstype()))) {
          kind = Kind.BIND;
        } else {
          kind = Kind.OVERLAY;
        }
        MountInfo own = mountPoints.get("/" + name);
        long flags = own != null ? own.flags() : rootFlags;
        entries.add(new Entry(name, kind, target, mode & 07777, uid, gid, flags));
      }
    }
    entries.sort((x, y) -> x.name().compareTo(y.name()));
    return List.copyOf(entries);
  }

  /** overlayfs splits its options at ',' and its layer lists at ':'; such names are bound instead. */
  private static boolean overlayOptionSafe(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == ',' || c == ':' || c == '\\' || c == '=' || c < ' ') {
        return false;
      }
    }
    return true;
  }


}
