package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/** {@code <sys/xattr.h>}: the l* variants, which never follow a final symlink. */
public final class XattrLibC {
  static {
    Native.register(XattrLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private XattrLibC() {}

  public static native int lsetxattr(String path, String name, byte[] value, long size, int flags)
      throws LastErrorException;

  public static native long lgetxattr(String path, String name, byte[] value, long size)
      throws LastErrorException;

  public static native long llistxattr(String path, byte[] list, long size) throws LastErrorException;
}
