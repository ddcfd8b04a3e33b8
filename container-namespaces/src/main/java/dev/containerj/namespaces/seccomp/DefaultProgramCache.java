package dev.containerj.namespaces.seccomp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;

/**
 * The compiled default profile kept on disk between JVMs, so that a short-lived tool (a runtime
 * called once per container operation) does not build and compile it at every start (about 40 ms
 * in a cold JVM: the profile's rules, then the compiler).
 *
 * <p>Used only when the system property {@value #DIR_PROPERTY} names a directory (the tool's
 * launcher passes its per-user cache directory); a library user's JVM keeps compiling in memory.
 *
 * <p>What makes an entry: the key is the compiler's identity (the jar that holds this class, by
 * path, size and mtime: a rebuilt jar is another compiler and another profile table), the kept
 * capabilities, the running kernel's release (the profile depends on the kernel version) and the
 * architecture. The file name is a CRC-32 of the key; the file repeats the whole key, which must
 * equal the lookup's, so a collision is a miss, never another program.
 *
 * <p>What is trusted: a seccomp filter is the container's last line of defence, so an entry is read
 * only from a directory and a file that are owned by this process's user, not group- or
 * world-writable, and not symbolic links; the file must parse back completely (format, key,
 * lengths within the kernel's limits, trailing CRC-32 of the content). Anything else is a miss: the
 * program is compiled as without the cache and the entry written again. The checksum detects a torn
 * or corrupted file; it is no defence against the same user, who could as well change the jar.
 * Writes go to a temporary file (mode 0600) renamed into place, so two JVMs racing leave one
 * complete entry. Every failure of the cache is silent and costs only the compilation.
 */
final class DefaultProgramCache {
  /** The system property naming the cache directory. */
  static final String DIR_PROPERTY = "containerj.cache.dir";

  private static final int MAGIC = 0x434a5331; // "CJS1"
  private static final int MAX_FILE = 64 * 1024;
  private static final int MAX_INSNS = 4096;

  private final Path dir;
  private final String compilerId;

  DefaultProgramCache(Path dir, String compilerId) {
    this.dir = dir;
    this.compilerId = compilerId;
  }

  /** The cache the system property names, or null (no property, or no identity for the compiler). */
  static @Nullable DefaultProgramCache fromSystemProperty() {
    // Without the property (a library user's JVM) of() reads not even the jar's attributes.
    return of(System.getProperty(DIR_PROPERTY), DefaultProgramCache.class.getProtectionDomain().getCodeSource());
  }

  /**
   * The cache in directory {@code dir} for the compiler loaded from {@code location}, or null when
   * there is no directory or the location is no jar file.
   */
  static @Nullable DefaultProgramCache of(@Nullable String dir, @Nullable CodeSource location) {
    if (dir == null || dir.isEmpty()) {
      return null;
    }
    String id = compilerIdentity(location);
    return id == null ? null : new DefaultProgramCache(Path.of(dir), id);
  }

  /**
   * The jar at {@code location}, by path, size and mtime; null when it is not a jar file (a build's
   * classes directory changes without a single stamp to key on).
   */
  static @Nullable String compilerIdentity(@Nullable CodeSource location) {
    URL url = location == null ? null : location.getLocation();
    if (url == null) {
      return null;
    }
    try {
      Path jar = Path.of(url.toURI());
      BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        return null;
      }
      return jar + ":" + a.size() + ":" + a.lastModifiedTime().toMillis();
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The default program for {@code caps} from the cache, or compiled (and then written) when the
   * cache has no entry that may be trusted.
   */
  SeccompProgram program(Set<String> caps, String kernelRelease, SeccompArch arch) {
    String key = key(caps, kernelRelease, arch);
    SeccompProgram cached = read(key, arch);
    if (cached != null) {
      return cached;
    }
    SeccompProgram p = SeccompProfile.defaultProfile(caps).compile(arch);
    write(key, p);
    return p;
  }

  /** The key of the default program for {@code caps} on this kernel and {@code arch}. */
  String key(Set<String> caps, String kernelRelease, SeccompArch arch) {
    return "default-profile\ncompiler " + compilerId + "\ncaps " + String.join(",", new TreeSet<>(caps))
        + "\nkernel " + kernelRelease + "\narch " + arch.name() + "\n";
  }

  Path file(String key) {
    CRC32 crc = new CRC32();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return dir.resolve("seccomp-" + Long.toHexString(crc.getValue()) + ".bpf");
  }

  /** The entry of {@code key}, or null when there is none that may be trusted. */
  @Nullable SeccompProgram read(String key, SeccompArch arch) {
    try {
      Path f = file(key);
      if (!owned(dir, true) || !owned(f, false)) {
        return null;
      }
      byte[] all;
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
        long size = ch.size();
        if (size > MAX_FILE) {
          return null;
        }
        all = new byte[(int) size];
        // One read(2) of a regular file this small returns it whole; a short read (a file cut while
        // read) is a miss.
        if (ch.read(ByteBuffer.wrap(all)) != size) {
          return null;
        }
      }
      return parse(all, key, arch);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Parses a whole entry; null unless every part is as written. */
  static @Nullable SeccompProgram parse(byte[] all, String key, SeccompArch arch) throws IOException {
    if (all.length < 8) {
      throw new EOFException("a seccomp cache entry of " + all.length + " bytes has no checksum");
    }
    int body = all.length - 8;
    CRC32 crc = new CRC32();
    crc.update(all, 0, body);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
    if (in.readInt() != MAGIC || !in.readUTF().equals(key) || !in.readUTF().equals(arch.name())) {
      return null;
    }
    int flags = in.readInt();
    int skippedCount = in.readInt();
    if (skippedCount < 0 || skippedCount > MAX_INSNS) {
      return null;
    }
    List<String> skipped = new ArrayList<>(skippedCount);
    for (int i = 0; i < skippedCount; i++) {
      skipped.add(in.readUTF());
    }
    int len = in.readInt();
    if (len <= 0 || len % 8 != 0 || len / 8 > MAX_INSNS || len > in.available() - 8) {
      return null;
    }
    byte[] filter = new byte[len];
    in.readFully(filter);
    if (in.available() != 8 || in.readLong() != crc.getValue()) {
      return null;
    }
    return new SeccompProgram(arch, filter, flags, skipped);
  }

  /** The bytes of an entry (package-private for tests that plant one). */
  static byte[] format(String key, SeccompProgram p) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.writeUTF(key);
    out.writeUTF(p.arch().name());
    out.writeInt(p.installFlags());
    out.writeInt(p.skippedSyscalls().size());
    for (String s : p.skippedSyscalls()) {
      out.writeUTF(s);
    }
    byte[] filter = p.bytes();
    out.writeInt(filter.length);
    out.write(filter); // DataOutputStream buffers nothing: the bytes are in the array already
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    return bytes.toByteArray();
  }

  /** Writes the entry of {@code key} through a temporary file renamed into place; silent on failure. */
  void write(String key, SeccompProgram p) {
    Path tmp = null;
    try {
      if (!owned(dir, true)) {
        return;
      }
      Path f = file(key);
      tmp = Files.createTempFile(dir, f.getFileName() + ".", ".tmp",
          PosixFilePermissions.asFileAttribute(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
      Files.write(tmp, format(key, p));
      try {
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        return;
      }
      tmp = null;
    } catch (IOException | RuntimeException e) {
      // a cache: the next start compiles again
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // nothing more to do
        }
      }
    }
  }

  /**
   * Whether {@code p} is a directory (or a regular file), not a symbolic link, owned by this
   * process's user (the owner of /proc/self, its effective uid, proc(5)) and writable by no one else.
   */
  static boolean owned(Path p, boolean directory) throws IOException {
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (directory ? !a.isDirectory() : !a.isRegularFile()) {
      return false;
    }
    Set<PosixFilePermission> perms = a.permissions();
    if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      return false;
    }
    Object mine = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    Object theirs = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    return mine.equals(theirs);
  }
}
