package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.net.internal.NetlinkSocket;
import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlAttrs;
import dev.containerj.net.internal.NlMessage;
import dev.containerj.net.internal.NlRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Netlink encoding and decoding without a kernel: requests against hand-laid bytes, and answers the
 * kernel really sent (captured by {@link CaptureNetlink} into {@code netlink-captured.txt}).
 */
class NetlinkCodecTest {
  private static final Map<String, byte[]> CAPTURED = new HashMap<>();

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = NetlinkCodecTest.class.getResourceAsStream("/netlink-captured.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (!line.startsWith("#") && line.contains("=")) {
          CAPTURED.put(line.substring(0, line.indexOf('=')), HexFormat.of().parseHex(line.substring(line.indexOf('=') + 1).trim()));
        }
      }
    }
    // captured on little-endian x86_64
    org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
        "not tested: the captured kernel answers are little-endian and this JVM is big-endian");
  }

  private static List<NlMessage> captured(String key) {
    return NlMessage.parseAll(ByteBuffer.wrap(CAPTURED.get(key)));
  }

  @Test
  void vethRequestIsLaidOutWithNestedAlignedAttributes() {
    byte[] bytes = VethPair.builder().name("cj0a").peer(p -> p.name("cj0b")).build().request().toBytes(1, 0);
    String expected = ""
        + "60000000" + "1000" + "0506" + "01000000" + "00000000"   // nlmsghdr: len 96, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1, port 0
        + "00000000000000000000000000000000"                      // ifinfomsg
        + "09000300" + "636a306100" + "000000"                    // IFLA_IFNAME "cj0a\0" + 3 bytes padding
        + "34001280"                                              // IFLA_LINKINFO, nested, 52 bytes
        + "09000100" + "7665746800" + "000000"                    //   IFLA_INFO_KIND "veth\0" + padding
        + "24000200"                                              //   IFLA_INFO_DATA, 36 bytes
        + "20000100"                                              //     VETH_INFO_PEER, 32 bytes
        + "00000000000000000000000000000000"                      //       ifinfomsg
        + "09000300" + "636a306200" + "000000";                   //       IFLA_IFNAME "cj0b\0"
    assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(expected);
  }

  @Test
  void attributesOfOddLengthArePaddedAndParseBack() {
    NlRequest req = NlRequest.of(Nl.RTM_NEWADDR, 0, "x").ifaddrmsg(Nl.AF_INET, 24, 0, 0, 7)
        .attrU8(9, 0xab).attr(1, new byte[] {10, 0, 0, 1}).attrString(3, "eth0");
    int nest = req.nestStart(20);
    req.attrU32(1, 0x01020304).nestEnd(nest);
    byte[] bytes = req.toBytes(5, 77);
    assertThat(bytes.length % 4).isZero();
    NlMessage m = NlMessage.parseAll(ByteBuffer.wrap(bytes)).get(0);
    assertThat(m.type()).isEqualTo(Nl.RTM_NEWADDR);
    assertThat(m.seq()).isEqualTo(5);
    assertThat(m.portId()).isEqualTo(77);
    ByteBuffer p = m.payload().position(Nl.IFADDRMSG_LEN);
    NlAttrs a = NlAttrs.parse(p);
    assertThat(a.get(9).u8()).isEqualTo(0xab);
    assertThat(a.bytes(1)).containsExactly(10, 0, 0, 1);
    assertThat(a.string(3)).isEqualTo("eth0");
    assertThat(a.get(20).nested().u32(1, 0)).isEqualTo(0x01020304);
    assertThat(a.all()).extracting(NlAttrs.Attr::type).containsExactly(9, 1, 3, 20);
  }

  @Test
  void malformedInputIsRejected() {
    byte[] bad = HexFormat.of().parseHex("ff000000100000000000000000000000");
    assertThatThrownBy(() -> NlMessage.parseAll(ByteBuffer.wrap(bad)))
        .hasMessage("malformed netlink message at offset 0: length 255, 16 bytes left");
    assertThatThrownBy(() -> NlAttrs.parse(ByteBuffer.wrap(HexFormat.of().parseHex("20000100aabb"))))
        .hasMessage("malformed netlink attribute at offset 0: length 32, 6 bytes left");
  }

  @Test
  void capturedLinkAnswerDecodes() {
    List<NlMessage> msgs = captured("getlink_lo.0");
    assertThat(msgs).hasSize(1);
    Link lo = Rtnetlink.parseLink(msgs.get(0));
    assertThat(lo.name()).isEqualTo("lo");
    assertThat(lo.index()).isEqualTo(1);
    assertThat(lo.mtu()).isEqualTo(65536);
    assertThat(lo.mac()).isEqualTo("00:00:00:00:00:00");
    assertThat(lo.up()).isTrue();
    assertThat(lo.loopback()).isTrue();
    assertThat(lo.kind()).isNull();
    // then the ACK: an NLMSG_ERROR with error 0, request capped to its header
    NlMessage ack = captured("getlink_lo.1").get(0);
    assertThat(ack.type()).isEqualTo(Nl.NLMSG_ERROR);
    assertThat(ack.payload().getInt(0)).isZero();
    assertThat(ack.flags() & Nl.NLM_F_CAPPED).isNotZero();
    assertThat(ack.seq()).isEqualTo(msgs.get(0).seq());
  }

  @Test
  void capturedAddressDumpDecodes() {
    List<NlMessage> msgs = captured("getaddr_dump.0");
    assertThat(msgs).allMatch(m -> m.type() == Nl.RTM_NEWADDR && (m.flags() & Nl.NLM_F_MULTI) != 0);
    LinkAddress first = Rtnetlink.parseAddress(msgs.get(0));
    assertThat(first.prefix()).hasToString("127.0.0.1/8");
    assertThat(first.scope()).isEqualTo(Nl.RT_SCOPE_HOST);
    assertThat(first.label()).isEqualTo("lo");
    assertThat(first.interfaceIndex()).isEqualTo(1);
    assertThat(msgs.stream().map(m -> Rtnetlink.parseAddress(m).prefix().toString())).contains("::1/128");
    NlMessage done = captured("getaddr_dump.1").get(0);
    assertThat(done.type()).isEqualTo(Nl.NLMSG_DONE);
  }

  @Test
  void capturedRouteDumpDecodes() {
    List<NlMessage> msgs = captured("getroute_dump.2");
    Route r = Rtnetlink.parseRoute(msgs.get(0), Map.of());
    assertThat(r).isNotNull();
    assertThat(r.destination()).hasToString("10.9.0.0/16");
    assertThat(r.gateway()).isNull();
    assertThat(r.scope()).isEqualTo(Nl.RT_SCOPE_LINK);
    assertThat(r.protocol()).isEqualTo(Nl.RTPROT_BOOT);
    assertThat(r.table()).isEqualTo(Nl.RT_TABLE_MAIN);
    assertThat(r.interfaceIndex()).isPositive();
  }

  @Test
  void capturedErrorsDecodeWithAndWithoutExtendedAck() {
    NlMessage eexist = captured("newlink_eexist.0").get(0);
    assertThat(eexist.type()).isEqualTo(Nl.NLMSG_ERROR);
    assertThat(-eexist.payload().getInt(0)).isEqualTo(17);
    assertThat(NetlinkSocket.extendedAck(eexist, true)).isNull();
    NlRequest req = NlRequest.of(Nl.RTM_NEWLINK, 0, "veth cj0a");
    assertThat(NetlinkSocket.error(req, 17, null)).hasMessage("RTM_NEWLINK veth cj0a: EEXIST (File exists)");

    List<NlMessage> route = captured("newroute_extack.2");
    NlMessage err = route.get(0);
    assertThat(-err.payload().getInt(0)).isEqualTo(101);
    assertThat(err.flags() & Nl.NLM_F_ACK_TLVS).isNotZero();
    String ack = NetlinkSocket.extendedAck(err, true);
    assertThat(ack).isEqualTo("Nexthop has invalid gateway");
    assertThat(NetlinkSocket.error(NlRequest.of(Nl.RTM_NEWROUTE, 0, "10.9.0.0/16 via 10.8.0.1 dev cj0a"), 101, ack))
        .hasMessage("RTM_NEWROUTE 10.9.0.0/16 via 10.8.0.1 dev cj0a: ENETUNREACH (Network is unreachable): Nexthop has invalid gateway");
  }
}
