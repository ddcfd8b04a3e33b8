package dev.containerj.junit5;

import dev.containerj.core.ContainerException;
import dev.containerj.core.ExecProcess;
import dev.containerj.core.ProcessSpec;
import dev.containerj.namespaces.Redirect;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * copyTo/copyFrom as tar streams through a process exec'd in the container. Exec, not the host's
 * view of {@code /proc/PID/root}: the files get the container's user and the container's mounts
 * decide (a read-only bind stays read-only), and it works the same for a rootless JVM.
 */
final class TarCopy {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private TarCopy() {}

  static void copyTo(TestContainer tc, Path hostPath, String containerPath) {
    String[] split = split(containerPath);
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    long uid = tc.container().spec().uid();
    long gid = tc.container().spec().gid();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      if (!Files.exists(hostPath, LinkOption.NOFOLLOW_LINKS)) {
        throw new ContainerException("copyTo: the host path " + hostPath + " does not exist");
      }
      try (Stream<Path> walk = Files.walk(hostPath)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          String rel = hostPath.relativize(p).toString();
          String name = rel.isEmpty() ? split[1] : split[1] + "/" + rel;
          TarArchiveEntry e;
          // Entries built by hand, not from a File: that would add pax headers (creation time)
          // that busybox's and GNU tar warn about on stderr.
          boolean file = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
          if (Files.isSymbolicLink(p)) {
            e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
          } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            e = new TarArchiveEntry(name + "/");
          } else if (file) {
            e = new TarArchiveEntry(name);
            e.setSize(Files.size(p));
          } else {
            continue; // sockets, fifos, devices: not copied
          }
          e.setModTime(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
          e.setUserId(uid);
          e.setGroupId(gid);
          e.setMode((e.isDirectory() ? 0040000 : e.isSymbolicLink() ? 0120000 : 0100000) | mode(p));
          out.putArchiveEntry(e);
          if (file) {
            Files.copy(p, out);
          }
          out.closeArchiveEntry();
        }
      }
    } catch (IOException e) {
      throw new ContainerException("copyTo: cannot read " + hostPath + ": " + e.getMessage(), e);
    }
    // busybox and GNU tar both take "-xf - -C DIR"; the entries carry the container user's ids
    ExecResult r = run(tc, tar.toByteArray(), "sh", "-c", "mkdir -p \"$1\" && exec tar -xf - -C \"$1\"", "sh", split[0]);
    if (r.exitCode() != 0) {
      throw new ContainerException("copyTo " + hostPath + " -> " + tc.shortId() + ":" + containerPath + " failed ("
          + r.status() + "): " + r.stderr().strip());
    }
  }

  static void copyFrom(TestContainer tc, String containerPath, Path hostPath) {
    String[] split = split(containerPath);
    ProcessSpec ps = ProcessSpec.builder().command("tar", "-cf", "-", "-C", split[0], split[1])
        .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build();
    try (ExecProcess p = tc.container().exec(ps)) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Thread errReader = new Thread(() -> {
        try (InputStream in = p.stderr()) {
          in.transferTo(err);
        } catch (IOException ignored) {
          // the process is gone
        }
      }, "containerj-copy-stderr");
      errReader.setDaemon(true);
      errReader.start();
      try {
        extract(p.stdout(), split[1], hostPath);
        int code = p.waitFor(TIMEOUT).orElseThrow(() -> new ContainerException("copyFrom: tar did not end in " + TIMEOUT))
            .shellCode();
        errReader.join(1000);
        if (code != 0) {
          throw new ContainerException("copyFrom " + tc.shortId() + ":" + containerPath + " -> " + hostPath + " failed (exit "
              + code + "): " + err.toString(StandardCharsets.UTF_8).strip());
        }
      } catch (IOException e) {
        throw new ContainerException("copyFrom " + tc.shortId() + ":" + containerPath + " -> " + hostPath + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerException("copyFrom interrupted", e);
      }
    }
  }

  /** Writes the entries below {@code top} (the archive's first name) to {@code target}, never outside it. */
  private static void extract(InputStream in, String top, Path target) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    Files.createDirectories(root.getParent());
    Path realParent = java.util.Objects.requireNonNull(root.getParent(), "the target's parent").toRealPath();
    java.util.Set<Path> links = new java.util.HashSet<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName().replaceAll("/+$", "");
        Path dest;
        if (name.equals(top)) {
          dest = root;
        } else if (name.startsWith(top + "/")) {
          dest = root.resolve(name.substring(top.length() + 1)).normalize();
        } else {
          throw new IOException("the container's tar stream has an entry outside " + top + ": " + e.getName());
        }
        // The real path of the target (its parent resolved, not itself: it may be a link the
        // stream made): every entry's parent must resolve below it, so a link made by an earlier
        // entry cannot carry a later one outside.
        Path realRoot = realParent.resolve(root.getFileName());
        if (!dest.startsWith(root) || (!dest.equals(root) && !java.util.Objects.requireNonNull(dest.getParent(), "parent").toRealPath().startsWith(realRoot))) {
          throw new IOException("refused entry " + e.getName() + ": it would land outside " + root);
        }
        if (e.isDirectory()) {
          // A directory entry on a link (one an earlier entry made, or one already in the target):
          // createDirectories accepts the link's directory and the chmod below would follow it, so a
          // stream "x -> /etc", "x/" (mode 0777) would open a host directory to every user.
          if (Files.isSymbolicLink(dest) && (!dest.equals(root) || links.contains(dest))) {
            throw new IOException("refused entry " + e.getName() + ": " + dest + " is a symbolic link, not a directory");
          }
          Files.createDirectories(dest);
        } else if (e.isSymbolicLink()) {
          Files.deleteIfExists(dest);
          Files.createSymbolicLink(dest, Path.of(e.getLinkName()));
          links.add(dest);
          continue;
        } else if (e.isFile()) {
          Files.deleteIfExists(dest);
          Files.copy(tar, dest);
        } else {
          continue; // devices, fifos, hard links: not copied out of a container
        }
        Files.setPosixFilePermissions(dest, permissions(e.getMode()));
      }
    }
  }

  private static ExecResult run(TestContainer tc, byte[] input, String... argv) {
    ProcessSpec ps = ProcessSpec.builder().command(argv).stdin(Redirect.PIPE).stdout(Redirect.PIPE)
        .stderr(Redirect.PIPE).build();
    try (ExecProcess p = tc.container().exec(ps)) {
      return tc.collect(p, input, TIMEOUT)
          .orElseThrow(() -> new ContainerException("tar in container " + tc.shortId() + " did not end in " + TIMEOUT));
    }
  }

  /** {parent, name} of an absolute container path that is not "/". */
  private static String[] split(String containerPath) {
    String p = containerPath.replaceAll("/+$", "");
    int slash = p.lastIndexOf('/');
    if (!containerPath.startsWith("/") || p.isEmpty() || List.of(p.split("/")).contains("..")) {
      throw new IllegalArgumentException("containerPath: \"" + containerPath
          + "\" must be an absolute path below / without \"..\"");
    }
    return new String[] {slash == 0 ? "/" : p.substring(0, slash), p.substring(slash + 1)};
  }

  private static int mode(Path p) throws IOException {
    if (Files.isSymbolicLink(p)) {
      return 0777;
    }
    int m = 0;
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
    for (PosixFilePermission perm : PosixFilePermission.values()) {
      if (perms.contains(perm)) {
        m |= 0400 >> perm.ordinal();
      }
    }
    return m;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission perm : PosixFilePermission.values()) {
      if ((mode & (0400 >> perm.ordinal())) != 0) {
        perms.add(perm);
      }
    }
    return perms;
  }
}
