package dev.containerj.layers;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.containerj.layers.internal.MountFlags;
import dev.containerj.layers.internal.NewMountApi;
import dev.containerj.linux.InvalidValueException;
import dev.containerj.linux.SyscallException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.MountOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One filesystem mount, described as plain data: the mount(2) calls that perform it, in order.
 *
 * <p>A {@code Mount} does nothing until {@link #mount()} performs it in the caller's mount namespace
 * (which needs CAP_SYS_ADMIN there). A container launcher instead sends {@link #calls()} (each one the
 * raw {@code source, target, fstype, flags, data} of mount(2)) to a native helper that performs them
 * inside the container's own user and mount namespaces; this is how a rootless overlay is mounted.
 * (An overlay without {@code userxattr} reads {@code trusted.overlay.*} only when mounted from the
 * initial user namespace: container-core's helper mounts such an overlay before it enters a new one.)
 *
 * <p>Build one with {@link #bind}, {@link #tmpfs}, {@link #proc}, {@link #sysfs} or {@link #overlay}.
 * A mount is undone with {@link MountPoint#close()} or {@link #unmount(Path)} (lazy detach,
 * umount2(2) {@code MNT_DETACH}).
 *
 * <p>overlayfs and long option strings: mount(2) copies at most one page of {@code data}. An overlay
 * whose options are longer ({@link #fitsInOnePage()} is false) is mounted by {@link #mount()} through
 * the new mount API (fsopen(2)/fsconfig(2) with one {@code lowerdir+} per layer, Linux 6.8), or on
 * older kernels by mount(2) naming each directory by a descriptor ({@code /proc/self/fd/N}); a helper
 * doing the same uses {@link #lowerDirs()}, {@link #upperDir()}, {@link #workDir()} and
 * {@link #overlayFlags()}. The layer store keeps option strings short with short symlinks to the layers.
 */
public final class Mount {
  private static final int O_DIRECTORY = 0200000;
  /** The kind of filesystem mounted. */
  public enum Type {
    /** A bind mount of an existing file or directory ({@code MS_BIND}). */
    BIND,
    /** A tmpfs: memory-backed, empty at first. */
    TMPFS,
    /** A procfs for the caller's pid namespace. */
    PROC,
    /** A sysfs, read-only here. */
    SYSFS,
    /** An overlayfs of lower layers and an optional writable upper directory. */
    OVERLAY
  }

  /** Mount propagation (mount_namespaces(7)); applied recursively when the bind is recursive. */
  public enum Propagation {
    /** No events in either direction ({@code MS_PRIVATE}). */
    PRIVATE,
    /** Receives mount events from its peer group, sends none ({@code MS_SLAVE}). */
    SLAVE,
    /** Sends and receives mount events with its peer group ({@code MS_SHARED}). */
    SHARED,
    /** Private, and cannot be the source of a bind mount ({@code MS_UNBINDABLE}). */
    UNBINDABLE
  }

  /** A per-mount option (mount(8)'s {@code ro}, {@code nosuid}, {@code nodev}, {@code noexec}). */
  public enum Option {
    /** {@code ro}: no writes ({@code MS_RDONLY}). */
    READ_ONLY,
    /** {@code nosuid}: set-user-id and set-group-id bits and file capabilities are ignored. */
    NOSUID,
    /** {@code nodev}: device nodes cannot be opened. */
    NODEV,
    /** {@code noexec}: files cannot be executed. */
    NOEXEC
  }

  /**
   * One raw mount(2) call.
   *
   * @param source the source argument (a path, or a name such as {@code "tmpfs"}); empty when unused
   * @param target the mount point
   * @param fstype the filesystem type; empty for bind, remount and propagation calls
   * @param flags the {@code MS_*} flags
   * @param data the filesystem options, or null
   */
  record Call(String source, String target, String fstype, long flags, @Nullable String data) {
    Call {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(fstype, "fstype");
    }
  }

  // mount(2) flags: the numbers of container-linux's Constants, never part of this API.
  private static final long MS_RDONLY = Constants.MS_RDONLY;
  private static final long MS_REMOUNT = Constants.MS_REMOUNT;
  private static final long MS_BIND = Constants.MS_BIND;
  private static final long MS_REC = Constants.MS_REC;

  private final Type type;
  private final Set<Option> options;
  private final List<Call> calls;
  private final List<Path> lowerDirs;
  private final @Nullable Path upperDir;
  private final @Nullable Path workDir;
  private final List<String> overlayFlags;

  private Mount(Type type, Set<Option> options, List<Call> calls, List<Path> lowerDirs, @Nullable Path upperDir,
      @Nullable Path workDir, List<String> overlayFlags) {
    this.type = type;
    this.options = options.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(options));
    this.calls = List.copyOf(calls);
    this.lowerDirs = List.copyOf(lowerDirs);
    this.upperDir = upperDir;
    this.workDir = workDir;
    this.overlayFlags = List.copyOf(overlayFlags);
  }

  /**
   * A bind mount of {@code source} onto {@code target} (both must exist).
   *
   * @param source the directory or file to bind
   * @param target the mount point, of the same kind as {@code source}
   * @return a builder of the bind mount
   */
  public static BindBuilder bind(Path source, Path target) {
    return new BindBuilder(source, target);
  }

  /**
   * A tmpfs at {@code target}.
   *
   * @param target the mount point
   * @return a builder of the tmpfs mount
   */
  public static TmpfsBuilder tmpfs(Path target) {
    return new TmpfsBuilder(target);
  }

  /**
   * {@return a procfs at {@code target}, nosuid, nodev, noexec} A fresh procfs shows the pids of
   * the caller's pid namespace, and needs a fully visible /proc somewhere in the mount namespace.
   *
   * @param target the mount point
   */
  public static Mount proc(Path target) {
    Set<Option> o = EnumSet.of(Option.NOSUID, Option.NODEV, Option.NOEXEC);
    return new Mount(Type.PROC, o, List.of(new Call("proc", target.toString(), "proc", MountFlags.of(o), null)),
        List.of(), null, null, List.of());
  }

  /**
   * {@return a read-only sysfs at {@code target}, nosuid, nodev, noexec} In a user namespace the
   * kernel allows it only together with a network namespace owned by that user namespace.
   *
   * @param target the mount point
   */
  public static Mount sysfs(Path target) {
    Set<Option> o = EnumSet.allOf(Option.class);
    return new Mount(Type.SYSFS, o, List.of(new Call("sysfs", target.toString(), "sysfs", MountFlags.of(o), null)),
        List.of(), null, null, List.of());
  }

  /**
   * An overlayfs at {@code target}.
   *
   * @param target the mount point
   * @return a builder of the overlay mount
   */
  public static OverlayBuilder overlay(Path target) {
    return new OverlayBuilder(target);
  }

  /** {@return the kind of mount} */
  public Type type() {
    return type;
  }

  /** The mount(2) calls, in the order they must be made. */
  List<Call> calls() {
    return calls;
  }

  /** {@return the first call's source} */
  public String source() {
    return calls.get(0).source();
  }

  /** {@return the mount point} */
  public Path target() {
    return Path.of(calls.get(0).target());
  }

  /** {@return the first call's filesystem type ({@code ""} for a bind mount)} */
  public String fstype() {
    return calls.get(0).fstype();
  }

  /** {@return the mount's options ({@link Option#READ_ONLY} for a read-only bind, ...)} */
  public Set<Option> options() {
    return options;
  }

  /** {@return the first call's option string, or null} */
  public @Nullable String data() {
    return calls.get(0).data();
  }

  /** {@return for an overlay: the lower layers, uppermost first; empty otherwise} */
  public List<Path> lowerDirs() {
    return lowerDirs;
  }

  /** {@return for a writable overlay: the upper directory; null otherwise} */
  public @Nullable Path upperDir() {
    return upperDir;
  }

  /** {@return for a writable overlay: the work directory; null otherwise} */
  public @Nullable Path workDir() {
    return workDir;
  }

  /**
   * {@return for an overlay: the flag options ({@code userxattr}, {@code volatile}); empty
   * otherwise}
   */
  public List<String> overlayFlags() {
    return overlayFlags;
  }

  /** {@return whether every call's option string fits in the one page that mount(2) copies} */
  public boolean fitsInOnePage() {
    for (Call c : calls) {
      if (c.data() != null && !MountOptions.fitsInOnePage(c.data())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Performs the mount in the caller's mount namespace. An overlay whose options do not fit in one
   * page goes through the new mount API. The returned {@link MountPoint} detaches it when closed.
   *
   * @return the mount point; closing it detaches the mount
   * @throws SyscallException naming source, target, type and errno when the kernel refuses
   */
  public MountPoint mount() throws IOException {
    if (type == Type.OVERLAY && !fitsInOnePage()) {
      mountLongOverlay();
      return new MountPoint(target());
    }
    boolean mounted = false;
    try {
      for (Call c : calls) {
        perform(c);
        mounted = true;
      }
    } catch (IOException e) {
      if (mounted) {
        unmountQuietly(target());
      }
      throw e;
    }
    return new MountPoint(target());
  }

  /**
   * An overlay whose options exceed a page: one {@code lowerdir+} per layer through the new mount
   * API (Linux 6.8), else, on older kernels (Debian 12's 6.1 answers EINVAL), mount(2) with every
   * directory named by an O_PATH descriptor of this process ({@code /proc/self/fd/N}, about 17
   * bytes a layer whatever its path), which overlayfs resolves when it mounts; the descriptors are
   * closed right after.
   */
  private void mountLongOverlay() throws IOException {
    if (NewMountApi.available() && !lowerdirPlusRefused) {
      try {
        mountOverlayWithNewApi();
        return;
      } catch (SyscallException e) {
        if (e.errno() != Constants.EINVAL || !e.call().startsWith("fsconfig(lowerdir+")) {
          throw e;
        }
        lowerdirPlusRefused = true; // this kernel's answer does not change: ask once
      }
    }
    mountOverlayThroughFds();
  }

  /** Set once fsconfig refused {@code lowerdir+} (Linux before 6.8). */
  private static volatile boolean lowerdirPlusRefused;

  /** The fallback of {@link #mountLongOverlay}; package-private so that newer kernels test it too. */
  void mountOverlayThroughFds() throws IOException {
    List<Integer> fds = new ArrayList<>();
    try {
      StringBuilder data = new StringBuilder("lowerdir=");
      for (int i = 0; i < lowerDirs.size(); i++) {
        data.append(i == 0 ? "" : ":").append(openPath(lowerDirs.get(i), fds));
      }
      if (upperDir != null && workDir != null) {
        data.append(",upperdir=").append(openPath(upperDir, fds));
        data.append(",workdir=").append(openPath(workDir, fds));
      }
      for (String f : overlayFlags) {
        data.append(',').append(f);
      }
      Call call = new Call("overlay", target().toString(), "overlay", MountFlags.of(options), data.toString());
      if (!MountOptions.fitsInOnePage(data.toString())) {
        throw new SyscallException("mount", describe(call), Constants.EINVAL, lowerDirs.size()
            + " lower layers do not fit in the page that mount(2) copies even as /proc/self/fd paths, and"
            + " this kernel has no fsconfig lowerdir+ (Linux 6.8)");
      }
      perform(call);
    } finally {
      for (int fd : fds) {
        try {
          LibC.close(fd);
        } catch (LastErrorException ignored) {
          // closed is closed
        }
      }
    }
  }

  private static String openPath(Path dir, List<Integer> fds) throws SyscallException {
    try {
      int fd = LibC.open(dir.toString(), Constants.O_PATH | O_DIRECTORY | Constants.O_CLOEXEC, 0);
      fds.add(fd);
      return "/proc/self/fd/" + fd;
    } catch (LastErrorException e) {
      throw new SyscallException("open", dir.toString(), e.getErrorCode());
    }
  }

  private void mountOverlayWithNewApi() throws IOException {
    List<Map.Entry<String, String>> strings = new ArrayList<>();
    for (Path p : lowerDirs) {
      strings.add(Map.entry("lowerdir+", p.toString()));
    }
    if (upperDir != null && workDir != null) {
      strings.add(Map.entry("upperdir", upperDir.toString()));
      strings.add(Map.entry("workdir", workDir.toString()));
    }
    int attrs = MountFlags.attributes(options);
    NewMountApi.mount("overlay", "overlay", strings, overlayFlags, attrs, target().toString(),
        describe(calls.get(0)));
  }

  static void perform(Call c) throws IOException {
    Memory data = null;
    if (c.data() != null) {
      byte[] b = c.data().getBytes(StandardCharsets.UTF_8);
      data = new Memory(b.length + 1L);
      data.write(0, b, 0, b.length);
      data.setByte(b.length, (byte) 0);
    }
    try {
      LibC.mount(c.source(), c.target(), c.fstype(), c.flags(), data == null ? Pointer.NULL : data);
    } catch (LastErrorException e) {
      throw new SyscallException("mount", describe(c), e.getErrorCode());
    }
  }

  /** {@code "overlay -> /x (type overlay, flags 0x0)"}: what a failed mount names. */
  static String describe(Call c) {
    return (c.source().isEmpty() ? "none" : c.source()) + " -> " + c.target() + " (type "
        + (c.fstype().isEmpty() ? "none" : c.fstype()) + ", flags 0x" + Long.toHexString(c.flags())
        + ")";
  }

  /**
   * Detaches the mount at {@code target} (umount2(2) {@code MNT_DETACH}): it disappears from the
   * namespace now and is freed once no longer busy.
   *
   * @param target the mount point
   * @throws SyscallException naming the target and errno when umount2(2) fails (EINVAL: nothing is
   *     mounted there)
   */
  public static void unmount(Path target) throws IOException {
    try {
      LibC.umount2(target.toString(), Constants.MNT_DETACH);
    } catch (LastErrorException e) {
      throw new SyscallException("umount2", target.toString(), e.getErrorCode());
    }
  }

  static void unmountQuietly(Path target) {
    try {
      LibC.umount2(target.toString(), Constants.MNT_DETACH);
    } catch (LastErrorException ignored) {
      // EINVAL: not a mount point (any more); nothing to undo.
    }
  }

  @Override
  public String toString() {
    return "Mount" + calls;
  }

  /** Builds a bind mount. */
  public static final class BindBuilder {
    private final Path source;
    private final Path target;
    private boolean recursive = true;
    private boolean readOnly;
    private @Nullable Propagation propagation;

    BindBuilder(Path source, Path target) {
      this.source = Objects.requireNonNull(source, "source");
      this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * Whether mounts below {@code source} come along ({@code MS_REC}); default true.
     *
     * @param recursive whether mounts below {@code source} come along ({@code MS_REC}); default
     *     true
     * @return this builder
     */
    public BindBuilder recursive(boolean recursive) {
      this.recursive = recursive;
      return this;
    }

    /**
     * Remounts the bind read-only (a second call, as the kernel ignores {@code MS_RDONLY} on the
     * bind itself). Only the top mount becomes read-only; in a user namespace the launcher must add
     * the flags the kernel locked (statvfs(3)) or the remount fails with EPERM.
     *
     * @param readOnly true to remount read-only; default false
     * @return this builder
     */
    public BindBuilder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * Sets the propagation type of the new mount (a third call); default: inherited.
     *
     * @param propagation the propagation type, or null to keep the inherited one
     * @return this builder
     */
    public BindBuilder propagation(@Nullable Propagation propagation) {
      this.propagation = propagation;
      return this;
    }

    /** {@return the mount, not yet performed: {@link Mount#mount()} does it} */
    public Mount build() {
      String t = target.toString();
      List<Call> calls = new ArrayList<>();
      calls.add(new Call(source.toString(), t, "", MS_BIND | (recursive ? MS_REC : 0), null));
      if (readOnly) {
        calls.add(new Call("", t, "", MS_REMOUNT | MS_BIND | MS_RDONLY, null));
      }
      if (propagation != null) {
        calls.add(new Call("", t, "", MountFlags.of(propagation) | (recursive ? MS_REC : 0), null));
      }
      return new Mount(Type.BIND, readOnly ? EnumSet.of(Option.READ_ONLY) : Set.of(), calls, List.of(), null, null,
          List.of());
    }
  }

  /** Builds a tmpfs mount. */
  public static final class TmpfsBuilder {
    private final Path target;
    private long sizeBytes;
    private int mode = 01777;
    private Set<Option> options = EnumSet.of(Option.NOSUID, Option.NODEV);

    TmpfsBuilder(Path target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * The size limit in bytes; 0 (the default) means the kernel's default, half of RAM.
     *
     * @param sizeBytes the size limit in bytes; 0 (the default) means the kernel's default, half of
     *     RAM
     * @return this builder
     * @throws InvalidValueException when {@code sizeBytes} is negative
     */
    public TmpfsBuilder sizeBytes(long sizeBytes) {
      if (sizeBytes < 0) {
        throw new InvalidValueException("sizeBytes", Long.toString(sizeBytes), "must be >= 0");
      }
      this.sizeBytes = sizeBytes;
      return this;
    }

    /**
     * The mode of the root directory, as {@code 01777} (the default).
     *
     * @param mode the mode of the root directory, as {@code 01777} (the default)
     * @return this builder
     * @throws InvalidValueException when {@code mode} is outside 0..07777
     */
    public TmpfsBuilder mode(int mode) {
      if (mode < 0 || mode > 07777) {
        throw new InvalidValueException("mode", "0" + Integer.toOctalString(mode), "must be within 0..07777");
      }
      this.mode = mode;
      return this;
    }

    /**
     * The mount's options; default {@link Option#NOSUID} and {@link Option#NODEV}.
     *
     * @param options the mount's options; default {@link Option#NOSUID} and {@link Option#NODEV}
     * @return this builder
     */
    public TmpfsBuilder options(Set<Option> options) {
      this.options = EnumSet.noneOf(Option.class);
      this.options.addAll(options);
      return this;
    }

    /** {@return the mount, not yet performed: {@link Mount#mount()} does it} */
    public Mount build() {
      String data = "mode=0" + Integer.toOctalString(mode) + (sizeBytes > 0 ? ",size=" + sizeBytes : "");
      return new Mount(Type.TMPFS, options, List.of(new Call("tmpfs", target.toString(), "tmpfs",
          MountFlags.of(options), data)),
          List.of(), null, null, List.of());
    }
  }

  /** Builds an overlayfs mount. */
  public static final class OverlayBuilder {
    private final Path target;
    private final List<Path> lowerDirs = new ArrayList<>();
    private @Nullable Path upperDir;
    private @Nullable Path workDir;
    private boolean userXattr;
    private boolean volatileUpper;
    private Set<Option> options = EnumSet.noneOf(Option.class);

    OverlayBuilder(Path target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * The lower layers, uppermost first (the order of overlayfs' {@code lowerdir}); replaces any
     * set before.
     *
     * @param uppermostFirst the lower layers, uppermost first (the order of overlayfs' {@code
     *     lowerdir})
     * @return this builder
     */
    public OverlayBuilder lowerDirs(List<Path> uppermostFirst) {
      lowerDirs.clear();
      lowerDirs.addAll(uppermostFirst);
      return this;
    }

    /**
     * The writable upper directory and overlayfs' work directory (empty, on the same filesystem as
     * {@code upper}); without them the overlay is read-only.
     *
     * @param upperDir the writable upper directory
     * @param workDir overlayfs' work directory: empty, on the same filesystem as {@code upperDir}
     * @return this builder
     */
    public OverlayBuilder upper(Path upperDir, Path workDir) {
      this.upperDir = Objects.requireNonNull(upperDir, "upperDir");
      this.workDir = Objects.requireNonNull(workDir, "workDir");
      return this;
    }

    /**
     * Reads and writes overlay's own xattrs as {@code user.overlay.*} rather than
     * {@code trusted.overlay.*}; required for a mount inside a user namespace (Linux 5.11).
     *
     * @param userXattr true for {@code userxattr}; default false
     * @return this builder
     */
    public OverlayBuilder userXattr(boolean userXattr) {
      this.userXattr = userXattr;
      return this;
    }

    /**
     * Skips all syncs of the upper layer (Linux 5.10): faster, and after a crash the upper directory
     * must be discarded, which suits a container's throw-away layer.
     *
     * @param volatileUpper true for {@code volatile}; default false
     * @return this builder
     */
    public OverlayBuilder volatileUpper(boolean volatileUpper) {
      this.volatileUpper = volatileUpper;
      return this;
    }

    /**
     * The mount's options; default none.
     *
     * @param options the mount's options; default none
     * @return this builder
     */
    public OverlayBuilder options(Set<Option> options) {
      this.options = EnumSet.noneOf(Option.class);
      this.options.addAll(options);
      return this;
    }

    /**
     * {@return the mount, not yet performed: {@link Mount#mount()} does it}
     *
     * @throws InvalidValueException when there is no lower directory, {@code volatileUpper} has no
     *     upper directory, or a directory's path holds a {@code ','}
     */
    public Mount build() {
      if (lowerDirs.isEmpty()) {
        throw new InvalidValueException("lowerDirs", "[]", "must not be empty");
      }
      if (volatileUpper && upperDir == null) {
        throw new InvalidValueException("volatileUpper", "true", "needs an upper directory (upperDir is null)");
      }
      StringBuilder data = new StringBuilder("lowerdir=");
      for (int i = 0; i < lowerDirs.size(); i++) {
        data.append(i == 0 ? "" : ":").append(escape(lowerDirs.get(i), "lowerDirs[" + i + "]"));
      }
      if (upperDir != null && workDir != null) {
        data.append(",upperdir=").append(escape(upperDir, "upperDir"));
        data.append(",workdir=").append(escape(workDir, "workDir"));
      }
      List<String> flagOptions = new ArrayList<>();
      if (userXattr) {
        flagOptions.add("userxattr");
      }
      if (volatileUpper) {
        flagOptions.add("volatile");
      }
      for (String f : flagOptions) {
        data.append(',').append(f);
      }
      Call call = new Call("overlay", target.toString(), "overlay", MountFlags.of(options), data.toString());
      return new Mount(Type.OVERLAY, options, List.of(call), lowerDirs, upperDir, workDir, flagOptions);
    }

    /** overlayfs splits options at ',' and lower layers at ':'; a ':' may be escaped, a ',' not. */
    private static String escape(Path p, String field) {
      String s = p.toString();
      if (s.indexOf(',') >= 0) {
        throw new InvalidValueException(field, s, "must not contain ','");
      }
      return s.replace("\\", "\\\\").replace(":", "\\:");
    }
  }
}
