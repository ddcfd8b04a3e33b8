package dev.containerj.cgroups.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc functions only the cgroup module needs, mirrored from their C prototypes with their C
 * names (JNA direct mapping, as {@code dev.containerj.linux.internal.LibC}).
 */
public final class CgroupLibC {
  static {
    Native.register(CgroupLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private CgroupLibC() {}

  // <sys/stat.h>
  public static native int mkdir(String pathname, int mode) throws LastErrorException;

  // <unistd.h>
  public static native int rmdir(String pathname) throws LastErrorException;

  public static native int access(String pathname, int mode) throws LastErrorException;

  public static native long pread(int fd, byte[] buf, long count, long offset) throws LastErrorException;

  // <sys/inotify.h>
  public static native int inotify_init1(int flags) throws LastErrorException;

  public static native int inotify_add_watch(int fd, String pathname, int mask)
      throws LastErrorException;

  public static native int inotify_rm_watch(int fd, int wd) throws LastErrorException;

  // <poll.h>: struct pollfd { int fd; short events; short revents; } is 8 bytes on every arch.
  public static native int poll(Pointer fds, long nfds, int timeout) throws LastErrorException;

  /** Constants of the headers above (inotify(7), poll(2), access(2)). */
  public static final int IN_NONBLOCK = 04000;
  public static final int IN_CLOEXEC = 02000000;
  public static final int IN_MODIFY = 0x00000002;
  public static final int IN_IGNORED = 0x00008000;
  public static final short POLLIN = 0x001;
  public static final short POLLPRI = 0x002;
  public static final short POLLERR = 0x008;
  public static final short POLLHUP = 0x010;
  public static final short POLLNVAL = 0x020;
  public static final int W_OK = 2;
  public static final int EBUSY = 16;
  public static final int ENODEV = 19;
  public static final int EOPNOTSUPP = 95;
}
