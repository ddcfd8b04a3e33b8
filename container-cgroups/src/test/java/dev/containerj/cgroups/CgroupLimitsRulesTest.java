package dev.containerj.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The validation rules the other tests leave out: memory protection, IO rates, boundaries. */
class CgroupLimitsRulesTest {
  @Test
  void memoryHighLowAndMinMustBePositiveAndNotAboveTheMaximum() {
    assertThatThrownBy(() -> CgroupLimits.builder().memoryHigh(0).memoryLow(-1).memoryMin(-2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryHigh must be > 0: 0; memoryLow must be > 0: -1; memoryMin must be > 0: -2");
    assertThatThrownBy(() -> CgroupLimits.builder().memoryMax(100).memoryLow(101).memoryMin(102).build())
        .hasMessage("memoryLow must be <= memoryMax (100): 101; memoryMin must be <= memoryMax (100): 102");
    // equal to the maximum is allowed, and so is any value without a maximum
    CgroupLimits l = CgroupLimits.builder().memoryMax(100).memoryHigh(100).memoryLow(100).memoryMin(100).build();
    assertThat(l.memoryHigh()).hasValue(100);
    assertThat(l.memoryLow()).hasValue(100);
    assertThat(l.memoryMin()).hasValue(100);
    assertThat(CgroupLimits.builder().memoryHigh(1L << 40).build().memoryHigh()).hasValue(1L << 40);
    assertThat(CgroupLimits.builder().memorySwapMax(0).build().memorySwapMax()).hasValue(0);
    assertThat(l.hasMemory()).isTrue();
    assertThat(CgroupLimits.builder().memoryMin(1).build().hasMemory()).isTrue();
    assertThat(CgroupLimits.builder().memoryLow(1).build().hasMemory()).isTrue();
    assertThat(CgroupLimits.builder().memoryHigh(1).build().hasMemory()).isTrue();
    assertThat(CgroupLimits.builder().memorySwapMax(1).build().hasMemory()).isTrue();
    assertThat(CgroupLimits.builder().oomGroup(true).build().hasMemory()).isTrue();
    assertThat(CgroupLimits.builder().pidsMax(3).build().hasMemory()).isFalse();
  }

  @Test
  void everyIoRateMustBePositiveAndIsKept() {
    assertThatThrownBy(() -> IoDeviceLimit.builder("8:0").readBps(0).writeBps(0).readIops(-1).writeIops(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ioLimit(8:0).readBps must be > 0: 0; ioLimit(8:0).writeBps must be > 0: 0; "
            + "ioLimit(8:0).readIops must be > 0: -1; ioLimit(8:0).writeIops must be > 0: 0");
    assertThatThrownBy(() -> IoDeviceLimit.builder("").writeBps(1).build())
        .hasMessage("ioLimit().device must be \"major:minor\" or an absolute device path: \"\"");
    IoDeviceLimit d = IoDeviceLimit.builder("/dev/sda").writeBps(1).readIops(2).build();
    assertThat(d.device()).isEqualTo("/dev/sda");
    assertThat(d.readBps()).isEmpty();
    assertThat(d.writeBps()).hasValue(1);
    assertThat(d.readIops()).hasValue(2);
    assertThat(d.writeIops()).isEmpty();
    assertThat(d.toBuilder().build()).isEqualTo(d).hasSameHashCodeAs(d).hasToString(d.toString());
    assertThat(d.toBuilder().writeIops(3).build()).isNotEqualTo(d);
    // each single rate is enough
    assertThat(IoDeviceLimit.builder("8:0").writeBps(1).build().writeBps()).hasValue(1);
    assertThat(IoDeviceLimit.builder("8:0").readIops(1).build().readIops()).hasValue(1);
    assertThat(IoDeviceLimit.builder("8:0").writeIops(1).build().writeIops()).hasValue(1);
    CgroupLimits l = CgroupLimits.builder().ioLimit(d).build();
    assertThat(l.ioLimits()).containsExactly(d);
    assertThat(l.hasIo()).isTrue();
    assertThat(CgroupLimits.builder().ioWeight(1).build().hasIo()).isTrue();
    assertThat(CgroupLimits.builder().pidsMax(1).build().hasIo()).isFalse();
  }

  @Test
  void boundariesAreInclusive() {
    CgroupLimits l = CgroupLimits.builder().cpuQuotaMicros(1000).cpuPeriodMicros(1000).cpuWeight(1).ioWeight(10_000)
        .pidsMax(1).build();
    assertThat(l.cpuQuotaMicros()).hasValue(1000);
    assertThat(l.cpuPeriodMicros()).hasValue(1000);
    assertThat(CgroupLimits.builder().cpuPeriodMicros(1_000_000).cpuWeight(10_000).ioWeight(1).build().cpuPeriodMicros())
        .hasValue(1_000_000);
    assertThatThrownBy(() -> CgroupLimits.builder().cpuQuotaMicros(999).build())
        .hasMessage("cpuQuotaMicros must be >= 1000 (the kernel's minimum): 999");
    assertThatThrownBy(() -> CgroupLimits.builder().cpuPeriodMicros(1_000_001).build())
        .hasMessage("cpuPeriodMicros must be in 1000..1000000: 1000001");
    assertThatThrownBy(() -> CgroupLimits.builder().cpuWeight(10_001).build())
        .hasMessage("cpuWeight must be in 1..10000: 10001");
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(0.001).build())
        .hasMessage("cpus must give a quota >= 1000 us per period: 0.001");
    assertThat(CgroupLimits.builder().cpus(0.01).build().effectiveCpuQuotaMicros()).hasValue(1000);
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(Double.POSITIVE_INFINITY).build())
        .hasMessage("cpus must be > 0: Infinity");
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(Double.NaN).build())
        .hasMessage("cpus must be > 0: NaN");
    assertThatThrownBy(() -> CgroupLimits.builder().cpusetMems("x").build())
        .hasMessage("cpusetMems must be a node list as \"0\" or \"0-1\": \"x\"");
    assertThat(CgroupLimits.builder().cpusetCpus("0-1,3").cpusetMems("0").hugetlb("1GB", 1L << 30).build().hugetlb())
        .containsEntry("1GB", 1L << 30);
  }
}
