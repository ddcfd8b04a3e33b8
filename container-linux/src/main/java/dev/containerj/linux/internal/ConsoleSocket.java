package dev.containerj.linux.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The OCI runtimes' console socket (runc's {@code --console-socket}, runtime-spec runtime.md): the
 * client listens on a unix stream socket, the runtime connects to it and sends the master of the
 * container's pty as one SCM_RIGHTS message (unix(7)) whose bytes are the terminal's name, and the
 * client (conmon, containerd's shim) owns the master from then on.
 */
public final class ConsoleSocket {
  static {
    Native.register(ConsoleSocket.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private static final int SOCK_STREAM = 1;
  /** sockaddr_un's sun_path is 108 bytes with its NUL (unix(7)). */
  private static final int SUN_PATH = 108;
  /** TIOCGPTN (asm-generic/ioctls.h, _IOR('T', 0x30, unsigned int)): the number of a master's slave. */
  private static final long TIOCGPTN = 0x80045430L;

  private ConsoleSocket() {}

  private static native int socket(int domain, int type, int protocol) throws LastErrorException;

  private static native int connect(int fd, Pointer addr, int len) throws LastErrorException;

  /**
   * Connects to the unix socket at {@code socket} and sends {@code master} on it.
   *
   * @param socket the path of the client's listening unix stream socket
   * @param master a pty master descriptor of this process; it stays open here (the caller closes it)
   * @throws IOException when the socket cannot be reached or the send fails
   */
  public static void send(Path socket, int master) throws IOException {
    String name = "/dev/pts/" + slaveNumber(master);
    int sock;
    try {
      sock = socket(TtyLibC.AF_UNIX, SOCK_STREAM | Constants.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new IOException("socket(AF_UNIX) failed: " + dev.containerj.linux.Errno.describe(e.getErrorCode()), e);
    }
    int pathFd = -1;
    try {
      String path = socket.toString();
      if (path.getBytes(StandardCharsets.UTF_8).length >= SUN_PATH) {
        // A path longer than sun_path is reached through an O_PATH descriptor of it, as runc does.
        pathFd = LibC.open(path, Constants.O_PATH | Constants.O_CLOEXEC, 0);
        path = "/proc/self/fd/" + pathFd;
      }
      byte[] p = path.getBytes(StandardCharsets.UTF_8);
      Memory addr = new Memory(2 + SUN_PATH); // struct sockaddr_un
      addr.clear();
      addr.setShort(0, (short) TtyLibC.AF_UNIX);
      addr.write(2, p, 0, p.length);
      connect(sock, addr, 2 + p.length + 1);
      byte[] data = name.getBytes(StandardCharsets.UTF_8);
      long n = TtyLibC.sendFds(sock, data, new int[] {master});
      if (n != data.length) {
        throw new IOException("console socket " + socket + ": short send (" + n + " of " + data.length + " bytes)");
      }
    } catch (LastErrorException e) {
      throw new IOException("console socket " + socket + ": " + dev.containerj.linux.Errno.describe(e.getErrorCode()), e);
    } finally {
      if (pathFd >= 0) {
        LibC.close(pathFd);
      }
      LibC.close(sock);
    }
  }

  private static int slaveNumber(int master) throws IOException {
    Memory n = new Memory(4);
    try {
      TtyLibC.ioctl(master, TIOCGPTN, n);
    } catch (LastErrorException e) {
      throw new IOException("fd " + master + " is not a pty master: " + dev.containerj.linux.Errno.describe(e.getErrorCode()), e);
    }
    return n.getInt(0);
  }
}
