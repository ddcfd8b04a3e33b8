package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/** {@code <sys/stat.h>} functions that java.nio cannot do: full modes (setuid, setgid, sticky) and device nodes. */
public final class StatLibC {
  static {
    Native.register(StatLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private StatLibC() {}

  public static final int S_IFIFO = 0010000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFBLK = 0060000;

  public static native int chmod(String pathname, int mode) throws LastErrorException;

  /** glibc 2.33+ exports mknod as a real symbol (earlier ones had only {@code __xmknod}). */
  public static native int mknod(String pathname, int mode, long dev) throws LastErrorException;

  public static final int AT_FDCWD = -100;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;

  /**
   * Sets access and modification times without opening the file (opening a fifo would block, a
   * device could react). {@code times} is two struct timespec: atime sec, nsec, mtime sec, nsec.
   */
  public static native int utimensat(int dirfd, String pathname, long[] times, int flags)
      throws LastErrorException;

  /** chmod through an open descriptor: no path lookup, and never a symlink. */
  public static native int fchmod(int fd, int mode) throws LastErrorException;

  /** utimensat(2) on an open descriptor; {@code times} as for {@link #utimensat}. */
  public static native int futimens(int fd, long[] times) throws LastErrorException;

  /** makedev(3) for the Linux encoding. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }
}
