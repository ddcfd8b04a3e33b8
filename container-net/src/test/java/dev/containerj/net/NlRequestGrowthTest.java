package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlAttrs;
import dev.containerj.net.internal.NlMessage;
import dev.containerj.net.internal.NlRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Requests longer than the initial 256-byte buffer: every attribute survives the growth. */
class NlRequestGrowthTest {
  @Test
  void aRequestGrowsPastItsFirstBufferAndKeepsEveryAttribute() {
    NlRequest req = NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, "big").ifinfomsg(0, 3, 0, 0);
    byte[] big = new byte[1000];
    Arrays.fill(big, (byte) 0x5a);
    req.attr(1, big);
    int nest = req.nestStart(2);
    for (int i = 0; i < 200; i++) {
      req.attrU32(i, i * 7);
    }
    req.nestEnd(nest);
    int legacy = req.nestStartLegacy(4);
    for (int i = 0; i < 100; i++) {
      req.attrU8(i, i).attrString(1000 + i, "s" + i);
    }
    req.nestEnd(legacy);
    byte[] bytes = req.toBytes(9, 42);
    int expected = 16 + 16 + (4 + 1000) + (4 + 200 * 8) + (4 + 100 * 8) + sumStrings();
    assertThat(bytes).hasSize(expected);
    ByteBuffer hdr = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    assertThat(hdr.getInt(0)).as("nlmsg_len").isEqualTo(expected);
    assertThat(hdr.getShort(4)).isEqualTo((short) Nl.RTM_NEWLINK);
    assertThat(hdr.getShort(6)).isEqualTo((short) (Nl.NLM_F_ACK | Nl.NLM_F_REQUEST));

    NlMessage m = NlMessage.parseAll(ByteBuffer.wrap(bytes)).get(0);
    assertThat(m.seq()).isEqualTo(9);
    assertThat(m.portId()).isEqualTo(42);
    ByteBuffer p = m.payload().position(Nl.IFINFOMSG_LEN);
    NlAttrs a = NlAttrs.parse(p);
    assertThat(a.bytes(1)).isEqualTo(big);
    // the nest's type carries NLA_F_NESTED, the legacy nest's does not (raw bytes; parse masks it)
    assertThat(hdr.getShort(32 + 1004 + 2)).isEqualTo((short) (2 | Nl.NLA_F_NESTED));
    assertThat(hdr.getShort(32 + 1004 + 4 + 1600 + 2)).isEqualTo((short) 4);
    assertThat(hdr.getShort(32 + 1004) & 0xffff).as("nest length").isEqualTo(4 + 1600);
    NlAttrs nested = a.get(2).nested();
    assertThat(nested.all()).hasSize(200);
    for (int i = 0; i < 200; i++) {
      assertThat(nested.u32(i, -1)).as("nested u32 %d", i).isEqualTo(i * 7);
    }
    NlAttrs old = a.get(4).nested();
    assertThat(old.all()).hasSize(200);
    assertThat(old.get(99).u8()).isEqualTo(99);
    assertThat(old.string(1099)).isEqualTo("s99");
  }

  private static int sumStrings() {
    int n = 0;
    for (int i = 0; i < 100; i++) {
      n += Nl.align(4 + ("s" + i).length() + 1);
    }
    return n;
  }
}
