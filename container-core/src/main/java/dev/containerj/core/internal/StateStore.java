package dev.containerj.core.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The state directory: one subdirectory per live container holding {@code state.json} and the empty
 * {@code root} mount point, so a later JVM can list containers and clean up after a crashed owner.
 *
 * <p>Where: {@code /run/containerj} as root; {@code $XDG_RUNTIME_DIR/containerj} for an ordinary
 * user; without XDG_RUNTIME_DIR {@code /tmp/containerj-UID}. Mode 0711 (others may pass through, for
 * the container's own mounts, but not list), records 0600, and checked to belong to the caller so
 * that another user cannot plant it. Overridable with the system property
 * {@code containerj.stateDir} (tests).
 *
 * <p>A record holds the container's pid and the pid's start time (so a recycled pid is never taken
 * for the container), and the same for its owning JVM.
 */
public final class StateStore {
  public static final String RECORD = "state.json";

  /**
   * rwx--x--x: others may pass through (a container's processes, running as an unprivileged host
   * id, resolve its mount point and generated files here) but not list the directory.
   */
  private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rwx--x--x");

  private final Path root;

  public StateStore(Path root) {
    this.root = root;
  }

  /** The store of this user, at its default place. */
  public static StateStore forCurrentUser() {
    String override = System.getProperty("containerj.stateDir");
    if (override != null && !override.isEmpty()) {
      return new StateStore(Path.of(override));
    }
    int uid = LibC.geteuid();
    if (uid == 0) {
      return new StateStore(Path.of("/run/containerj"));
    }
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isEmpty() && Files.isDirectory(Path.of(xdg))) {
      return new StateStore(Path.of(xdg, "containerj"));
    }
    return new StateStore(Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "containerj-" + uid));
  }

  public Path root() {
    return root;
  }

  private static final java.util.Set<Path> CHECKED_ROOTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Creates the store's root if needed, and refuses one that someone else owns. Checked in full once
   * per JVM; afterwards a start only checks that it still is a directory.
   */
  public void ensureRoot() throws IOException {
    if (CHECKED_ROOTS.contains(root) && Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(root.getParent());
      try {
        Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PRIVATE));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another thread or JVM made it: checked below
      }
    }
    PosixFileAttributes a = Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isDirectory()) {
      throw new IOException("state directory " + root + " is not a directory");
    }
    int uid = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (uid != LibC.geteuid()) {
      throw new IOException("state directory " + root + " belongs to uid " + uid + ", not to " + LibC.geteuid());
    }
    if (!a.permissions().equals(PRIVATE)) {
      Files.setPosixFilePermissions(root, PRIVATE); // ours, so make it private (a umask may have widened it)
    }
    CHECKED_ROOTS.add(root);
  }

  /** The directory of container {@code id}. */
  public Path dir(String id) {
    return root.resolve(id);
  }

  /** Creates the container's directory and its empty root mount point. */
  public Path create(String id) throws IOException {
    ensureRoot();
    Path dir = dir(id);
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
    Files.createDirectory(dir.resolve("root"));
    return dir;
  }

  /** Writes the record atomically (temp file, then rename). */
  public void write(StateRecord r) throws IOException {
    Path dir = dir(r.id());
    Path tmp = dir.resolve(RECORD + ".tmp");
    Files.write(tmp, r.toJson().getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    try {
      Files.move(tmp, dir.resolve(RECORD), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(RECORD), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Removes the container's directory (the root mount point is empty on the host). Never throws. */
  public void remove(String id) {
    Path dir = dir(id);
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort; the reaper retries
        }
      });
    } catch (NoSuchFileException | java.io.UncheckedIOException gone) {
      // already removed, or being removed concurrently (close() and the exit callback race)
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** Every record, including those of containers whose owner died; unreadable ones are skipped. */
  public List<StateRecord> list() {
    List<StateRecord> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
      for (Path d : ds) {
        Path f = d.resolve(RECORD);
        try {
          out.add(StateRecord.fromJson(Files.readString(f)));
        } catch (IOException | IllegalArgumentException e) {
          // a start in progress, or garbage: not a record
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /**
   * Cleans up after owners that died: kills their containers (unless detached) and removes the
   * records and directories. Directories without a record whose name is not a live start are removed
   * too. Returns the ids cleaned.
   */
  public List<String> reapOrphans() {
    List<String> reaped = new ArrayList<>();
    for (StateRecord r : list()) {
      boolean ownerAlive = isSameProcess(r.ownerPid(), r.ownerStartTime());
      boolean containerAlive = isSameProcess(r.pid(), r.pidStartTime());
      if (ownerAlive || (r.detached() && containerAlive)) {
        continue;
      }
      if (containerAlive) {
        try {
          LibC.kill(r.pid(), Constants.SIGKILL); // pid 1 of its pid namespace: the namespace dies with it
        } catch (LastErrorException ignored) {
          // it just ended
        }
      }
      if (!r.cgroup().isEmpty()) {
        // Its cgroup hangs below the dead owner's cgroup, which we may not share: try, never fail.
        try {
          dev.containerj.cgroups.CgroupManager.forCurrentProcess().open(r.cgroup()).close();
        } catch (IOException | RuntimeException ignored) {
          // not reachable from here (another owner's subtree): it goes when that subtree goes
        }
      }
      remove(r.id());
      // An image container's upper and work directories in this user's layer store (a store of the
      // caller's choice is not recorded: its owner removes what it keeps).
      try {
        dev.containerj.layers.LayerStore layers = ContainerStarter.layers();
        if (layers.preparedRoots().contains(r.id())) {
          layers.removeRoot(r.id());
        }
      } catch (IOException | RuntimeException ignored) {
        // no store for this user, or not removable from here: `containerj image gc` reports it
      }
      reaped.add(r.id());
    }
    return reaped;
  }

  /** Whether {@code pid} runs and started at {@code startTime} (clock ticks since boot). */
  public static boolean isSameProcess(int pid, long startTime) {
    long t = startTime(pid);
    return t >= 0 && t == startTime;
  }

  /** Field 22 of /proc/PID/stat, the start time in clock ticks after boot; -1 if there is no such pid. */
  public static long startTime(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[19]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The start time of this JVM, cached. */
  public static long selfStartTime() {
    return SelfHolder.START;
  }

  private static final class SelfHolder {
    static final long START = startTime(LibC.getpid());
  }

  /** For messages. */
  public @Nullable String describe() {
    return root.toString();
  }
}
