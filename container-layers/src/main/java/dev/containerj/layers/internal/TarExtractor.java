package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.layers.IdMapping;
import dev.containerj.layers.UnpackException;
import dev.containerj.layers.UnpackListener;
import dev.containerj.linux.Errno;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Writes one layer tar into a directory, never outside it.
 *
 * <p>Path safety: an entry name is split into components; an absolute name or a {@code ..}
 * component is refused. Parent directories are walked with lstat: a real directory is entered, a
 * missing one created, a symlink is resolved <em>inside</em> the root (an absolute target restarts at
 * the root, as in a chroot) and refused if its {@code ..} climbs above the root. The resulting
 * directory is then opened by the kernel without following symlinks ({@link DirFds}), and every write
 * is an *at call relative to it that never follows the final name.
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
  private static final int BUFFER = 1 << 18;

  private final Path root;
  private final String rootStr;
  private final Whiteouts whiteouts;
  private final boolean privileged;
  private final String overlayXattrPrefix;
  private final IdMapping mapping;
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
  private @Nullable PaxXattrTap tap;
  private @Nullable String lastParentKey;
  private @Nullable String lastParentRel;
  /** The process umask (from /proc/self/status), or -1 if unknown. */
  private static final int UMASK = readUmask();
  private final List<DirMeta> dirMetas = new ArrayList<>();
  private final byte[] buffer = new byte[BUFFER];
  private final Memory nativeBuffer = new Memory(BUFFER);
  private static final int O_EXCL = 0200;
  private static final String DEFAULT_ACL = "system.posix_acl_default";
  private Fd rootFd;
  private @Nullable Fd cachedDirFd;
  private @Nullable String cachedDirRel;
  private long bytes;
  private long entries;
  private long unmappedOwners;
  private long skippedXattrs;

  private record DirMeta(String rel, String entry, long uid, long gid, int mode,
      @Nullable FileTime mtime) {}

  /**
   * @param root an existing directory
   * @param privileged whether the caller may chown, mknod devices and set trusted.* xattrs (root)
   * @param overlayXattrPrefix {@code trusted.overlay.} or {@code user.overlay.}
   */
  public TarExtractor(Path root, Whiteouts whiteouts, boolean privileged, String overlayXattrPrefix,
      IdMapping mapping, boolean failOnDevices, UnpackListener listener, String layer) {
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

  /** Reads a whole (decompressed) tar stream into the root. */
  public void extract(InputStream tarStream) throws IOException {
    rootFd = DirFds.openRoot(root.toString());
    try (DirectoryStream<Path> d = Files.newDirectoryStream(root)) {
      freshRoot = !d.iterator().hasNext();
    }
    createdAsAsked = UMASK >= 0 && freshRoot && !setgidOrDefaultAcl(root);
    try {
      tap = new PaxXattrTap(tarStream);
      TarArchiveInputStream tar = new TarArchiveInputStream(tap, 10240, 512, "UTF-8", false);
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.isGlobalPaxHeader()) {
          continue;
        }
        entry(e, tar);
        entries++;
        listener.progress(layer, bytes, entries);
      }
      finish();
    } finally {
      forgetDirFd();
      rootFd.close();
      nativeBuffer.close();
    }
  }

  /**
   * The directory {@code rel} as a descriptor opened by the kernel below the root without following
   * any symlink (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS, else an O_NOFOLLOW walk). The last one
   * is cached: consecutive entries usually share their directory.
   */
  private int dirFd(String entry, String rel) throws UnpackException {
    if (cachedDirFd != null && rel.equals(cachedDirRel)) {
      return cachedDirFd.get();
    }
    forgetDirFd();
    try {
      cachedDirFd = DirFds.open(rootFd, rel);
    } catch (LastErrorException x) {
      throw new UnpackException(entry, "directory '" + rel + "' cannot be opened inside the layer root: "
          + Errno.describe(x.getErrorCode()));
    }
    cachedDirRel = rel;
    return cachedDirFd.get();
  }

  private void forgetDirFd() {
    if (cachedDirFd != null) {
      cachedDirFd.close();
      cachedDirFd = null;
      cachedDirRel = null;
    }
  }

  /** A name inside a directory descriptor: where every write of an entry goes. */
  private record At(int dirFd, String name, String display) {
    /** A path for the xattr calls, which have no *at form before Linux 6.13. */
    String procPath() {
      return "/proc/self/fd/" + dirFd + "/" + name;
    }

    @Override
    public String toString() {
      return display;
    }
  }

  private At at(String entry, String rel) throws UnpackException {
    int slash = rel.lastIndexOf('/');
    String parent = slash < 0 ? "" : rel.substring(0, slash);
    String base = rel.isEmpty() ? "." : rel.substring(slash + 1);
    return new At(dirFd(entry, parent), base, rel.isEmpty() ? root.toString() : rootStr + "/" + rel);
  }

  private void finish() throws IOException {
    for (int i = dirMetas.size() - 1; i >= 0; i--) {
      DirMeta d = dirMetas.get(i);
      if (!isPlainDirectory(d.rel)) {
        continue; // replaced later in the tar by something else
      }
      At a;
      try {
        a = d.rel.isEmpty() ? new At(rootFd.get(), ".", root.toString()) : at(d.entry, d.rel);
      } catch (UnpackException x) {
        continue; // a component is no longer a directory
      }
      owner(a, d.entry, d.uid, d.gid);
      chmod(a, d.entry, d.mode);
      times(a, d.mtime);
    }
    if (unmappedOwners > 0) {
      listener.warning(layer, "*", unmappedOwners + " entries have owners outside the id mapping "
          + mapping + "; they stay owned by uid " + myUid);
    }
    if (skippedXattrs > 0 && !privileged) {
      listener.warning(layer, "*", skippedXattrs + " xattrs outside the user.* namespace were skipped (rootless)");
    }
  }

  private void entry(TarArchiveEntry e, InputStream content) throws IOException {
    String name = e.getName();
    List<String> comps = components(name);
    if (comps.isEmpty()) {
      if (!e.isDirectory()) {
        throw new UnpackException(name, "names the layer root but is not a directory");
      }
      dirMetas.add(new DirMeta("", name, e.getLongUserId(), e.getLongGroupId(), e.getMode() & 07777,
          e.getLastModifiedTime()));
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
    if (e.isDirectory()) {
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
      dirMetas.add(new DirMeta(rel, name, e.getLongUserId(), e.getLongGroupId(), e.getMode() & 07777,
          e.getLastModifiedTime()));
      xattrs(a, e);
      return;
    }
    if (existing != null) {
      remove(rel);
    }
    At p = at(name, rel);
    boolean modeSet = false;
    if (e.isSymbolicLink()) {
      if (e.getLinkName().isEmpty()) {
        throw new UnpackException(name, "symlink has an empty target");
      }
      try {
        FcntlLibC.symlinkat(e.getLinkName(), p.dirFd(), p.name());
      } catch (LastErrorException x) {
        throw new UnpackException(name, "symlink(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
      }
    } else if (e.isLink()) {
      hardlink(e, p);
      markWritten(rel);
      return; // the inode's metadata came with the entry it links to
    } else if (e.isCharacterDevice() || e.isBlockDevice()) {
      if (!device(e, p)) {
        return;
      }
    } else if (e.isFIFO()) {
      mknod(p, name, StatLibC.S_IFIFO | 0600, 0);
    } else if (e.isFile()) {
      modeSet = write(p, e, content);
    } else {
      listener.warning(layer, name, "unsupported tar entry type skipped");
      return;
    }
    markWritten(rel);
    owner(p, name, e.getLongUserId(), e.getLongGroupId());
    if (!e.isSymbolicLink() && !modeSet) {
      chmod(p, name, e.getMode() & 07777);
    }
    xattrs(p, e);
    times(p, e.getLastModifiedTime());
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
        At dir = parentRel.isEmpty() ? new At(rootFd.get(), ".", root.toString()) : at(name, parentRel);
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

  private void hardlink(TarArchiveEntry e, At p) throws IOException {
    String name = e.getName();
    List<String> target;
    try {
      target = components(e.getLinkName());
    } catch (UnpackException x) {
      throw new UnpackException(name, "hardlink target '" + e.getLinkName() + "': " + x.reason(), x);
    }
    if (target.isEmpty()) {
      throw new UnpackException(name, "hardlink to the layer root");
    }
    String parentRel;
    try {
      parentRel = resolveDir(name, target.subList(0, target.size() - 1));
    } catch (UnpackException x) {
      throw new UnpackException(name, "hardlink target '" + e.getLinkName() + "': " + x.reason(), x);
    }
    String targetRel = child(parentRel, target.get(target.size() - 1));
    BasicFileAttributes a = lstat(abs(targetRel));
    if (a == null) {
      throw new UnpackException(name, "hardlink target '" + e.getLinkName() + "' does not exist in the layer");
    }
    if (a.isDirectory()) {
      throw new UnpackException(name, "hardlink target '" + e.getLinkName() + "' is a directory");
    }
    String targetParent = parentRel;
    try (Fd from = DirFds.open(rootFd, targetParent)) {
      // linkat without AT_SYMLINK_FOLLOW links a symlink itself, never what it points to
      FcntlLibC.linkat(from.get(), target.get(target.size() - 1), p.dirFd(), p.name(), 0);
    } catch (LastErrorException x) {
      throw new UnpackException(name, "link(" + abs(targetRel) + " -> " + p + ") failed: "
          + Errno.describe(x.getErrorCode()));
    }
  }

  private boolean device(TarArchiveEntry e, At p) throws IOException {
    String kind = e.isCharacterDevice() ? "char" : "block";
    boolean whiteoutDevice = e.isCharacterDevice() && e.getDevMajor() == 0 && e.getDevMinor() == 0;
    if (!privileged && !whiteoutDevice) {
      String msg = kind + " device " + e.getDevMajor() + ":" + e.getDevMinor()
          + " needs root (CAP_MKNOD); unpacking rootless";
      if (failOnDevices) {
        throw new UnpackException(e.getName(), msg);
      }
      listener.warning(layer, e.getName(), msg + ", skipped");
      return false;
    }
    int type = e.isCharacterDevice() ? StatLibC.S_IFCHR : StatLibC.S_IFBLK;
    mknod(p, e.getName(), type | 0600, StatLibC.makedev(e.getDevMajor(), e.getDevMinor()));
    return true;
  }

  private void mknod(At p, String entry, int mode, long dev) throws IOException {
    try {
      FcntlLibC.mknodat(p.dirFd(), p.name(), mode, dev);
    } catch (LastErrorException x) {
      throw new UnpackException(entry, "mknod(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
    }
  }

  private void mkdir(At a, String entry) throws UnpackException {
    try {
      FcntlLibC.mkdirat(a.dirFd(), a.name(), 0755);
    } catch (LastErrorException x) {
      throw new UnpackException(entry, "mkdir(" + a + ") failed: " + Errno.describe(x.getErrorCode()));
    }
  }

  /** Writes a regular file; returns whether it was created with its final mode already. */
  private boolean write(At p, TarArchiveEntry e, InputStream in) throws IOException {
    boolean sparse = e.isSparse();
    long size = sparse ? e.getRealSize() : e.getSize();
    int fd;
    boolean modeSet = createdWithMode(e.getMode() & 07777);
    try {
      fd = FcntlLibC.openat(p.dirFd(), p.name(), Constants.O_WRONLY | Constants.O_CREAT | O_EXCL
          | Arch.current().oNofollow() | Constants.O_CLOEXEC, modeSet ? e.getMode() & 07777 : 0600);
    } catch (LastErrorException x) {
      throw new UnpackException(e.getName(), "open(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
    }
    try (Fd file = new Fd(fd)) {
      long pos = 0;
      boolean endsInHole = false;
      int n;
      while ((n = in.read(buffer, 0, buffer.length)) > 0) {
        nativeBuffer.write(0, buffer, 0, n);
        if (sparse) {
          // Keep holes: skip blocks of zeros instead of writing them.
          for (int off = 0; off < n; off += 4096) {
            int len = Math.min(4096, n - off);
            if (allZero(buffer, off, len)) {
              endsInHole = true;
            } else {
              pwrite(file, e, p, off, len, pos + off);
              endsInHole = false;
            }
          }
        } else {
          pwrite(file, e, p, 0, n, pos);
        }
        pos += n;
        bytes += n;
      }
      if (pos != size) {
        throw new UnpackException(e.getName(), "content ends after " + pos + " of " + size + " bytes");
      }
      if (sparse && endsInHole && size > 0) {
        nativeBuffer.setByte(0, (byte) 0);
        pwrite(file, e, p, 0, 1, size - 1);
      }
    }
    return modeSet;
  }

  private void pwrite(Fd file, TarArchiveEntry e, At p, int off, int len, long at) throws UnpackException {
    int done = 0;
    while (done < len) {
      try {
        done += (int) FcntlLibC.pwrite(file.get(), nativeBuffer.share(off + done), len - done, at + done);
      } catch (LastErrorException x) {
        if (x.getErrorCode() == Constants.EINTR) {
          continue;
        }
        throw new UnpackException(e.getName(), "write(" + p + ") failed: " + Errno.describe(x.getErrorCode()));
      }
    }
  }

  private static boolean allZero(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private void owner(At p, String entry, long uid, long gid) throws IOException {
    long hu = mapping.toHost(uid);
    long hg = mapping.toHost(gid);
    if (hu < 0 || hg < 0) {
      unmappedOwners++;
      hu = hu < 0 ? myUid : hu;
      hg = hg < 0 ? myGid : hg;
    }
    if (createdAsAsked && hu == myUid && hg == myGid) {
      return; // the creator owns it already
    }
    try {
      FcntlLibC.fchownat(p.dirFd(), p.name(), (int) hu, (int) hg, FcntlLibC.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException x) {
      if (!privileged && x.getErrorCode() == Constants.EPERM) {
        unmappedOwners++;
        return;
      }
      throw new UnpackException(entry, "lchown(" + p + ", " + hu + ":" + hg + ") failed: "
          + Errno.describe(x.getErrorCode()));
    }
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

  private static void times(At p, @Nullable FileTime mtime) {
    if (mtime == null) {
      return;
    }
    java.time.Instant t = mtime.toInstant();
    long[] ts = {t.getEpochSecond(), t.getNano(), t.getEpochSecond(), t.getNano()};
    try {
      FcntlLibC.utimensat(p.dirFd(), p.name(), ts, FcntlLibC.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException x) {
      // times are cosmetic; a filesystem that refuses them (EPERM on an odd mount) changes nothing else
    }
  }

  private void xattrs(At p, TarArchiveEntry e) throws IOException {
    Map<String, String> pax = e.getExtraPaxHeaders();
    if (pax.isEmpty()) {
      return;
    }
    Map<String, byte[]> raw = tap == null ? null : tap.take(e.getName());
    for (Map.Entry<String, String> h : pax.entrySet()) {
      String key = h.getKey();
      String name;
      byte[] value;
      if (key.startsWith("SCHILY.xattr.")) {
        name = key.substring("SCHILY.xattr.".length());
        byte[] exact = raw == null ? null : raw.get(name);
        if (exact != null) {
          value = exact;
        } else if (h.getValue().indexOf('\uFFFD') >= 0) {
          listener.warning(layer, e.getName(), "xattr " + name + " has a binary value that could not be"
              + " read byte for byte; skipped");
          continue;
        } else {
          value = h.getValue().getBytes(StandardCharsets.UTF_8);
        }
      } else if (key.startsWith("LIBARCHIVE.xattr.")) {
        name = URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
        value = Base64.getDecoder().decode(h.getValue().trim());
      } else {
        continue;
      }
      if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
        listener.warning(layer, e.getName(), "overlayfs xattr " + name + " skipped (only whiteouts may set them)");
        continue;
      }
      if (!privileged && !name.startsWith("user.")) {
        skippedXattrs++;
        continue;
      }
      if (name.equals(DEFAULT_ACL)) {
        createdAsAsked = false; // files created below this directory get their mode from the ACL
      }
      setXattr(p, e.getName(), name, value, false);
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
   * Whether a file created with {@code mode} already has it: no setuid/setgid/sticky bit (which
   * only chmod sets, after the chown that would clear them) and nothing the umask removes.
   */
  private boolean createdWithMode(int mode) {
    return createdAsAsked && (mode & 07000) == 0 && (mode & ~UMASK) == mode;
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
    forgetDirFd();
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
