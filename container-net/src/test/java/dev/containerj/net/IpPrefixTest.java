package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.InvalidValueException;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Prefix arithmetic and parsing, pure Java. */
class IpPrefixTest {
  private static IpPrefix p(String s) {
    return IpPrefix.parse(s);
  }

  @Test
  void overlapsOnlyWhenTheNetworksShareAnAddress() {
    assertThat(p("10.0.0.0/8").overlaps(p("10.1.0.0/16"))).isTrue();
    assertThat(p("10.1.0.0/16").overlaps(p("10.0.0.0/8"))).isTrue();
    assertThat(p("10.1.0.0/16").overlaps(p("10.1.0.0/16"))).isTrue();
    assertThat(p("10.1.0.0/16").overlaps(p("10.2.0.0/16"))).isFalse();
    assertThat(p("10.2.0.0/16").overlaps(p("10.1.0.0/16"))).isFalse();
    assertThat(p("10.1.0.0/24").overlaps(p("10.1.1.0/24"))).isFalse();
    assertThat(p("10.1.0.0/23").overlaps(p("10.1.1.0/24"))).isTrue();
    assertThat(p("0.0.0.0/0").overlaps(p("192.168.1.1/32"))).isTrue();
    // different families never overlap
    assertThat(p("10.0.0.0/8").overlaps(p("::/0"))).isFalse();
    assertThat(p("fd00::/8").overlaps(p("fd00:1::/32"))).isTrue();
    assertThat(p("fd00::/16").overlaps(p("fd01::/16"))).isFalse();
  }

  @Test
  void containsComparesTheNetworkBitsOfTheSameFamily() {
    IpPrefix net = p("192.168.4.0/22");
    assertThat(net.contains(IpPrefix.parseAddress("192.168.4.0"))).isTrue();
    assertThat(net.contains(IpPrefix.parseAddress("192.168.7.255"))).isTrue();
    assertThat(net.contains(IpPrefix.parseAddress("192.168.8.0"))).isFalse();
    assertThat(net.contains(IpPrefix.parseAddress("192.168.3.255"))).isFalse();
    assertThat(net.contains(IpPrefix.parseAddress("::ffff:1"))).isFalse();
    assertThat(p("::/0").contains(IpPrefix.parseAddress("10.0.0.1"))).isFalse();
  }

  @Test
  void arithmetic() {
    IpPrefix net = p("10.9.8.77/29");
    assertThat(net.network()).hasToString("10.9.8.72/29");
    assertThat(net.size()).isEqualTo(BigInteger.valueOf(8));
    assertThat(p("10.0.0.0/0").size()).isEqualTo(BigInteger.ONE.shiftLeft(32));
    assertThat(p("fd00::/64").size()).isEqualTo(BigInteger.ONE.shiftLeft(64));
    assertThat(IpPrefix.addressString(net.addressAt(BigInteger.ONE))).isEqualTo("10.9.8.73");
    assertThat(IpPrefix.addressString(net.addressAt(BigInteger.valueOf(7)))).isEqualTo("10.9.8.79");
    assertThat(net.offsetOf(IpPrefix.parseAddress("10.9.8.79"))).isEqualTo(BigInteger.valueOf(7));
    assertThat(IpPrefix.addressString(p("fd00::/64").addressAt(BigInteger.valueOf(0x10002)))).isEqualTo("fd00::1:2");
    assertThat(IpPrefix.addressString(p("255.255.255.0/24").addressAt(BigInteger.valueOf(255)))).isEqualTo("255.255.255.255");
    assertThat(net.isIpv4()).isTrue();
    assertThat(p("fd00::1/64").isIpv4()).isFalse();
    assertThat(net.prefixLength()).isEqualTo(29);
    assertThat(IpPrefix.addressString(net.address())).isEqualTo("10.9.8.77");
  }

  @Test
  void parsingAndPrinting() {
    assertThat(p("10.0.0.1")).hasToString("10.0.0.1/32");
    assertThat(p("fd00::1")).hasToString("fd00::1/128");
    assertThat(p("fd00:0:0:1:0:0:0:1/64")).hasToString("fd00:0:0:1::1/64");
    assertThat(p("0:0:1:0:0:1:0:0/64")).hasToString("::1:0:0:1:0:0/64");
    assertThat(p("1:0:1:0:1:0:1:0/64")).hasToString("1:0:1:0:1:0:1:0/64");
    assertThat(p("::/0")).hasToString("::/0");
    assertThat(p("10.0.0.0/8")).isEqualTo(p("10.0.0.0/8")).hasSameHashCodeAs(p("10.0.0.0/8"))
        .isNotEqualTo(p("10.0.0.0/9")).isNotEqualTo(p("10.0.0.1/8")).isNotEqualTo("10.0.0.0/8");
    assertThatThrownBy(() -> p("10.0.0.0/33")).isInstanceOf(InvalidValueException.class)
        .hasMessage("prefix length must be 0..32 for IPv4: 33");
    assertThatThrownBy(() -> p("fd00::/129")).hasMessage("prefix length must be 0..128 for IPv6: 129");
    assertThatThrownBy(() -> p("10.0.0.0/-1")).hasMessage("prefix length must be 0..32 for IPv4: -1");
    assertThatThrownBy(() -> p("10.0.0.0/x")).hasMessage("prefix length must be a number: 10.0.0.0/x");
    for (String bad : new String[] {"10.0.0", "10.0.0.0.1", "10.0..1", "10.0.0.256", "10.0.0.1234", "a.b.c.d", "10.0.0.-1"}) {
      assertThatThrownBy(() -> IpPrefix.parseAddress(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .isInstanceOf(InvalidValueException.class).hasMessage("address must be an IPv4 or IPv6 literal: " + bad);
    }
    assertThatThrownBy(() -> IpPrefix.parseAddress("fd00:::1:::2")).hasMessage("address must be an IPv4 or IPv6 literal: fd00:::1:::2");
    assertThat(IpPrefix.addressString(IpPrefix.parseAddress("[fd00::2]"))).isEqualTo("fd00::2");
    assertThat(IpPrefix.addressString(IpPrefix.parseAddress("255.0.10.1"))).isEqualTo("255.0.10.1");
  }
}
