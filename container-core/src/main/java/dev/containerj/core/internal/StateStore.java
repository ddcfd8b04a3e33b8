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
 * The state directory: one subdirectory per container holding its {@link #OWNER} file (from the first
 * instant), {@code state.json} (while it runs) and the empty {@code root} mount point, so a later JVM
 * can list containers and clean up after a crashed owner, even one killed in the middle of a start.
 *
 * <p>Where: {@code /run/containerj} as root; {@code $XDG_RUNTIME_DIR/containerj} for an ordinary
 * user; without XDG_RUNTIME_DIR {@code /tmp/containerj-UID}. Mode 0711 (others may pass through, for
 * the container's own mounts, but not list), records 0600, and checked to belong to the caller so
 * that another user cannot plant it. {@code ContainerRuntime.Builder.stateDirectory} chooses another
 * (the system property {@code containerj.stateDir} still moves the default runtime's, for child JVMs of tests).
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

  /** Opens a layer store, or says why it cannot. */
  @FunctionalInterface
  public interface LayerStoreSource {
    dev.containerj.layers.LayerStore open() throws IOException;
  }

  private final Path root;
  private final String cgroupParent;
  private final LayerStoreSource layers;

  /** A store at {@code root} whose containers' cgroups are named {@code containerj/ID}, images in this user's store. */
  public StateStore(Path root) {
    this(root, ContainerStarter.DEFAULT_CGROUP_PARENT, ContainerStarter::layers);
  }

  /**
   * A store at {@code root} whose containers' cgroups are {@code cgroupParent/ID} below the JVM's
   * cgroup, and whose image containers' writable layers live in {@code layers} (what the reaper
   * removes of a dead owner's containers).
   */
  public StateStore(Path root, String cgroupParent, LayerStoreSource layers) {
    this.root = root;
    this.cgroupParent = cgroupParent;
    this.layers = layers;
  }

  /** The name of the cgroup, below the JVM's own, that holds this store's containers' cgroups. */
  public String cgroupParent() {
    return cgroupParent;
  }

  /** The layer store of this store's image containers. */
  public dev.containerj.layers.LayerStore layers() throws IOException {
    return layers.open();
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
    String foreign = foreignRoot();
    if (foreign != null) {
      throw new IOException(foreign);
    }
    PosixFileAttributes a = Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.permissions().equals(PRIVATE)) {
      Files.setPosixFilePermissions(root, PRIVATE); // ours, so make it private (a umask may have widened it)
    }
    CHECKED_ROOTS.add(root);
  }

  /**
   * Why the existing root is not this user's to trust, or null when it is: not a directory (a link
   * included), or owned by another uid. Its records name pids that {@link #reapOrphans()} and
   * {@code remove} kill and owner files name cgroups they remove, so a root planted by another user
   * (the fallback {@code /tmp/containerj-UID} lies in a world-writable directory) would make this
   * user's tool kill and remove what that user chose.
   */
  private @Nullable String foreignRoot() throws IOException {
    PosixFileAttributes a = Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isDirectory()) {
      return "state directory " + root + " is not a directory";
    }
    int uid = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int euid = effectiveUid();
    if (uid != euid) {
      return "state directory " + root + " belongs to uid " + uid + ", not to " + euid;
    }
    return null;
  }

  /**
   * This process's effective uid from the "Uid:" line of /proc/self/status (proc(5): real,
   * effective, saved set, filesystem), so that reading the records loads no JNA: a cold
   * {@code containerj-runtime delete} registered it for this one check. geteuid(2) when /proc
   * cannot say.
   */
  private static int effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: ask the kernel
    }
    return LibC.geteuid();
  }

  /**
   * Refuses to read records from a root another user could have written (see {@link #foreignRoot()}):
   * a {@code ContainerException} naming the directory and its owner; nothing for an absent root.
   */
  private void checkReadable() {
    String foreign;
    try {
      foreign = Files.exists(root, LinkOption.NOFOLLOW_LINKS) ? foreignRoot() : null;
    } catch (IOException e) {
      foreign = "state directory " + root + " cannot be checked: " + e.getMessage();
    }
    if (foreign != null) {
      throw new dev.containerj.core.ContainerException(foreign + ": its records are not trusted (remove it, or "
          + "choose another state directory)");
    }
  }

  /** The directory of container {@code id}. */
  public Path dir(String id) {
    return root.resolve(id);
  }

  /** Creates the container's directory and its empty root mount point (no cgroup). */
  public Path create(String id) throws IOException {
    return create(id, List.of());
  }

  /**
   * Creates the container's directory, its empty root mount point and its {@link #OWNER} file, which
   * names this JVM (pid and start time) and the container's cgroup directories {@code cgroups} (made
   * later, if at all). The directory is made under a temporary name that itself names the owner,
   * {@code .new-PID-STARTTIME-ID}, and renamed when complete, so that at every instant a
   * directory of this store says whose it is: a JVM killed at any point of a start leaves nothing
   * that {@link #reapOrphans()} cannot judge.
   */
  public Path create(String id, List<Path> cgroups) throws IOException {
    ensureRoot();
    Path dir = dir(id);
    Path tmp = root.resolve(NEW_PREFIX + LibC.getpid() + "-" + selfStartTime() + "-" + id);
    Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PRIVATE));
    Files.createDirectory(tmp.resolve("root"));
    StringBuilder owner = new StringBuilder().append(LibC.getpid()).append(' ').append(selfStartTime()).append('\n');
    cgroups.forEach(c -> owner.append(c).append('\n'));
    Files.write(tmp.resolve(OWNER), owner.toString().getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    return dir;
  }

  /**
   * The file in each container directory that names its owning JVM ({@code "PID STARTTIME"}) and
   * then its cgroup directories, one a line: written before anything else of the container exists.
   */
  public static final String OWNER = "owner";

  /** The prefix of a container directory being made (see {@link #create(String, List)}). */
  static final String NEW_PREFIX = ".new-";

  /**
   * A directory that neither names its owner nor holds a record (left by a version before the
   * owner file) is removed once it is this old: no start takes that long between its two steps.
   */
  private static final long UNOWNED_GRACE_MILLIS = 60_000;

  /** The owner file's content: owner pid, its start time, and the cgroup directories. */
  record Owner(int pid, long startTime, List<Path> cgroups) {
    boolean alive() {
      return isSameProcess(pid, startTime);
    }

    static @Nullable Owner read(Path dir) {
      try {
        String[] lines = Files.readString(dir.resolve(OWNER)).split("\n");
        String[] f = lines[0].trim().split(" ");
        List<Path> cgroups = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
          if (!lines[i].isBlank()) {
            cgroups.add(Path.of(lines[i]));
          }
        }
        return new Owner(Integer.parseInt(f[0]), Long.parseLong(f[1]), cgroups);
      } catch (IOException | RuntimeException e) {
        return null; // not (yet) there, or garbage
      }
    }

    /** The owner named by a {@link #NEW_PREFIX} directory, {@code .new-PID-STARTTIME-ID}. */
    static @Nullable Owner ofNewName(String name) {
      String[] f = name.substring(NEW_PREFIX.length()).split("-", 3);
      try {
        return f.length == 3 ? new Owner(Integer.parseInt(f[0]), Long.parseLong(f[1]), List.of()) : null;
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** The cgroup directories that the owner file of container {@code id} names and that exist. */
  public List<Path> cgroupDirectories(String id) {
    Owner o = Owner.read(dir(id));
    return o == null ? List.of() : o.cgroups().stream().filter(Files::isDirectory).toList();
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

  /** Removes the container's record only (it ended; its directory still names its owner). Never throws. */
  public void removeRecord(String id) {
    try {
      Files.deleteIfExists(dir(id).resolve(RECORD));
    } catch (IOException ignored) {
      // best effort: a record of an ended container reads as not running
    }
  }

  /**
   * Removes the container's directory (the root mount point is empty on the host), but for its
   * owner file while a cgroup that file names still exists: the cgroup's removal failed (or is
   * still to come), and the owner file is all that lets a reaper find it once the owner is gone.
   * Never throws.
   */
  public void remove(String id) {
    Owner owner = Owner.read(dir(id));
    removeTree(dir(id), owner != null && !OrphanCgroups.present(ownCgroups(owner, id)).isEmpty());
  }

  /**
   * Removes the container's cgroups that its owner file names (their processes killed first), then
   * its directory, for a container whose owner will not: a detached one, or one whose JVM died.
   * Never throws: a cgroup that cannot be removed is returned, and the directory then stays whole
   * (record and owner file), so that a later removal or {@link #reapOrphans()} finds it again.
   *
   * @return the cgroup directories left (empty when all is gone)
   */
  public List<Path> removeWithCgroups(String id) {
    Owner owner = Owner.read(dir(id));
    if (owner != null) {
      List<Path> left = removeCgroups(owner, id);
      if (!left.isEmpty()) {
        return left;
      }
    }
    removeTree(dir(id), false);
    return List.of();
  }

  /** Removes the container's cgroups that {@code owner} names; returns those left. */
  private List<Path> removeCgroups(Owner owner, String id) {
    return OrphanCgroups.remove(ownCgroups(owner, id));
  }

  /** Only what a start of this store names so: {@code <parent>/<cgroupParent>/<id>}. */
  private List<Path> ownCgroups(Owner owner, String id) {
    return owner.cgroups().stream().filter(c -> c.getFileName().toString().equals(id)
        && c.getParent() != null && c.getParent().getFileName().toString().equals(cgroupParent)).toList();
  }

  private static void removeTree(Path dir, boolean keepOwner) {
    Path owner = dir.resolve(OWNER);
    // Children first; the owner file last but the directory, so that a removal cut short (the JVM
    // exits) still leaves a directory that says whose it was.
    Comparator<Path> order = Comparator.<Path, Boolean>comparing(p -> p.equals(dir))
        .thenComparing((Path p) -> p.equals(owner)).thenComparing(Comparator.reverseOrder());
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(order).filter(p -> !keepOwner || !(p.equals(owner) || p.equals(dir))).forEach(p -> {
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
    checkReadable();
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
   * Cleans up after owners that died: kills their containers (unless detached) and removes their
   * cgroups, records and directories, also those of a start that its JVM did not finish (killed
   * between two steps): every directory of the store says whose it is (see {@link #create(String,
   * List)}), with or without a record. Returns the ids cleaned.
   */
  public List<String> reapOrphans() {
    List<String> reaped = new ArrayList<>();
    checkReadable();
    if (!Files.isDirectory(root)) {
      return reaped;
    }
    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
      ds.forEach(dirs::add);
    } catch (IOException e) {
      return reaped;
    }
    for (Path d : dirs) {
      String name = d.getFileName().toString();
      if (name.startsWith(NEW_PREFIX)) {
        // A start that its JVM did not get past the first step: nothing else of it exists yet.
        Owner o = Owner.ofNewName(name);
        if (o != null && !o.alive()) {
          removeTree(d, false);
          reaped.add(name.substring(name.lastIndexOf('-') + 1));
        }
        continue;
      }
      StateRecord r = null;
      try {
        r = StateRecord.fromJson(Files.readString(d.resolve(RECORD)));
      } catch (IOException | IllegalArgumentException e) {
        // a start in progress or cut short: judged by its owner file
      }
      Owner owner = Owner.read(d);
      if (r != null) {
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
        if (owner == null && !r.cgroup().isEmpty()) {
          // A record of a version before the owner file: its cgroup, relative to the dead owner's
          // cgroup, is found only if that is this JVM's too. Try, never fail.
          try {
            dev.containerj.cgroups.CgroupManager.forCurrentProcess().open(r.cgroup()).close();
          } catch (IOException | RuntimeException ignored) {
            // not reachable from here
          }
        }
      } else if (owner == null) {
        if (!isOlderThan(d, UNOWNED_GRACE_MILLIS)) {
          continue;
        }
      } else if (owner.alive()) {
        continue;
      }
      if (owner != null && !removeCgroups(owner, name).isEmpty()) {
        continue; // record and owner file stay: the next reap tries again
      }
      removeTree(d, false);
      // An image container's upper and work directories in this user's layer store (a store of the
      // caller's choice is not recorded: its owner removes what it keeps).
      try {
        dev.containerj.layers.LayerStore layers = this.layers.open();
        if (layers.preparedRoots().contains(name)) {
          layers.removeRoot(name);
        }
      } catch (IOException | RuntimeException ignored) {
        // no store for this user, or not removable from here: `containerj image gc` reports it
      }
      reaped.add(name);
    }
    return reaped;
  }

  private static boolean isOlderThan(Path p, long millis) {
    try {
      return System.currentTimeMillis() - Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() > millis;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code pid} runs and started at {@code startTime} (clock ticks since boot). */
  public static boolean isSameProcess(int pid, long startTime) {
    long t = startTime(pid);
    return t >= 0 && t == startTime && !isZombie(pid);
  }

  /**
   * Whether the process has ended and waits for its parent's wait (state Z, proc(5)): a detached
   * container's pid 1 stays so until its reaper (a client's subreaper, or init) collects it.
   */
  private static boolean isZombie(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.startsWith("Z", stat.lastIndexOf(')') + 2);
    } catch (IOException | RuntimeException e) {
      return false;
    }
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
