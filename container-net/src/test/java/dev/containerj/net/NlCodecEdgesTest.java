package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlAttrs;
import dev.containerj.net.internal.NlMessage;
import dev.containerj.net.internal.NlRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The netlink codec at its edges: each writer at the very end of a full buffer (it must grow first),
 * header-only messages and empty attributes, the parsed header fields, the kernel's type names that
 * error messages show.
 */
class NlCodecEdgesTest {
  /** A request whose 256-byte buffer has exactly 4 bytes left, so any further write must grow it. */
  static NlRequest almostFull() {
    NlRequest r = NlRequest.of(Nl.RTM_NEWLINK, 0, "edge");
    r.attr(1, new byte[229]); // 16 + 4 + 229 padded to 16 + 236 = 252 of 256
    return r;
  }


  @Test
  void everyWriterGrowsAFullBufferAndWritesItsBytes() {
    List<Consumer<NlRequest>> writers = List.of(
        r -> r.ifinfomsg(Nl.AF_UNSPEC, 7, Nl.IFF_UP, Nl.IFF_UP),
        r -> r.ifaddrmsg(Nl.AF_INET, 24, 0, Nl.RT_SCOPE_UNIVERSE, 7),
        r -> r.rtmsg(Nl.AF_INET, 24, Nl.RT_TABLE_MAIN, Nl.RTPROT_BOOT, Nl.RT_SCOPE_LINK, Nl.RTN_UNICAST, 0),
        r -> r.attrU8(9, 0xab),
        r -> r.attrU32(9, 0x01020304),
        r -> r.nestEnd(r.nestStart(9)),
        r -> r.nestEnd(r.nestStartLegacy(9)));
    int[] sizes = {16, 8, 12, 8, 8, 4, 4};
    for (int i = 0; i < writers.size(); i++) {
      NlRequest r = almostFull();
      writers.get(i).accept(r);
      byte[] bytes = r.toBytes(1, 2);
      assertThat(bytes).as("writer %d", i).hasSize(252 + sizes[i]);
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
      assertThat(b.getInt(0)).isEqualTo(252 + sizes[i]);
      // the first 252 bytes are the attribute, unchanged by the growth
      assertThat(b.getShort(16) & 0xffff).isEqualTo(233);
      assertThat(b.getShort(18)).isEqualTo((short) 1);
    }
    NlRequest u8 = almostFull().attrU8(9, 0xab);
    ByteBuffer b = ByteBuffer.wrap(u8.toBytes(1, 2)).order(ByteOrder.nativeOrder());
    assertThat(b.getShort(252)).as("nla_len of a u8").isEqualTo((short) 5);
    assertThat(b.get(256) & 0xff).isEqualTo(0xab);
    NlRequest nested = almostFull();
    nested.nestEnd(nested.nestStart(9));
    ByteBuffer n = ByteBuffer.wrap(nested.toBytes(1, 2)).order(ByteOrder.nativeOrder());
    assertThat(n.getShort(254) & 0xffff).isEqualTo(9 | Nl.NLA_F_NESTED);
    NlRequest legacy = almostFull();
    legacy.nestEnd(legacy.nestStartLegacy(9));
    assertThat(ByteBuffer.wrap(legacy.toBytes(1, 2)).order(ByteOrder.nativeOrder()).getShort(254)).isEqualTo((short) 9);
  }

  @Test
  void aHeaderOnlyMessageAndItsFieldsParse() {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    b.putInt(16).putShort((short) Nl.NLMSG_DONE).putShort((short) (Nl.NLM_F_MULTI | 0x8000)).putInt(77).putInt(1234);
    b.flip();
    List<NlMessage> ms = NlMessage.parseAll(b);
    assertThat(ms).hasSize(1);
    NlMessage m = ms.get(0);
    assertThat(m.type()).isEqualTo(Nl.NLMSG_DONE);
    assertThat(m.flags()).as("flags, unsigned").isEqualTo(Nl.NLM_F_MULTI | 0x8000);
    assertThat(m.seq()).isEqualTo(77);
    assertThat(m.portId()).isEqualTo(1234);
    assertThat(m.payload().remaining()).isZero();
    assertThat(m.toString()).isEqualTo("NLMSG_DONE(flags=0x8002, seq=77, 0 bytes)");
  }

  @Test
  void anEmptyAttributeAtTheEndIsParsedAndIsTheEmptyString() {
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
    b.putShort((short) 8).putShort((short) 3).put(new byte[] {'a', 'b', 0, 0}); // "ab\0" padded
    b.putShort((short) 4).putShort((short) (5 | Nl.NLA_F_NESTED)); // empty, the buffer's last 4 bytes
    b.flip();
    NlAttrs attrs = NlAttrs.parse(b);
    assertThat(attrs.all()).extracting(NlAttrs.Attr::type).containsExactly(3, 5);
    assertThat(attrs.string(3)).isEqualTo("ab");
    assertThat(attrs.get(5).string()).isEmpty();
    assertThat(attrs.get(5).bytes()).isEmpty();
  }

  @Test
  void aRequestKeepsItsTypeFlagsAndDescription() {
    NlRequest r = NlRequest.of(Nl.RTM_DELLINK, Nl.NLM_F_ACK, "veth cj0a");
    assertThat(r.type()).isEqualTo(Nl.RTM_DELLINK);
    assertThat(r.flags()).isEqualTo(Nl.NLM_F_ACK | Nl.NLM_F_REQUEST);
    assertThat(r.description()).isEqualTo("veth cj0a");
  }

  @Test
  void typeNamesAreTheKernels() {
    int[] types = {Nl.RTM_NEWLINK, Nl.RTM_DELLINK, Nl.RTM_GETLINK, Nl.RTM_SETLINK, Nl.RTM_NEWADDR, Nl.RTM_DELADDR,
        Nl.RTM_GETADDR, Nl.RTM_NEWROUTE, Nl.RTM_DELROUTE, Nl.RTM_GETROUTE, Nl.NLMSG_ERROR, Nl.NLMSG_DONE, 99};
    String[] names = {"RTM_NEWLINK", "RTM_DELLINK", "RTM_GETLINK", "RTM_SETLINK", "RTM_NEWADDR", "RTM_DELADDR",
        "RTM_GETADDR", "RTM_NEWROUTE", "RTM_DELROUTE", "RTM_GETROUTE", "NLMSG_ERROR", "NLMSG_DONE", "type 99"};
    for (int i = 0; i < types.length; i++) {
      assertThat(Nl.typeName(types[i])).isEqualTo(names[i]);
    }
  }
}
