package dev.containerj.net.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: header fields and the payload after the 16-byte header. The payload
 * is a read-only little window into a copy owned by this message, so it outlives the receive buffer.
 */
public final class NlMessage {
  private final int type;
  private final int flags;
  private final int seq;
  private final int portId;
  private final ByteBuffer payload;

  public NlMessage(int type, int flags, int seq, int portId, ByteBuffer payload) {
    this.type = type;
    this.flags = flags;
    this.seq = seq;
    this.portId = portId;
    this.payload = payload.order(ByteOrder.nativeOrder());
  }

  public int type() {
    return type;
  }

  public int flags() {
    return flags;
  }

  public int seq() {
    return seq;
  }

  public int portId() {
    return portId;
  }

  /** The payload, positioned at 0 (a fresh duplicate on each call). */
  public ByteBuffer payload() {
    return payload.duplicate().order(ByteOrder.nativeOrder());
  }

  /**
   * Splits a datagram as received from a netlink socket into messages (a datagram may hold several,
   * each aligned to 4 bytes). Throws {@link IllegalArgumentException} on a truncated or malformed one.
   */
  public static List<NlMessage> parseAll(ByteBuffer datagram) {
    ByteBuffer b = datagram.duplicate().order(ByteOrder.nativeOrder());
    List<NlMessage> out = new ArrayList<>();
    while (b.remaining() >= Nl.NLMSG_HDRLEN) {
      int start = b.position();
      int len = b.getInt(start);
      if (len < Nl.NLMSG_HDRLEN || len > b.remaining()) {
        throw new IllegalArgumentException(
            "malformed netlink message at offset " + start + ": length " + len + ", " + b.remaining() + " bytes left");
      }
      int type = b.getShort(start + 4) & 0xffff;
      int flags = b.getShort(start + 6) & 0xffff;
      int seq = b.getInt(start + 8);
      int pid = b.getInt(start + 12);
      byte[] body = new byte[len - Nl.NLMSG_HDRLEN];
      b.position(start + Nl.NLMSG_HDRLEN);
      b.get(body);
      out.add(new NlMessage(type, flags, seq, pid, ByteBuffer.wrap(body)));
      b.position(Math.min(b.limit(), start + Nl.align(len)));
    }
    return out;
  }

  @Override
  public String toString() {
    return Nl.typeName(type) + "(flags=0x" + Integer.toHexString(flags) + ", seq=" + seq + ", " + payload.capacity() + " bytes)";
  }
}
