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

  public static native long sysconf(int name);

  public static final int _SC_PAGESIZE = 30;
}
