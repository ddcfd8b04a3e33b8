package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The *at family ({@code <fcntl.h>}, {@code <unistd.h>}, {@code <sys/stat.h>}) used to write a layer
 * relative to a directory descriptor, so that the kernel, not a path string, decides where an entry
 * lands.
 */
public final class FcntlLibC {
  static {
    Native.register(FcntlLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private FcntlLibC() {}

  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_EMPTY_PATH = 0x1000;

  public static native int openat(int dirfd, String pathname, int flags, int mode) throws LastErrorException;

  public static native int mkdirat(int dirfd, String pathname, int mode) throws LastErrorException;

  public static native int symlinkat(String target, int newdirfd, String linkpath) throws LastErrorException;

  /** unlinkat(2): {@code flags} 0 removes a non-directory (never following a link), AT_REMOVEDIR an empty directory. */
  public static native int unlinkat(int dirfd, String pathname, int flags) throws LastErrorException;

  public static native int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags)
      throws LastErrorException;

  public static native int mknodat(int dirfd, String pathname, int mode, long dev) throws LastErrorException;

  public static native int fchownat(int dirfd, String pathname, int owner, int group, int flags)
      throws LastErrorException;

  public static native int fchmodat(int dirfd, String pathname, int mode, int flags) throws LastErrorException;

  public static native int utimensat(int dirfd, String pathname, long[] times, int flags)
      throws LastErrorException;

  public static native long pwrite(int fd, Pointer buf, long count, long offset) throws LastErrorException;

  public static native int fsetxattr(int fd, String name, byte[] value, long size, int flags)
      throws LastErrorException;
}
