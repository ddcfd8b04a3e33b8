package dev.containerj.linux.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Terminals, descriptor checks and descriptor passing: {@code <termios.h>}, {@code <sys/ioctl.h>},
 * {@code <poll.h>}, {@code <sys/socket.h>} and {@code <sys/stat.h>}, with their C names, plus the few
 * helpers that the stdio rules, the pty of {@code Redirect.tty()} and the CLI's terminal relay share.
 * Structure offsets are those of the 64-bit Linux ABIs (x86_64, aarch64), the only ones supported.
 */
public final class TtyLibC {
  static {
    Native.register(TtyLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private TtyLibC() {}

  // <sys/ioctl.h>, asm-generic/ioctls.h (the same numbers on x86_64 and aarch64)
  public static final long TCGETS = 0x5401;
  public static final long TCSETS = 0x5402;
  public static final long TIOCSTI = 0x5412;
  public static final long TIOCGWINSZ = 0x5413;
  public static final long TIOCSWINSZ = 0x5414;
  public static final long TIOCLINUX = 0x541C;

  // <termios.h>
  public static final int TCSANOW = 0;
  public static final int TCSADRAIN = 1;
  /** glibc's struct termios is 60 bytes; room to spare. */
  public static final int TERMIOS_SIZE = 64;

  // <poll.h>
  public static final short POLLIN = 0x1;
  public static final short POLLOUT = 0x4;
  public static final short POLLERR = 0x8;
  public static final short POLLHUP = 0x10;
  public static final short POLLNVAL = 0x20;

  // <sys/socket.h>
  public static final int AF_UNIX = 1;
  public static final int SOCK_SEQPACKET = 5;
  public static final int SOL_SOCKET = 1;
  public static final int SCM_RIGHTS = 1;
  public static final int MSG_DONTWAIT = 0x40;
  public static final int MSG_CMSG_CLOEXEC = 0x40000000;

  // <fcntl.h>
  public static final int F_GETFL = 3;

  // <sys/stat.h>
  public static final int AT_EMPTY_PATH = 0x1000;
  public static final int STATX_TYPE = 0x1;
  public static final int S_IFMT = 0170000;
  public static final int S_IFDIR = 0040000;

  public static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

  public static native int isatty(int fd);

  public static native int tcgetattr(int fd, Pointer termios) throws LastErrorException;

  public static native int tcsetattr(int fd, int optionalActions, Pointer termios) throws LastErrorException;

  public static native void cfmakeraw(Pointer termios);

  public static native int poll(Pointer fds, long nfds, int timeout) throws LastErrorException;

  public static native int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

  public static native long recvmsg(int sockfd, Pointer msg, int flags) throws LastErrorException;

  public static native long sendmsg(int sockfd, Pointer msg, int flags) throws LastErrorException;

  public static native int statx(int dirfd, String pathname, int flags, int mask, Pointer statxbuf)
      throws LastErrorException;

  /** One statx buffer per thread: a fresh native allocation costs more than the call (start path). */
  private static final ThreadLocal<Memory> STATX_BUFFER = ThreadLocal.withInitial(() -> new Memory(256));

  /** Whether {@code fd} is a directory (statx(2) on the descriptor itself, O_PATH ones included). */
  public static boolean isDirectory(int fd) throws LastErrorException {
    Memory buf = STATX_BUFFER.get(); // struct statx; stx_mode (u16) at offset 28
    statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, buf);
    return (buf.getShort(28) & S_IFMT) == S_IFDIR;
  }

  /** The window size of terminal {@code fd} as {columns, rows}, or null when it is not a terminal. */
  public static int @org.jspecify.annotations.Nullable [] windowSize(int fd) {
    Memory ws = new Memory(8); // struct winsize: u16 ws_row, ws_col, ws_xpixel, ws_ypixel
    try {
      ioctl(fd, TIOCGWINSZ, ws);
    } catch (LastErrorException e) {
      return null;
    }
    return new int[] {ws.getShort(2) & 0xffff, ws.getShort(0) & 0xffff};
  }

  /** Sets the window size of terminal {@code fd} (the pty's master: the payload gets SIGWINCH). */
  public static void setWindowSize(int fd, int columns, int rows) throws LastErrorException {
    Memory ws = new Memory(8);
    ws.clear();
    ws.setShort(0, (short) rows);
    ws.setShort(2, (short) columns);
    ioctl(fd, TIOCSWINSZ, ws);
  }

  /**
   * Waits up to {@code timeoutMillis} for {@code events} on {@code fd}; returns the revents (0 on
   * timeout or EINTR).
   */
  public static short pollOne(int fd, short events, int timeoutMillis) throws LastErrorException {
    Memory p = new Memory(8); // struct pollfd: int fd, short events, short revents
    p.setInt(0, fd);
    p.setShort(4, events);
    p.setShort(6, (short) 0);
    try {
      if (poll(p, 1, timeoutMillis) <= 0) {
        return 0;
      }
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.EINTR) {
        return 0;
      }
      throw e;
    }
    return p.getShort(6);
  }

  /**
   * Receives one descriptor sent with SCM_RIGHTS on {@code sock} (unix(7)), close-on-exec, without
   * waiting; -1 when none is queued.
   */
  public static int receiveFd(int sock) throws LastErrorException {
    Memory data = new Memory(1);
    Memory iov = new Memory(16); // struct iovec: void *base, size_t len
    iov.setPointer(0, data);
    iov.setLong(8, 1);
    Memory control = new Memory(24); // CMSG_SPACE(sizeof(int)): 16-byte header + int, aligned to 8
    control.clear();
    Memory msg = new Memory(56); // struct msghdr
    msg.clear();
    msg.setPointer(16, iov); // msg_iov
    msg.setLong(24, 1); // msg_iovlen
    msg.setPointer(32, control); // msg_control
    msg.setLong(40, 24); // msg_controllen
    long n;
    try {
      n = recvmsg(sock, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.EAGAIN) {
        return -1;
      }
      throw e;
    }
    if (n <= 0 || msg.getLong(40) < 20 || control.getInt(8) != SOL_SOCKET || control.getInt(12) != SCM_RIGHTS) {
      return -1;
    }
    return control.getInt(16);
  }

  /**
   * Sends {@code data} with the descriptors {@code fds} attached (SCM_RIGHTS, unix(7)) on
   * {@code sock}, in one sendmsg(2); returns the bytes sent (a stream socket may take fewer: the
   * caller writes the rest, the descriptors ride on the first byte).
   */
  public static long sendFds(int sock, byte[] data, int[] fds) throws LastErrorException {
    Memory buf = new Memory(Math.max(1, data.length));
    buf.write(0, data, 0, data.length);
    Memory iov = new Memory(16); // struct iovec: void *base, size_t len
    iov.setPointer(0, buf);
    iov.setLong(8, data.length);
    int len = 16 + 4 * fds.length; // CMSG_LEN: 16-byte header + the ints
    int space = (len + 7) & ~7; // CMSG_SPACE: aligned to 8
    Memory control = new Memory(space);
    control.clear();
    control.setLong(0, len); // cmsg_len
    control.setInt(8, SOL_SOCKET);
    control.setInt(12, SCM_RIGHTS);
    for (int i = 0; i < fds.length; i++) {
      control.setInt(16 + 4L * i, fds[i]);
    }
    Memory msg = new Memory(56); // struct msghdr
    msg.clear();
    msg.setPointer(16, iov); // msg_iov
    msg.setLong(24, 1); // msg_iovlen
    msg.setPointer(32, control); // msg_control
    msg.setLong(40, space); // msg_controllen
    return sendmsg(sock, msg, 0x4000); // MSG_NOSIGNAL: a dead peer is EPIPE, not a signal
  }
}
