package dev.containerj.cgroups.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.cgroups.CgroupException;
import dev.containerj.linux.Errno;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Errors;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** {@link CgroupFs} on the real filesystem, through libc so that errors keep their errno. */
class RealCgroupFs implements CgroupFs {
  static final RealCgroupFs INSTANCE = new RealCgroupFs();

  @Override
  public String read(Path file) throws IOException {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new CgroupException("failed to read " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void write(Path file, String value) throws IOException {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    int fd;
    try {
      fd = LibC.open(file.toString(), Constants.O_WRONLY | Constants.O_TRUNC | Constants.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw writeError(value, file, e.getErrorCode());
    }
    try (Fd owned = new Fd(fd)) {
      long n = LibC.write(owned.get(), bytes, bytes.length);
      if (n != bytes.length) {
        throw new CgroupException(
            "failed to write " + value + " to " + file + ": short write (" + n + " of " + bytes.length + ")");
      }
    } catch (LastErrorException e) {
      throw writeError(value, file, e.getErrorCode());
    }
  }

  @Override
  public void attachDeviceProgram(Path dir, byte[] insns) throws IOException {
    Bpf.attachDeviceProgram(dir, insns);
  }

  static CgroupException writeError(String value, Path file, int errno) {
    return new CgroupException(
        "failed to write " + value.strip() + " to " + file + ": " + Errno.describe(errno), errno);
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public boolean mkdir(Path dir) throws IOException {
    try {
      CgroupLibC.mkdir(dir.toString(), 0755);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.EEXIST) {
        return false;
      }
      throw Errors.exception("mkdir", dir.toString(), e);
    }
  }

  @Override
  public boolean rmdir(Path dir) throws IOException {
    try {
      CgroupLibC.rmdir(dir.toString());
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.ENOENT) {
        return false;
      }
      throw Errors.syscall("rmdir", dir.toString(), e);
    }
  }

  @Override
  public List<String> children(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory).forEach(p -> out.add(p.getFileName().toString()));
    }
    return out;
  }

  @Override
  public boolean writable(Path path) {
    try {
      CgroupLibC.access(path.toString(), CgroupLibC.W_OK);
      return true;
    } catch (LastErrorException e) {
      return false;
    }
  }

  @Override
  public boolean await(Path file, Predicate<String> condition, long timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    // poll(2) on the file itself, not an inotify instance: closing an inotify fd waits for an SRCU
    // grace period (fsnotify_destroy_group), ~10 ms on this kind of host, which made every close()
    // of a container cost that much. A kernfs file reports POLLPRI|POLLERR once its content changed
    // after the last read of this open file (cgroup-v2.rst: "poll and [id]notify events are
    // triggered" when cgroup.events changes; kernfs_generic_poll), so read-then-poll loses no change.
    int fd;
    try {
      fd = LibC.open(file.toString(), Constants.O_RDONLY | Constants.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.ENOENT) {
        throw new NoSuchFileException(file.toString());
      }
      throw Errors.exception("open", file.toString(), e);
    }
    try (Fd events = new Fd(fd); Memory pfd = new Memory(8)) {
      byte[] buf = new byte[4096];
      while (true) {
        if (condition.test(readFrom(events.get(), file, buf))) {
          return true;
        }
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return false;
        }
        pfd.setInt(0, events.get());
        pfd.setShort(4, CgroupLibC.POLLPRI);
        pfd.setShort(6, (short) 0);
        try {
          CgroupLibC.poll(pfd, 1, (int) Math.min(left, Integer.MAX_VALUE));
        } catch (LastErrorException e) {
          if (e.getErrorCode() != Constants.EINTR) {
            throw Errors.exception("poll", file.toString(), e);
          }
        }
      }
    }
  }

  /** The whole content of the open kernfs file {@code fd}, read again from offset 0. */
  private static String readFrom(int fd, Path file, byte[] buf) throws IOException {
    try {
      StringBuilder text = new StringBuilder();
      long off = 0;
      long n;
      while ((n = CgroupLibC.pread(fd, buf, buf.length, off)) > 0) {
        text.append(new String(buf, 0, (int) n, StandardCharsets.UTF_8));
        off += n;
      }
      return text.toString();
    } catch (LastErrorException e) {
      throw Errors.exception("read", file.toString(), e);
    }
  }
}
