package dev.containerj.net.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/** {@code <sched.h>} and {@code <unistd.h>} functions not in the shared LibC, with their C names. */
public final class SchedLibC {
  static {
    Native.register(SchedLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private SchedLibC() {}

  /** unshare(2): affects only the calling thread's network namespace for CLONE_NEWNET. */
  public static native int unshare(int flags) throws LastErrorException;

  public static native int unlink(String pathname) throws LastErrorException;
}
