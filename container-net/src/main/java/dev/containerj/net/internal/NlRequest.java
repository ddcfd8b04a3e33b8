package dev.containerj.net.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one netlink request: the 16-byte {@code nlmsghdr}, a family header ({@code ifinfomsg},
 * {@code ifaddrmsg}, {@code rtmsg}) and attributes, each padded to 4 bytes; nested attributes get
 * their length patched when they end. Host byte order, as the kernel expects (netlink(7)).
 */
public final class NlRequest {
  private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
  private final int type;
  private final int flags;
  private final String description;

  private NlRequest(int type, int flags, String description) {
    this.type = type;
    this.flags = flags;
    this.description = description;
    buf.position(Nl.NLMSG_HDRLEN);
  }

  /**
   * A request of {@code type} with {@code flags} (NLM_F_REQUEST is added); {@code description} names
   * what it acts on, for error messages ("veth cj0a").
   */
  public static NlRequest of(int type, int flags, String description) {
    return new NlRequest(type, flags | Nl.NLM_F_REQUEST, description);
  }

  public int type() {
    return type;
  }

  public int flags() {
    return flags;
  }

  public String description() {
    return description;
  }

  /** {@code struct ifinfomsg}: family, type, index, flags, change. */
  public NlRequest ifinfomsg(int family, int index, int ifFlags, int change) {
    ensure(Nl.IFINFOMSG_LEN);
    buf.put((byte) family).put((byte) 0).putShort((short) 0).putInt(index).putInt(ifFlags).putInt(change);
    return this;
  }

  /** {@code struct ifaddrmsg}: family, prefix length, flags, scope, index. */
  public NlRequest ifaddrmsg(int family, int prefixLength, int ifaFlags, int scope, int index) {
    ensure(Nl.IFADDRMSG_LEN);
    buf.put((byte) family).put((byte) prefixLength).put((byte) ifaFlags).put((byte) scope).putInt(index);
    return this;
  }

  /** {@code struct rtmsg}. */
  public NlRequest rtmsg(int family, int dstLen, int table, int protocol, int scope, int rtType, int rtFlags) {
    ensure(Nl.RTMSG_LEN);
    buf.put((byte) family).put((byte) dstLen).put((byte) 0).put((byte) 0)
        .put((byte) table).put((byte) protocol).put((byte) scope).put((byte) rtType).putInt(rtFlags);
    return this;
  }

  public NlRequest attr(int attrType, byte[] value) {
    int len = 4 + value.length;
    ensure(Nl.align(len));
    buf.putShort((short) len).putShort((short) attrType).put(value);
    pad();
    return this;
  }

  public NlRequest attrU32(int attrType, int value) {
    ensure(8);
    buf.putShort((short) 8).putShort((short) attrType).putInt(value);
    return this;
  }

  public NlRequest attrU8(int attrType, int value) {
    ensure(8);
    buf.putShort((short) 5).putShort((short) attrType).put((byte) value);
    pad();
    return this;
  }

  /** A NUL-terminated string attribute (NLA_NUL_STRING / NLA_STRING both accept it). */
  public NlRequest attrString(int attrType, String value) {
    byte[] s = value.getBytes(StandardCharsets.UTF_8);
    return attr(attrType, Arrays.copyOf(s, s.length + 1));
  }

  /** Starts a nested attribute; pass the returned mark to {@link #nestEnd}. */
  public int nestStart(int attrType) {
    ensure(4);
    int mark = buf.position();
    buf.putShort((short) 0).putShort((short) (attrType | Nl.NLA_F_NESTED));
    return mark;
  }

  /** Starts a nested attribute without NLA_F_NESTED (IFLA_INFO_DATA and VETH_INFO_PEER predate it). */
  public int nestStartLegacy(int attrType) {
    ensure(4);
    int mark = buf.position();
    buf.putShort((short) 0).putShort((short) attrType);
    return mark;
  }

  public NlRequest nestEnd(int mark) {
    buf.putShort(mark, (short) (buf.position() - mark));
    return this;
  }

  /** The finished message with its header filled in. */
  public byte[] toBytes(int seq, int portId) {
    int len = buf.position();
    buf.putInt(0, len);
    buf.putShort(4, (short) type);
    buf.putShort(6, (short) flags);
    buf.putInt(8, seq);
    buf.putInt(12, portId);
    return Arrays.copyOf(buf.array(), len);
  }

  private void pad() {
    while ((buf.position() & 3) != 0) {
      buf.put((byte) 0);
    }
  }

  private void ensure(int more) {
    if (buf.remaining() < more + 4) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more + 64))
          .order(ByteOrder.nativeOrder());
      bigger.put(buf.array(), 0, buf.position());
      buf = bigger;
    }
  }
}
