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
    /** A directory with mounts below it: bound recursively, read-only. */
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

  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_NOEXEC = 8;

  /**
   * The host root at one moment.
   *
   * @param entries the entries of {@code /}, names sorted
   * @param mounts every mount point but {@code /} that no other one (but {@code /}) contains, sorted
   * @param rootFlags MS_NOSUID, MS_NODEV, MS_NOEXEC of the mount on {@code /}
   */
  record Snapshot(List<Entry> entries, List<String> mounts, long rootFlags) {}

  private static final Object LOCK = new Object();
  private static @Nullable String cachedMountinfo;
  private static @Nullable FileTime cachedMtime;
  private static @Nullable Snapshot cached;

  private HostRoot() {}

  /** The host root now (the listing is reused while / and the mount table are unchanged). */
  static Snapshot snapshot() {
    try {
      String mountinfo = ProcFiles.read("/proc/self/mountinfo");
      FileTime mtime = Files.getLastModifiedTime(Path.of("/"), LinkOption.NOFOLLOW_LINKS);
      synchronized (LOCK) {
        if (cached != null && mtime.equals(cachedMtime) && mountinfo.equals(cachedMountinfo)) {
          return cached;
        }
      }
      Map<String, Long> points = mountPoints(mountinfo);
      Snapshot snapshot = new Snapshot(scan(Path.of("/"), points), topMounts(points), points.getOrDefault("/", 0L));
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

  /** The mount points directly on {@code /}'s mount: an overlay of {@code /} does not show them. */
  static List<String> topMounts(Map<String, Long> points) {
    List<String> sorted = new ArrayList<>(points.keySet());
    sorted.remove("/");
    java.util.Collections.sort(sorted);
    List<String> top = new ArrayList<>();
    for (String p : sorted) {
      if (top.stream().noneMatch(t -> p.startsWith(t + "/"))) {
        top.add(p);
      }
    }
    return List.copyOf(top);
  }

  /** Mount point -> its MS_NOSUID|MS_NODEV|MS_NOEXEC flags, from a mountinfo text (proc(5)). */
  static Map<String, Long> mountPoints(String mountinfo) {
    Map<String, Long> points = new HashMap<>();
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
      points.put(unescape(f[4]), flags); // a later mount on the same point hides the earlier one
    }
    return points;
  }

  static List<Entry> scan(Path root, Map<String, Long> mountPoints) throws IOException {
    long rootFlags = mountPoints.getOrDefault("/", 0L);
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
        int mode = (Integer) a.get("mode");
        long uid = ((Integer) a.get("uid")) & 0xffffffffL;
        long gid = ((Integer) a.get("gid")) & 0xffffffffL;
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
        } else if (hasMountsBelow.getOrDefault(name, false) || !overlayOptionSafe(name)) {
          kind = Kind.BIND;
        } else {
          kind = Kind.OVERLAY;
        }
        long flags = mountPoints.getOrDefault("/" + name, rootFlags);
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

  /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
