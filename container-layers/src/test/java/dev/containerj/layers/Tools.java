package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.layers.internal.XattrLibC;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test helpers: external tools (checked, never silently skipped), commands, tree snapshots. */
final class Tools {
  private Tools() {}

  /** Fails (not skips) with a clear message when a tool CI is expected to install is missing. */
  static String require(String tool, String debianPackage) {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return dir + "/" + tool;
      }
    }
    throw new AssertionError(tool + " is not installed; these tests build images with real tools:"
        + " apt-get install " + debianPackage);
  }

  /** Runs a command, fails the test with its output when it exits non-zero. */
  static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
    Process p = pb.start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    int rc = p.waitFor();
    if (rc != 0) {
      throw new AssertionError(String.join(" ", cmd) + " exited " + rc + ":\n" + out);
    }
    return out;
  }

  /** One file as the comparison sees it. */
  static String describe(Path p) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,rdev", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    int type = mode & 0170000;
    StringBuilder s = new StringBuilder();
    s.append(String.format("type=%o mode=%04o owner=%s:%s", type >> 12, mode & 07777, a.get("uid"), a.get("gid")));
    if (Files.isSymbolicLink(p)) {
      s.append(" -> ").append(Files.readSymbolicLink(p));
    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      s.append(" size=").append(a.get("size")).append(" sha256=").append(sha256(p));
    } else if (type == 0020000 || type == 0060000) {
      s.append(" rdev=").append(a.get("rdev"));
    }
    Map<String, String> x = xattrs(p);
    if (!x.isEmpty()) {
      s.append(" xattrs=").append(x);
    }
    return s.toString();
  }

  /** Every path below root (relative) with its description; the root itself is "". */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = root.relativize(p).toString();
        if (rel.isEmpty()) {
          continue;
        }
        out.put(rel, describe(p));
      }
    }
    return out;
  }

  /** user.* and security.* xattrs, minus overlay's own. */
  static Map<String, String> xattrs(Path p) {
    Map<String, String> all = xattrsRaw(p);
    all.keySet().removeIf(name -> name.contains(".overlay.") || name.startsWith("system."));
    return all;
  }

  /**
   * Why {@code dir}'s filesystem cannot hold {@code user.*} extended attributes (tmpfs before Linux
   * 6.6, as in the QEMU lane's 6.1 guest), or null when it can.
   */
  static @org.jspecify.annotations.Nullable String userXattrProblem(Path dir) {
    Path probe = dir.resolve(".xattr-probe");
    try {
      Files.deleteIfExists(probe);
      Files.createFile(probe);
      Files.getFileAttributeView(probe, java.nio.file.attribute.UserDefinedFileAttributeView.class)
          .write("containerj.probe", java.nio.ByteBuffer.wrap(new byte[] {1}));
      return null;
    } catch (IOException | UnsupportedOperationException e) {
      return dir + " holds no user.* xattrs (tmpfs before Linux 6.6?): " + e.getMessage();
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // the temp dir goes anyway
      }
    }
  }

  /** Every xattr the caller may read. */
  static Map<String, String> xattrsRaw(Path p) {
    Map<String, String> out = new TreeMap<>();
    byte[] list = new byte[65536];
    long n;
    try {
      n = XattrLibC.llistxattr(p.toString(), list, list.length);
    } catch (com.sun.jna.LastErrorException e) {
      return out;
    }
    List<String> names = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < n; i++) {
      if (list[i] == 0) {
        names.add(new String(list, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    for (String name : names) {
      byte[] v = new byte[65536];
      long len = XattrLibC.lgetxattr(p.toString(), name, v, v.length);
      out.put(name, new String(v, 0, (int) len, StandardCharsets.UTF_8));
    }
    return out;
  }

  static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] b = new byte[65536];
      int r;
      while ((r = in.read(b)) > 0) {
        md.update(b, 0, r);
      }
      StringBuilder s = new StringBuilder();
      for (byte x : md.digest()) {
        s.append(String.format("%02x", x));
      }
      return s.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void assertSameTree(Path actual, Path expected) throws IOException {
    assertThat(snapshot(actual)).as("tree %s compared with %s", actual, expected)
        .containsExactlyInAnyOrderEntriesOf(snapshot(expected));
  }
}
