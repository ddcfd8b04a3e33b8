package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/** {@code <unistd.h>} functions beyond container-linux's {@code LibC}. */
public final class UnistdLibC {
  static {
    Native.register(UnistdLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private UnistdLibC() {}

  /** Changes the owner of a path without following a final symlink. */
  public static native int lchown(String pathname, int owner, int group) throws LastErrorException;

  /** chown through an open descriptor: no path lookup, and never a symlink. */
  public static native int fchown(int fd, int owner, int group) throws LastErrorException;

  /** Sets a file's size; growing it leaves a hole (how a sparse file gets its trailing hole). */
  public static native int ftruncate(int fd, long length) throws LastErrorException;

  /**
   * faccessat(2) declared without {@code LastErrorException}: it returns -1 instead of throwing, a
   * cheap existence probe on the unpack path where most names do not exist yet.
   */
  public static native int faccessat(int dirfd, String pathname, int mode, int flags);

  public static final int F_OK = 0;
}
