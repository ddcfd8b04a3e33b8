package dev.containerj.net.internal;

import org.jspecify.annotations.Nullable;
import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.nio.ByteBuffer;

/**
 * {@code <sys/socket.h>} functions for netlink sockets, JNA direct-mapped with their C names. Buffers
 * passed here must be direct {@link ByteBuffer}s (JNA hands their address to C without copying).
 */
public final class SocketLibC {
  static {
    Native.register(SocketLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private SocketLibC() {}

  public static native int socket(int domain, int type, int protocol) throws LastErrorException;

  public static native int bind(int sockfd, byte[] addr, int addrlen) throws LastErrorException;

  public static native int getsockname(int sockfd, byte[] addr, int[] addrlen) throws LastErrorException;

  public static native int setsockopt(int sockfd, int level, int optname, int[] optval, int optlen)
      throws LastErrorException;

  public static native long sendto(int sockfd, ByteBuffer buf, long len, int flags, byte[] destAddr,
      int addrlen) throws LastErrorException;

  public static native long recvfrom(int sockfd, ByteBuffer buf, long len, int flags, byte @Nullable [] srcAddr,
      int @Nullable [] addrlen) throws LastErrorException;
}
