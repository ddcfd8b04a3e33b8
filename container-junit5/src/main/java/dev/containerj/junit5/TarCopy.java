package dev.containerj.junit5;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.core.ContainerException;
import dev.containerj.core.ExecProcess;
import dev.containerj.core.ProcessSpec;
import dev.containerj.layers.internal.DirFds;
import dev.containerj.layers.internal.FcntlLibC;
import dev.containerj.layers.internal.StatLibC;
import dev.containerj.linux.Errno;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
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

  /**
   * Writes the entries below {@code top} (the archive's first name) to {@code target}, never outside
   * it. The target may be bound into the container, whose payload can then swap any directory of it
   * for a link while the copy runs: so every step acts on descriptors, not paths. The target's parent
   * is opened once; each entry's directory is opened beneath it with no link followed (openat2(2)
   * {@code RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS}, see {@code DirFds}), and the entry is made,
   * written and chmod-ed through that descriptor with {@code O_NOFOLLOW} (a link at its name is
   * refused, never followed).
   */
  private static void extract(InputStream in, String top, Path target) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    Path parent = java.util.Objects.requireNonNull(root.getParent(), "the target's parent");
    Files.createDirectories(parent);
    String rootName = root.getFileName().toString();
    try (Fd base = DirFds.openRoot(parent.toString()); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName().replaceAll("/+$", "");
        String rel;
        if (name.equals(top)) {
          rel = rootName;
        } else if (name.startsWith(top + "/")) {
          rel = rootName + "/" + name.substring(top.length() + 1);
        } else {
          throw new IOException("the container's tar stream has an entry outside " + top + ": " + e.getName());
        }
        List<String> parts = List.of(rel.split("/"));
        if (parts.stream().anyMatch(p -> p.isEmpty() || p.equals(".") || p.equals(".."))) {
          throw new IOException("refused entry " + e.getName() + ": it would land outside " + root);
        }
        String leaf = parts.get(parts.size() - 1);
        Fd dir;
        try {
          dir = DirFds.open(base, String.join("/", parts.subList(0, parts.size() - 1)));
        } catch (LastErrorException x) {
          throw new IOException("refused entry " + e.getName() + ": a directory on its way below " + parent
              + " is a symbolic link or not a directory (" + Errno.describe(x.getErrorCode()) + ")");
        }
        try (dir) {
          write(dir.get(), leaf, e, tar, parent.resolve(rel));
        } catch (LastErrorException x) {
          throw new IOException("entry " + e.getName() + " -> " + parent.resolve(rel) + ": "
              + Errno.describe(x.getErrorCode()));
        }
      }
    }
  }

  /** One entry, made in {@code dir} under the name {@code leaf}; its mode set through its own descriptor. */
  private static void write(int dir, String leaf, TarArchiveEntry e, InputStream content, Path shown) throws IOException {
    int nofollow = Arch.current().oNofollow() | Constants.O_CLOEXEC;
    int mode = e.getMode() & 0777;
    int fd;
    if (e.isDirectory()) {
      try {
        FcntlLibC.mkdirat(dir, leaf, 0700);
      } catch (LastErrorException x) {
        if (x.getErrorCode() != Constants.EEXIST) {
          throw x;
        }
      }
      try {
        fd = FcntlLibC.openat(dir, leaf, Constants.O_RDONLY | Arch.current().oDirectory() | nofollow, 0);
      } catch (LastErrorException x) {
        // A directory entry on a link (one an earlier entry made, or the payload put there): a chmod
        // through it would reach the link's target ("x -> /etc", "x/" mode 0777).
        throw new IOException("refused entry " + e.getName() + ": " + shown + " is a symbolic link, not a directory ("
            + Errno.describe(x.getErrorCode()) + ")");
      }
    } else if (e.isSymbolicLink() || e.isFile()) {
      try {
        FcntlLibC.unlinkat(dir, leaf, 0); // the link itself, never what it leads to
      } catch (LastErrorException x) {
        if (x.getErrorCode() != Constants.ENOENT) {
          throw x;
        }
      }
      if (e.isSymbolicLink()) {
        FcntlLibC.symlinkat(e.getLinkName(), dir, leaf);
        return;
      }
      fd = FcntlLibC.openat(dir, leaf, Constants.O_WRONLY | Constants.O_CREAT | Constants.O_EXCL | nofollow, 0600);
    } else {
      return; // devices, fifos, hard links: not copied out of a container
    }
    try (Fd file = new Fd(fd)) {
      if (e.isFile()) {
        byte[] buf = new byte[64 * 1024];
        try (Memory chunk = new Memory(buf.length)) {
          long offset = 0;
          for (int n; (n = content.read(buf)) > 0; ) {
            chunk.write(0, buf, 0, n);
            for (long done = 0; done < n; ) {
              long w = FcntlLibC.pwrite(fd, chunk.share(done), n - done, offset + done);
              done += w;
            }
            offset += n;
          }
        }
      }
      StatLibC.fchmod(file.get(), mode);
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
}
