package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.linux.IdMapping;
import dev.containerj.layers.UnpackException;
import dev.containerj.layers.UnpackListener;
import dev.containerj.layers.internal.TarReader.Entry;
import dev.containerj.layers.internal.TarReader.Type;
import dev.containerj.linux.Errno;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Writes one layer tar into a directory, never outside it.
 *
 * <p>Path safety: an entry name is split into components; an absolute name or a {@code ..}
 * component is refused. Parent directories are walked with lstat: a real directory is entered, a
 * missing one created, a symlink is resolved <em>inside</em> the root (an absolute target restarts at
 * the root, as in a chroot) and refused if its {@code ..} climbs above the root. The resulting
 * directory is then opened by the kernel without following symlinks ({@link DirFds}), and every write
 * is an *at call relative to it that never follows the final name; a regular file's owner, mode,
 * xattrs and times are then set through the descriptor that created it.
 *
 * <p>Speed (the unpack benchmark in container-layers' README): the tar is parsed in place by
 * {@link TarReader}; content is copied once into a native buffer and written with few large
 * pwrite calls; the descriptors of recently used directories are kept (a small LRU), so an entry
 * costs one kernel path resolution at most; in an empty root, calls whose effect is already there
 * are skipped (the owner when it is the creator, the mode when the create mode and umask gave it).
 * One thread: with the parsing this cheap, nine tenths of the time is the kernel's (creating the
 * files and copying their bytes) on this thread (docs/architecture.md).
 */
public final class TarExtractor {
  /** How whiteout entries are applied. */
  public enum Whiteouts {
    /** As overlayfs' own format, so layers stay separate: 0/0 char devices and an opaque xattr. */
    OVERLAY,
    /** Delete the whited-out lower content from the directory being written (a flattened tree). */
    FLATTEN
  }

  private static final String WH = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  /** Bytes read from the tar stream at a time, and the most one pwrite(2) writes. */
  private static final int BUFFER = 1 << 20;
  /** Directory descriptors kept open: the ancestors of the current entry and their recent siblings. */
  private static final int DIR_FDS = 64;

  private final Path root;
  private final String rootStr;
  private final Whiteouts whiteouts;
  private final boolean privileged;
  private final String overlayXattrPrefix;
  private final java.util.List<IdMapping> mapping;
  private final boolean failOnDevices;
  private final UnpackListener listener;
  private final String layer;
  private final int myUid = dev.containerj.linux.internal.LibC.geteuid();
  private final int myGid = dev.containerj.linux.internal.LibC.getegid();

  private final Set<String> verifiedDirs = new HashSet<>();
  private final Set<String> written = new HashSet<>();
  private final Set<String> created = new HashSet<>();
  private boolean freshRoot;
  /**
   * Whether a new file gets exactly the caller's uid and gid and its create mode minus the umask, so
   * that chown and chmod to those values can be skipped: true for an empty root that is not setgid
   * (whose files would take its group) and has no default ACL (which would replace the umask), and
   * only until an entry sets a default ACL. Directories get their modes at the end, so none created
   * during the unpack is setgid yet.
   */
  private boolean createdAsAsked;
  /** Whether anything was deleted during this unpack (a directory recorded earlier may be gone). */
  private boolean removed;
  private @Nullable String lastParentKey;
  private @Nullable String lastParentRel;
  /** The process umask (from /proc/self/status), or -1 if unknown. */
  private static final int UMASK = readUmask();
  /** By relative path, in the order first seen (parents before children); a repeated entry updates it. */
  private final Map<String, DirMeta> dirMetas = new LinkedHashMap<>();
  private final Memory nativeBuffer = new Memory(BUFFER);
  private final long[] timespecs = new long[4];
  private static final String DEFAULT_ACL = "system.posix_acl_default";
  /** Directories stay writable and searchable until {@link #finish()} gives them their mode. */
  private static final int DIR_CREATE_MODE = 0755;
  private @Nullable Fd rootFd;
  /** Open directory descriptors by relative path, least recently used first. */
  private final LinkedHashMap<String, Fd> dirFds = new LinkedHashMap<>(DIR_FDS * 2, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Fd> eldest) {
      if (size() > DIR_FDS) {
        eldest.getValue().close();
        return true;
      }
      return false;
    }
  };
  private long bytes;
  private long entries;
  private long unmappedOwners;
  private int hostUid;
  private int hostGid;
  private long skippedXattrs;

  /** A directory's metadata, applied at the end (its mtime changes while entries are added to it). */
  private record DirMeta(String rel, String entry, long uid, long gid, int mode, long mtimeSeconds,
      int mtimeNanos, boolean created) {}

  /**
   * @param root an existing directory
   * @param privileged whether the caller may chown, mknod devices and set trusted.* xattrs (root)
   * @param overlayXattrPrefix {@code trusted.overlay.} or {@code user.overlay.}
   */
  public TarExtractor(Path root, Whiteouts whiteouts, boolean privileged, String overlayXattrPrefix,
      java.util.List<IdMapping> mapping, boolean failOnDevices, UnpackListener listener, String layer) {
    this.root = root.toAbsolutePath();
    this.rootStr = this.root.toString().equals("/") ? "" : this.root.toString();
    this.whiteouts = whiteouts;
    this.privileged = privileged;
    this.overlayXattrPrefix = overlayXattrPrefix;
    this.mapping = mapping;
    this.failOnDevices = failOnDevices;
    this.listener = listener;
    this.layer = layer;
  }

  public long bytes() {
    return bytes;
  }

  public long entries() {
    return entries;
  }

  /** The root's descriptor, open while {@link #extract} runs. */
  private Fd rootFd() {
    return java.util.Objects.requireNonNull(rootFd, "the root is open only during extract()");
  }

  /** Reads a whole (decompressed) tar stream into the root. */
  public void extract(InputStream tarStream) throws IOException {
    rootFd = DirFds.openRoot(root.toString());
    try (DirectoryStream<Path> d = Files.newDirectoryStream(root)) {
      freshRoot = !d.iterator().hasNext();
    }
    createdAsAsked = UMASK >= 0 && freshRoot && !setgidOrDefaultAcl(root);
    try {
      TarReader tar = new TarReader(tarStream, BUFFER);
      Entry e;
      while ((e = tar.next()) != null) {
        entry(e, tar);
        entries++;
        listener.progress(layer, bytes, entries);
      }
      finish();
    } finally {
      forgetDirFds();
      rootFd.close();
      nativeBuffer.close();
    }
  }

  /**
   * The directory {@code rel} as a descriptor opened by the kernel below the root without following
   * any symlink (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS, else an O_NOFOLLOW walk). Recently
   * used ones stay open: a tar lists a directory's entries together, and returns to its parent after
   * each subdirectory.
   */
  private int dirFd(String entry, String rel) throws UnpackException {
    Fd fd = dirFds.get(rel);
    if (fd != null) {
      return fd.get();
    }
    try {
      fd = DirFds.open(rootFd(), rel);
    } catch (LastErrorException x) {
      throw new UnpackException(entry, "directory '" + rel + "' cannot be opened inside the layer root: "
          + Errno.describe(x.getErrorCode()));
    }
    dirFds.put(rel, fd);
    return fd.get();
  }

  private void forgetDirFds() {
    for (Fd fd : dirFds.values()) {
      fd.close();
    }
    dirFds.clear();
  }

  /** A name inside a directory descriptor: where every write of an entry goes. */
  private final class At {
    final int dirFd;
    final String name;
    final String rel;

    At(int dirFd, String name, String rel) {
      this.dirFd = dirFd;
      this.name = name;
      this.rel = rel;
    }

    int dirFd() {
      return dirFd;
    }

    String name() {
      return name;
    }

    /** A path for the xattr calls, which have no *at form before Linux 6.13. */
    String procPath() {
      return "/proc/self/fd/" + dirFd + "/" + name;
    }

    @Override
    public String toString() {
      return rel.isEmpty() ? root.toString() : rootStr + "/" + rel;
    }
  }

  private At at(String entry, String rel) throws UnpackException {
    int slash = rel.lastIndexOf('/');
    String parent = slash < 0 ? "" : rel.substring(0, slash);
    String base = rel.isEmpty() ? "." : rel.substring(slash + 1);
    return new At(dirFd(entry, parent), base, rel);
  }

  private void finish() throws IOException {
    List<DirMeta> dirs = new ArrayList<>(dirMetas.values());
    for (int i = dirs.size() - 1; i >= 0; i--) { // children first: a parent may become unsearchable
      DirMeta d = dirs.get(i);
      // Nothing deleted: every recorded directory is still the one created or checked. Otherwise
      // one may have been replaced later in the tar by something else.
      if (removed && !isPlainDirectory(d.rel)) {
        continue;
      }
      At a;
      try {
        a = d.rel.isEmpty() ? new At(rootFd().get(), ".", "") : at(d.entry, d.rel);
      } catch (UnpackException x) {
        continue; // a component is no longer a directory
      }
      owner(a, d.entry, d.uid, d.gid);
      if (!(d.created && createdWithMode(d.mode, DIR_CREATE_MODE))) {
        chmod(a, d.entry, d.mode);
      }
      times(a, d.mtimeSeconds, d.mtimeNanos);
    }
    if (unmappedOwners > 0) {
      listener.warning(layer, "*", unmappedOwners + " entries have owners outside the id mapping "
          + mapping + "; they stay owned by uid " + myUid);
    }
    if (skippedXattrs > 0 && !privileged) {
      listener.warning(layer, "*", skippedXattrs + " xattrs outside the user.* namespace were skipped (rootless)");
    }
  }

  private void recordDir(String rel, Entry e, boolean created) {
    DirMeta old = dirMetas.get(rel);
    dirMetas.put(rel, new DirMeta(rel, e.name(), e.uid(), e.gid(), e.mode(), e.mtimeSeconds(),
        e.mtimeNanos(), created || (old != null && old.created)));
  }

  private void entry(Entry e, TarReader tar) throws IOException {
    String name = e.name();
    List<String> comps = components(name);
    if (comps.isEmpty()) {
      if (e.type() != Type.DIRECTORY) {
        throw new UnpackException(name, "names the layer root but is not a directory");
      }
      recordDir("", e, false);
      return;
    }
    String base = comps.get(comps.size() - 1);
    List<String> parentComps = comps.subList(0, comps.size() - 1);
    String parentKey = String.join("/", parentComps);
    String parentRel;
    if (parentKey.equals(lastParentKey) && lastParentRel != null && verifiedDirs.contains(lastParentRel)) {
      parentRel = lastParentRel; // same directory as the previous entry, still verified
    } else {
      parentRel = resolveDir(name, parentComps);
      lastParentKey = parentKey;
      lastParentRel = parentRel;
    }
    if (base.startsWith(WH)) {
      whiteout(name, parentRel, base);
      return;
    }
    String rel = child(parentRel, base);
    // In a directory that started empty, only names created by this unpack can exist: skip the lstat.
    BasicFileAttributes existing = freshRoot && !created.contains(rel) ? null : lstat(abs(rel));
    Type type = e.type();
    if (type == Type.DIRECTORY) {
      if (existing != null && !existing.isDirectory()) {
        remove(rel);
        existing = null;
      }
      At a = at(name, rel);
      if (existing == null) {
        mkdir(a, name);
      }
      verifiedDirs.add(rel);
      markWritten(rel);
      recordDir(rel, e, existing == null);
      xattrs(a, -1, e);
      return;
    }
    if (existing != null) {
      remove(rel);
    }
    if (type == Type.HARDLINK) {
      hardlink(e, rel);
      markWritten(rel);
      return; // the inode's metadata came with the entry it links to
    }
    // An At holds a directory descriptor from the LRU: use it before any other directory lookup.
    At p = at(name, rel);
    switch (type) {
      case FILE:
        write(p, e, tar);
        markWritten(rel);
        return; // metadata went through the new file's descriptor
      case SYMLINK:
        if (e.linkName().isEmpty()) {
          throw new UnpackException(name, "symlink has an empty target");
        }
        try {
          FcntlLibC.symlinkat(e.linkName(), p.dirFd(), p.name());
        } catch (LastErrorException x) {
          throw new UnpackException(name, "symlink(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
        }
        break;
      case CHAR_DEVICE:
      case BLOCK_DEVICE:
        if (!device(e, p)) {
          return;
        }
        break;
      case FIFO:
        mknod(p, name, StatLibC.S_IFIFO | 0600, 0);
        break;
      default:
        listener.warning(layer, name, "unsupported tar entry type skipped");
        return;
    }
    markWritten(rel);
    owner(p, name, e.uid(), e.gid());
    if (type != Type.SYMLINK) {
      chmod(p, name, e.mode());
    }
    xattrs(p, -1, e);
    times(p, e.mtimeSeconds(), e.mtimeNanos());
  }

  private static int readUmask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring(6).trim(), 8);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // unknown: every file gets an explicit chmod
    }
    return -1;
  }

  /** Splits an entry name into components; refuses absolute names and {@code ..}. */
  static List<String> components(String name) throws UnpackException {
    if (name.startsWith("/")) {
      throw new UnpackException(name, "absolute path names are not allowed in a layer");
    }
    if (name.indexOf('\0') >= 0) {
      throw new UnpackException(name, "name contains a NUL byte");
    }
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw new UnpackException(name, "'..' components are not allowed in a layer");
      }
      out.add(c);
    }
    return out;
  }

  /**
   * Resolves a directory path inside the root, creating missing directories; returns its real
   * relative path (no symlinks in it).
   */
  private String resolveDir(String entry, List<String> comps) throws IOException {
    Deque<String> stack = new ArrayDeque<>();
    Deque<String> todo = new ArrayDeque<>(comps);
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (stack.isEmpty()) {
          throw new UnpackException(entry, "a symlink on its path leads outside the layer root");
        }
        stack.pollLast();
        continue;
      }
      stack.addLast(c);
      String rel = String.join("/", stack);
      if (verifiedDirs.contains(rel)) {
        continue;
      }
      Path p = abs(rel);
      BasicFileAttributes a = lstat(p);
      if (a == null) {
        mkdir(at(entry, rel), entry);
        verifiedDirs.add(rel);
        markWritten(rel);
      } else if (a.isDirectory()) {
        verifiedDirs.add(rel);
      } else if (a.isSymbolicLink()) {
        if (++links > 40) {
          throw new UnpackException(entry, "too many levels of symbolic links on its path");
        }
        String target = Files.readSymbolicLink(p).toString();
        stack.pollLast();
        if (target.startsWith("/")) {
          stack.clear(); // an absolute link means the container's root: resolve it in the layer root
        }
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          todo.addFirst(parts[i]);
        }
      } else {
        throw new UnpackException(entry, "path component '" + rel + "' is not a directory");
      }
    }
    return String.join("/", stack);
  }

  /** Whether every component of {@code rel} is a real directory (no symlink). */
  private boolean isPlainDirectory(String rel) {
    if (rel.isEmpty()) {
      return true;
    }
    StringBuilder sb = new StringBuilder(rootStr);
    for (String c : rel.split("/")) {
      sb.append('/').append(c);
      BasicFileAttributes a = lstat(Path.of(sb.toString()));
      if (a == null || !a.isDirectory()) {
        return false;
      }
    }
    return true;
  }

  private void whiteout(String name, String parentRel, String base) throws IOException {
    if (base.equals(OPAQUE)) {
      if (whiteouts == Whiteouts.OVERLAY) {
        At dir = parentRel.isEmpty() ? new At(rootFd().get(), ".", "") : at(name, parentRel);
        setXattr(dir, name, overlayXattrPrefix + "opaque", "y".getBytes(StandardCharsets.UTF_8), true);
      } else {
        clearLower(parentRel);
      }
      return;
    }
    if (base.startsWith(WH + WH)) {
      return; // aufs metadata (.wh..wh.plnk, .wh..wh.aufs): meaningless here
    }
    String victim = base.substring(WH.length());
    if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
      throw new UnpackException(name, "whiteout names no file");
    }
    String rel = child(parentRel, victim);
    if (whiteouts == Whiteouts.OVERLAY) {
      if (lstat(abs(rel)) != null) {
        remove(rel);
      }
      // A 0/0 char device is overlayfs' whiteout; since Linux 5.8 creating one needs no CAP_MKNOD.
      mknod(at(name, rel), name, StatLibC.S_IFCHR, 0);
      markWritten(rel);
    } else if (!written.contains(rel)) {
      remove(rel);
    }
  }

  /** FLATTEN opaque: removes what lower layers put below {@code dirRel}, keeps this layer's entries. */
  private void clearLower(String dirRel) throws IOException {
    Path dir = abs(dirRel);
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(children::add);
    }
    for (Path c : children) {
      String rel = child(dirRel, c.getFileName().toString());
      if (!written.contains(rel)) {
        remove(rel);
      } else {
        BasicFileAttributes a = lstat(c);
        if (a != null && a.isDirectory()) {
          clearLower(rel);
        }
      }
    }
  }

  /**
   * Links {@code rel} to the entry's target, which must exist in the layer and is resolved first
   * (resolving may open other directories, so the new name's directory is looked up after it).
   */
  private void hardlink(Entry e, String rel) throws IOException {
    String name = e.name();
    List<String> target;
    try {
      target = components(e.linkName());
    } catch (UnpackException x) {
      throw new UnpackException(name, "hardlink target '" + e.linkName() + "': " + x.reason(), x);
    }
    if (target.isEmpty()) {
      throw new UnpackException(name, "hardlink to the layer root");
    }
    String parentRel;
    try {
      parentRel = resolveDir(name, target.subList(0, target.size() - 1));
    } catch (UnpackException x) {
      throw new UnpackException(name, "hardlink target '" + e.linkName() + "': " + x.reason(), x);
    }
    String targetRel = child(parentRel, target.get(target.size() - 1));
    BasicFileAttributes a = lstat(abs(targetRel));
    if (a == null) {
      throw new UnpackException(name, "hardlink target '" + e.linkName() + "' does not exist in the layer");
    }
    if (a.isDirectory()) {
      throw new UnpackException(name, "hardlink target '" + e.linkName() + "' is a directory");
    }
    String targetParent = parentRel;
    At p = at(name, rel);
    try (Fd from = DirFds.open(rootFd(), targetParent)) {
      // linkat without AT_SYMLINK_FOLLOW links a symlink itself, never what it points to
      FcntlLibC.linkat(from.get(), target.get(target.size() - 1), p.dirFd(), p.name(), 0);
    } catch (LastErrorException x) {
      throw new UnpackException(name, "link(" + abs(targetRel) + " -> " + p + ") failed: "
          + Errno.describe(x.getErrorCode()));
    }
  }

  /**
   * Only a 0/0 char device, overlayfs' whiteout, becomes a device node. Any other device of a layer
   * is skipped with a warning (or refused, failOnDevices), as root too: a node made with the image's
   * numbers would give the container the host's device (/dev/mem, /dev/kvm, a disk), and an image
   * has no business choosing those. The container's /dev comes from ContainerJ, not from layers.
   */
  private boolean device(Entry e, At p) throws IOException {
    boolean charDevice = e.type() == Type.CHAR_DEVICE;
    String kind = charDevice ? "char" : "block";
    boolean whiteoutDevice = charDevice && e.devMajor() == 0 && e.devMinor() == 0;
    if (!whiteoutDevice) {
      String msg = kind + " device " + e.devMajor() + ":" + e.devMinor() + (privileged
          ? " is not created: image layers never give access to host devices"
          : " needs root (CAP_MKNOD); unpacking rootless");
      if (failOnDevices) {
        throw new UnpackException(e.name(), msg);
      }
      listener.warning(layer, e.name(), msg + ", skipped");
      return false;
    }
    mknod(p, e.name(), StatLibC.S_IFCHR | 0600, 0);
    return true;
  }

  private void mknod(At p, String entry, int mode, long dev) throws IOException {
    try {
      FcntlLibC.mknodat(p.dirFd(), p.name(), mode, dev);
    } catch (LastErrorException x) {
      String why = "mknod(" + p + ") failed: " + Errno.describe(x.getErrorCode());
      if (mode == StatLibC.S_IFCHR && dev == 0 && x.getErrorCode() == 1) {
        // overlayfs refuses to create its own whiteout format (ovl_mknod): a store on an overlay.
        why += " (a whiteout cannot be created here: is the layer store on an overlay filesystem?)";
      }
      throw new UnpackException(entry, why);
    }
  }

  private void mkdir(At a, String entry) throws UnpackException {
    try {
      FcntlLibC.mkdirat(a.dirFd(), a.name(), DIR_CREATE_MODE);
    } catch (LastErrorException x) {
      throw new UnpackException(entry, "mkdir(" + a + ") failed: " + Errno.describe(x.getErrorCode()));
    }
  }

  /**
   * Writes a regular file and sets its owner, mode, xattrs and times through the descriptor that
   * created it. The content is copied from the tar buffer into one native buffer and written when
   * that is full or the file (or a sparse region) ends: usually a single pwrite per file. A sparse
   * file gets only its data regions written and its size set with ftruncate, which leaves the holes.
   */
  private void write(At p, Entry e, TarReader tar) throws IOException {
    int mode = e.mode();
    boolean modeSet = createdWithMode(mode, mode);
    int fd;
    try {
      fd = FcntlLibC.openat(p.dirFd(), p.name(), Constants.O_WRONLY | Constants.O_CREAT | Constants.O_EXCL
          | Arch.current().oNofollow() | Constants.O_CLOEXEC, modeSet ? mode : 0600);
    } catch (LastErrorException x) {
      throw new UnpackException(e.name(), "open(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
    }
    try (Fd file = new Fd(fd)) {
      long[] sparse = e.sparseMap();
      if (sparse == null) {
        copy(fd, e, p, tar, 0, e.size());
      } else {
        for (int i = 0; i < sparse.length; i += 2) {
          copy(fd, e, p, tar, sparse[i], sparse[i + 1]);
        }
        try {
          UnistdLibC.ftruncate(fd, e.realSize());
        } catch (LastErrorException x) {
          throw new UnpackException(e.name(), "ftruncate(" + p + ", " + e.realSize() + ") failed: "
              + Errno.describe(x.getErrorCode()));
        }
      }
      ownerOfFd(fd, p, e);
      if (!modeSet) {
        try {
          StatLibC.fchmod(fd, mode); // after the chown, which clears setuid and setgid
        } catch (LastErrorException x) {
          throw new UnpackException(e.name(), "chmod(" + p + ", 0" + Integer.toOctalString(mode) + ") failed: "
              + Errno.describe(x.getErrorCode()));
        }
      }
      xattrs(p, fd, e);
      try {
        StatLibC.futimens(fd, timespecs(e.mtimeSeconds(), e.mtimeNanos()));
      } catch (LastErrorException x) {
        // times are cosmetic; a filesystem that refuses them (EPERM on an odd mount) changes nothing else
      }
      file.release();
    }
    closeFile(fd, p, e);
  }

  /** close(2) of a written file: its error may be the first report of a failed write (NFS, quota). */
  private static void closeFile(int fd, At p, Entry e) throws UnpackException {
    try {
      dev.containerj.linux.internal.LibC.close(fd);
    } catch (LastErrorException x) {
      if (x.getErrorCode() != Constants.EINTR) {
        throw new UnpackException(e.name(), "close(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
      }
    }
  }

  /** Copies the next {@code length} content bytes of the entry to {@code fileOffset} onwards. */
  private void copy(int fd, Entry e, At p, TarReader tar, long fileOffset, long length) throws IOException {
    long at = fileOffset;
    long left = length;
    int filled = 0;
    while (left > 0) {
      int n = tar.fill();
      if (n == 0) {
        throw new UnpackException(e.name(), "content ends " + left + " bytes early");
      }
      int take = (int) Math.min(Math.min(n, left), BUFFER - filled);
      nativeBuffer.write(filled, tar.buffer(), tar.position(), take);
      tar.consume(take);
      filled += take;
      left -= take;
      if (filled == BUFFER || left == 0) {
        pwrite(fd, e, p, filled, at);
        at += filled;
        bytes += filled;
        filled = 0;
      }
    }
  }

  private void pwrite(int fd, Entry e, At p, int len, long at) throws UnpackException {
    int done = 0;
    while (done < len) {
      try {
        done += (int) FcntlLibC.pwrite(fd, nativeBuffer.share(done), len - done, at + done);
      } catch (LastErrorException x) {
        if (x.getErrorCode() == Constants.EINTR) {
          continue;
        }
        throw new UnpackException(e.name(), "write(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
      }
    }
  }

  /**
   * Maps an image owner to the host into {@link #hostUid}/{@link #hostGid}; an id outside the
   * mapping becomes the caller's (and is counted). Returns false when a new file has these owners
   * already, so no chown is needed.
   */
  private boolean hostOwner(long uid, long gid) {
    long hu = IdMapping.toHost(mapping, uid);
    long hg = IdMapping.toHost(mapping, gid);
    if (hu < 0 || hg < 0) {
      unmappedOwners++;
      hu = hu < 0 ? myUid : hu;
      hg = hg < 0 ? myGid : hg;
    }
    hostUid = (int) hu;
    hostGid = (int) hg;
    return !createdAsAsked || hu != myUid || hg != myGid;
  }

  /** chown through the open descriptor of a file just written. */
  private void ownerOfFd(int fd, At p, Entry e) throws UnpackException {
    if (!hostOwner(e.uid(), e.gid())) {
      return;
    }
    try {
      UnistdLibC.fchown(fd, hostUid, hostGid);
    } catch (LastErrorException x) {
      chownFailed(x, p, e.name());
    }
  }

  private void owner(At p, String entry, long uid, long gid) throws IOException {
    if (!hostOwner(uid, gid)) {
      return;
    }
    try {
      FcntlLibC.fchownat(p.dirFd(), p.name(), hostUid, hostGid, FcntlLibC.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException x) {
      chownFailed(x, p, entry);
    }
  }

  /** Rootless, a chown the kernel refuses leaves the caller as owner (counted); else it is an error. */
  private void chownFailed(LastErrorException x, At p, String entry) throws UnpackException {
    if (!privileged && x.getErrorCode() == Constants.EPERM) {
      unmappedOwners++;
      return;
    }
    throw new UnpackException(entry, "lchown(" + p + ", " + hostUid + ":" + hostGid + ") failed: "
        + Errno.describe(x.getErrorCode()));
  }

  private void chmod(At p, String entry, int mode) throws IOException {
    try {
      // fchmodat follows a final symlink, but chmod is never called for one (symlinks have no mode)
      FcntlLibC.fchmodat(p.dirFd(), p.name(), mode, 0);
    } catch (LastErrorException x) {
      throw new UnpackException(entry, "chmod(" + p + ", 0" + Integer.toOctalString(mode) + ") failed: "
          + Errno.describe(x.getErrorCode()));
    }
  }

  /** atime and mtime both set to the entry's mtime, as two struct timespec. */
  private long[] timespecs(long seconds, int nanos) {
    timespecs[0] = seconds;
    timespecs[1] = nanos;
    timespecs[2] = seconds;
    timespecs[3] = nanos;
    return timespecs;
  }

  private void times(At p, long seconds, int nanos) {
    try {
      FcntlLibC.utimensat(p.dirFd(), p.name(), timespecs(seconds, nanos), FcntlLibC.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException x) {
      // times are cosmetic; a filesystem that refuses them (EPERM on an odd mount) changes nothing else
    }
  }

  /**
   * Applies the entry's xattrs, through {@code fd} when the file is open (else, -1, by name below
   * the directory descriptor). overlayfs' own xattrs are never taken from a tar; rootless, only
   * {@code user.*} ones can be set.
   */
  private void xattrs(At p, int fd, Entry e) throws IOException {
    for (TarReader.Xattr x : e.xattrs()) {
      String name = x.name();
      if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
        listener.warning(layer, e.name(), "overlayfs xattr " + name + " skipped (only whiteouts may set them)");
        continue;
      }
      if (!privileged && !name.startsWith("user.")) {
        skippedXattrs++;
        continue;
      }
      if (name.equals(DEFAULT_ACL)) {
        createdAsAsked = false; // files created below this directory get their mode from the ACL
      }
      if (fd >= 0) {
        try {
          FcntlLibC.fsetxattr(fd, name, x.value(), x.value().length, 0);
        } catch (LastErrorException err) {
          listener.warning(layer, e.name(), "fsetxattr(" + p + ", " + name + ") failed: "
              + Errno.describe(err.getErrorCode()) + "; xattr skipped");
        }
      } else {
        setXattr(p, e.name(), name, x.value(), false);
      }
    }
  }

  private void setXattr(At p, String entry, String name, byte[] value, boolean required)
      throws IOException {
    try {
      // The directory is reached through its descriptor's /proc link; the final name is not followed.
      XattrLibC.lsetxattr(p.procPath(), name, value, value.length, 0);
    } catch (LastErrorException x) {
      String msg = "lsetxattr(" + p + ", " + name + ") failed: " + Errno.describe(x.getErrorCode());
      if (required) {
        throw new UnpackException(entry, msg);
      }
      listener.warning(layer, entry, msg + "; xattr skipped");
    }
  }

  /**
   * Whether a file created with {@code createMode} already has {@code mode}: no setuid/setgid/sticky
   * bit (which only chmod sets, after the chown that would clear them) and nothing the umask removes.
   */
  private boolean createdWithMode(int mode, int createMode) {
    return createdAsAsked && (mode & 07000) == 0 && (createMode & ~UMASK) == mode;
  }

  private static boolean setgidOrDefaultAcl(Path dir) throws IOException {
    if (((Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 02000) != 0) {
      return true;
    }
    try {
      return XattrLibC.lgetxattr(dir.toString(), DEFAULT_ACL, new byte[0], 0) > 0;
    } catch (LastErrorException e) {
      return false; // ENODATA: none; EOPNOTSUPP: the filesystem has no ACLs
    }
  }

  private void markWritten(String rel) {
    created.add(rel);
    if (whiteouts == Whiteouts.FLATTEN) {
      String r = rel;
      while (!r.isEmpty() && written.add(r)) {
        int slash = r.lastIndexOf('/');
        r = slash < 0 ? "" : r.substring(0, slash);
      }
    }
  }

  private void remove(String rel) throws IOException {
    removed = true;
    forgetDirFds();
    Trees.delete(abs(rel));
    // Anything cached below (or at) rel may be gone or replaced: forget it all, it is rare.
    verifiedDirs.clear();
  }

  private Path abs(String rel) {
    return rel.isEmpty() ? root : Path.of(rootStr + "/" + rel);
  }

  private static String child(String parentRel, String name) {
    return parentRel.isEmpty() ? name : parentRel + "/" + name;
  }

  private static @Nullable BasicFileAttributes lstat(Path p) {
    if (UnistdLibC.faccessat(StatLibC.AT_FDCWD, p.toString(), UnistdLibC.F_OK,
        StatLibC.AT_SYMLINK_NOFOLLOW) != 0) {
      return null; // usually ENOENT; any other error makes the next step fail with its own message
    }
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}
