package dev.containerj.net.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The attributes ({@code struct rtattr} / {@code nlattr}: u16 length, u16 type, value, padding to 4)
 * in a byte range. The type is read without the NLA_F_NESTED and NLA_F_NET_BYTEORDER bits. When a type
 * repeats, {@link #get} gives the first; {@link #all} gives every one.
 */
public final class NlAttrs {
  /** One attribute: type and a window on its value. */
  public record Attr(int type, ByteBuffer value) {
    public byte[] bytes() {
      ByteBuffer v = value.duplicate();
      byte[] out = new byte[v.remaining()];
      v.get(out);
      return out;
    }

    public int u32() {
      return value.order(ByteOrder.nativeOrder()).getInt(value.position());
    }

    public int u8() {
      return value.get(value.position()) & 0xff;
    }

    /** A string value without its trailing NUL. */
    public String string() {
      byte[] b = bytes();
      int n = b.length;
      while (n > 0 && b[n - 1] == 0) {
        n--;
      }
      return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** The attributes nested in this one. */
    public NlAttrs nested() {
      return NlAttrs.parse(value);
    }
  }

  private final List<Attr> attrs;

  private NlAttrs(List<Attr> attrs) {
    this.attrs = attrs;
  }

  /** Parses attributes from the buffer's position to its limit. */
  public static NlAttrs parse(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
    List<Attr> out = new ArrayList<>();
    while (b.remaining() >= 4) {
      int start = b.position();
      int len = b.getShort(start) & 0xffff;
      int type = (b.getShort(start + 2) & 0xffff) & Nl.NLA_TYPE_MASK;
      if (len < 4 || len > b.remaining()) {
        throw new IllegalArgumentException(
            "malformed netlink attribute at offset " + start + ": length " + len + ", " + b.remaining() + " bytes left");
      }
      ByteBuffer value = b.duplicate().order(ByteOrder.nativeOrder());
      value.position(start + 4).limit(start + len);
      out.add(new Attr(type, value.slice().order(ByteOrder.nativeOrder())));
      b.position(Math.min(b.limit(), start + Nl.align(len)));
    }
    return new NlAttrs(Collections.unmodifiableList(out));
  }

  public @Nullable Attr get(int type) {
    for (Attr a : attrs) {
      if (a.type() == type) {
        return a;
      }
    }
    return null;
  }

  public List<Attr> all() {
    return attrs;
  }

  public @Nullable String string(int type) {
    Attr a = get(type);
    return a == null ? null : a.string();
  }

  public int u32(int type, int fallback) {
    Attr a = get(type);
    return a == null ? fallback : a.u32();
  }

  public byte @Nullable [] bytes(int type) {
    Attr a = get(type);
    return a == null ? null : a.bytes();
  }
}
