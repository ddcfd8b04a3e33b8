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

  /** makedev(3) for the Linux encoding. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }
}
