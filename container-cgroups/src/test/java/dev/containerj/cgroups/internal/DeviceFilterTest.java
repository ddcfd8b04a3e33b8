package dev.containerj.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.cgroups.DeviceRule;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The BPF device program, instruction by instruction (8 bytes each, little-endian fields). */
class DeviceFilterTest {
  private static final String PROLOGUE = ""
      + "6112000000000000" // r2 = *(u32 *)(r1 + 0)   access_type
      + "57020000ffff0000" // r2 &= 0xffff           type
      + "6113000000000000" // r3 = *(u32 *)(r1 + 0)
      + "7703000010000000" // r3 >>= 16              access
      + "6114040000000000" // r4 = *(u32 *)(r1 + 4)   major
      + "6115080000000000"; // r5 = *(u32 *)(r1 + 8)  minor
  private static final String DENY = "b700000000000000" + "9500000000000000"; // r0 = 0; exit

  static String hex(List<DeviceRule> rules) {
    return HexFormat.of().formatHex(DeviceFilter.assemble(rules));
  }

  @Test
  void anEmptyListDeniesEverything() {
    assertThat(hex(List.of())).isEqualTo(PROLOGUE + DENY);
  }

  @Test
  void aFullRuleChecksTypeAccessMajorAndMinorAndJumpsToTheNextRule() {
    assertThat(hex(List.of(DeviceRule.chr(1, 3, "rw")))).isEqualTo(PROLOGUE
        + "5502070002000000" // if r2 != 2 (char) goto +7
        + "bf31000000000000" // r1 = r3
        + "57010000f9ff0000" // r1 &= ~(read|write) & 0xffff
        + "5501040000000000" // if r1 != 0 goto +4   (an access not granted)
        + "5504030001000000" // if r4 != 1 goto +3
        + "5505020003000000" // if r5 != 3 goto +2
        + "b700000001000000" // r0 = 1
        + "9500000000000000" // exit
        + DENY);
  }

  @Test
  void wildcardsAndTypeAllLeaveTheirChecksOut() {
    assertThat(hex(List.of(DeviceRule.chr(136, DeviceRule.ANY, "rwm"),
        new DeviceRule('a', DeviceRule.ANY, DeviceRule.ANY, "m"), new DeviceRule('b', 8, 0, "r")))).isEqualTo(PROLOGUE
        + "5502060002000000" + "bf31000000000000" + "57010000f8ff0000" + "5501030000000000"
        + "5504020088000000" + "b700000001000000" + "9500000000000000"
        + "bf31000000000000" + "57010000feff0000" + "5501020000000000"
        + "b700000001000000" + "9500000000000000"
        + "5502070001000000" + "bf31000000000000" + "57010000fdff0000" + "5501040000000000"
        + "5504030008000000" + "5505020000000000" + "b700000001000000" + "9500000000000000"
        + DENY);
  }

  @Test
  void ruleValidationNamesEveryBadField() {
    assertThatThrownBy(() -> new DeviceRule('x', 4096, -2, "wr"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device rule type must be c, b or a: 'x'; device rule major must be ANY (-1) or in 0..4095: 4096;"
            + " device rule minor must be ANY (-1) or in 0..1048575: -2; device rule access must be a non-empty"
            + " subset of \"rwm\" in that order: \"wr\"");
    assertThat(DeviceRule.chr(136, DeviceRule.ANY, "rw")).hasToString("c 136:* rw");
  }
}
