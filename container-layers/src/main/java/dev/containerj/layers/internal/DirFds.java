package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;

/**
 * Opens directories below a root as O_PATH descriptors, with the kernel guaranteeing that no
 * symlink is followed and nothing outside the root is reached: openat2(2) with
 * {@code RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS} (Linux 5.6), else a walk of
 * openat(2) calls with O_NOFOLLOW, one component at a time.
 */
public final class DirFds {
  private DirFds() {}

  static final long SYS_OPENAT2 = 437;
  static final long RESOLVE_NO_MAGICLINKS = 0x02;
  static final long RESOLVE_NO_SYMLINKS = 0x04;
  static final long RESOLVE_IN_ROOT = 0x10;

  private static final class Holder {
    static final boolean OPENAT2 = probe();

    private static boolean probe() {
      try {
        LibC.syscall(SYS_OPENAT2, -1, 0, 0, 0, 0);
        return true;
      } catch (LastErrorException e) {
        return e.getErrorCode() != Constants.ENOSYS && e.getErrorCode() != Constants.EPERM;
      }
    }
  }

  /** Whether openat2(2) is available. */
  public static boolean openat2() {
    return Holder.OPENAT2;
  }

  /** O_PATH descriptor of the root directory itself. */
  public static Fd openRoot(String path) throws IOException {
    try {
      return new Fd(LibC.open(path, Constants.O_PATH | Arch.current().oDirectory() | Constants.O_CLOEXEC, 0));
    } catch (LastErrorException e) {
      throw dev.containerj.linux.internal.Errors.exception("open", path, e);
    }
  }

  /**
   * Opens {@code rel} (components separated by '/', none of them a symlink) below {@code root}.
   *
   * @throws LastErrorException ELOOP or ENOTDIR when a component is a symlink or not a directory
   */
  public static Fd open(Fd root, String rel) {
    int dirFlags = Constants.O_PATH | Arch.current().oDirectory() | Constants.O_CLOEXEC;
    if (rel.isEmpty()) {
      return new Fd(FcntlLibC.openat(root.get(), ".", dirFlags, 0));
    }
    if (openat2()) {
      Memory how = new Memory(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }
      how.setLong(0, dirFlags);
      how.setLong(8, 0);
      how.setLong(16, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
      Memory path = cstr(rel);
      try {
        return new Fd((int) LibC.syscall(SYS_OPENAT2, root.get(), Pointer.nativeValue(path),
            Pointer.nativeValue(how), 24, 0));
      } finally {
        Reference.reachabilityFence(how);
        Reference.reachabilityFence(path);
      }
    }
    return openByWalk(root, rel);
  }

  /** The fallback of {@link #open}: one openat(O_NOFOLLOW|O_DIRECTORY) per component. */
  public static Fd openByWalk(Fd root, String rel) {
    int dirFlags = Constants.O_PATH | Arch.current().oDirectory() | Constants.O_CLOEXEC;
    int fd = FcntlLibC.openat(root.get(), ".", dirFlags, 0);
    if (rel.isEmpty()) {
      return new Fd(fd);
    }
    try {
      for (String c : rel.split("/")) {
        int next = FcntlLibC.openat(fd, c, dirFlags | Arch.current().oNofollow(), 0);
        LibC.close(fd);
        fd = next;
      }
    } catch (LastErrorException e) {
      try {
        LibC.close(fd);
      } catch (LastErrorException ignored) {
        // the descriptor is gone either way
      }
      throw e;
    }
    return new Fd(fd);
  }

  private static Memory cstr(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    Memory m = new Memory(b.length + 1L);
    m.write(0, b, 0, b.length);
    m.setByte(b.length, (byte) 0);
    return m;
  }
}
