package dev.containerj.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CgroupLimitsTest {
  @Test
  void reportsEveryViolationAtOnceWithFieldValueAndRule() {
    assertThatThrownBy(() -> CgroupLimits.builder().memoryMax(-1).cpuWeight(0).pidsMax(0)
        .memorySwapMax(-5).ioWeight(20_000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryMax must be > 0: -1; memorySwapMax must be >= 0: -5; "
            + "cpuWeight must be in 1..10000: 0; pidsMax must be > 0: 0; ioWeight must be in 1..10000: 20000");
  }

  @Test
  void cpusAboveTheMachineCountIsRejected() {
    int n = Runtime.getRuntime().availableProcessors();
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(n + 1).build())
        .hasMessage("cpus must be <= " + n + " (this machine's CPU count): " + (double) (n + 1));
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(0).build()).hasMessage("cpus must be > 0: 0.0");
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(-0.5).build()).hasMessage("cpus must be > 0: -0.5");
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(0.5).cpuQuotaMicros(10_000).build())
        .hasMessage("cpus and cpuQuotaMicros are exclusive: 0.5 and 10000");
  }

  @Test
  void crossFieldAndFormatRules() {
    assertThatThrownBy(() -> CgroupLimits.builder().memoryMax(100).memoryHigh(200).build())
        .hasMessage("memoryHigh must be <= memoryMax (100): 200");
    assertThatThrownBy(() -> CgroupLimits.builder().cpuQuotaMicros(10).cpuPeriodMicros(5).build())
        .hasMessage("cpuQuotaMicros must be >= 1000 (the kernel's minimum): 10; "
            + "cpuPeriodMicros must be in 1000..1000000: 5");
    assertThatThrownBy(() -> CgroupLimits.builder().cpusetCpus("0-a").build())
        .hasMessage("cpusetCpus must be a CPU list as \"0-2,4\": \"0-a\"");
    assertThatThrownBy(() -> CgroupLimits.builder().hugetlb("2M", 0).build())
        .hasMessage("hugetlb page size must be as \"2MB\" or \"1GB\": \"2M\"; hugetlb[2M] must be > 0: 0");
    assertThatThrownBy(() -> IoDeviceLimit.builder("sda").readBps(-1).build())
        .hasMessage("ioLimit(sda).device must be \"major:minor\" or an absolute device path: \"sda\"; "
            + "ioLimit(sda).readBps must be > 0: -1");
    assertThatThrownBy(() -> IoDeviceLimit.builder("8:0").build())
        .hasMessage("ioLimit(8:0) must set at least one of readBps, writeBps, readIops, writeIops: 8:0");
    IoDeviceLimit d = IoDeviceLimit.builder("8:0").readBps(1).build();
    assertThatThrownBy(() -> CgroupLimits.builder().ioLimit(d).ioLimit(d).build())
        .hasMessage("ioLimits must name each device once: 8:0");
  }

  @Test
  void cpusBecomeAQuotaOverThePeriod() {
    CgroupLimits l = CgroupLimits.builder().cpus(0.5).build();
    assertThat(l.effectiveCpuQuotaMicros()).hasValue(50_000);
    assertThat(l.effectiveCpuPeriodMicros()).isEqualTo(100_000);
    CgroupLimits p = CgroupLimits.builder().cpus(0.25).cpuPeriodMicros(200_000).build();
    assertThat(p.effectiveCpuQuotaMicros()).hasValue(50_000);
  }

  @Test
  void pidsUnlimitedAndADeviceAllowListAreValuesToo() {
    CgroupLimits a = CgroupLimits.builder().pidsUnlimited()
        .deviceAllowList(java.util.List.of(DeviceRule.chr(1, 3, "rw"))).build();
    assertThat(a.pidsMax()).hasValue(CgroupLimits.PIDS_UNLIMITED);
    assertThat(a.toString()).isEqualTo("CgroupLimits{pidsMax=max deviceAllowList=[c 1:3 rw]}");
    assertThat(a.toBuilder().build()).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a.toBuilder().deviceAllowList(null).build()).isNotEqualTo(a);
    assertThat(a.toBuilder().deviceAllowList(java.util.List.of()).build().deviceAllowList()).hasValue(java.util.List.of());
  }

  @Test
  void valueSemanticsAndToBuilder() {
    CgroupLimits a = CgroupLimits.builder().memoryMax(64L << 20).pidsMax(10).hugetlb("2MB", 1 << 21).build();
    assertThat(a.toBuilder().build()).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a.toBuilder().pidsMax(11).build()).isNotEqualTo(a);
    assertThat(a.toString()).isEqualTo("CgroupLimits{memoryMax=67108864 pidsMax=10 hugetlb={2MB=2097152}}");
    assertThat(CgroupLimits.none().isEmpty()).isTrue();
    assertThat(a.isEmpty()).isFalse();
    assertThatThrownBy(() -> a.hugetlb().put("1GB", 1L)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void parsesDockerSizes() {
    assertThat(CgroupLimits.parseBytes("64m")).isEqualTo(64L << 20);
    assertThat(CgroupLimits.parseBytes("1G")).isEqualTo(1L << 30);
    assertThat(CgroupLimits.parseBytes("512k")).isEqualTo(512L << 10);
    assertThat(CgroupLimits.parseBytes("100")).isEqualTo(100);
    assertThat(CgroupLimits.parseBytes("64mb")).isEqualTo(64L << 20);
    assertThatThrownBy(() -> CgroupLimits.parseBytes("lots"))
        .hasMessage("size must be a number of bytes > 0 with optional k, m or g, as 64m, 1g, 512k, 100: \"lots\"");
    // The one rule is the strict one: no 0, no t, no blanks (the CLI's copy refused them, this one took them).
    assertThatThrownBy(() -> CgroupLimits.parseBytes("0")).hasMessage("size must be a number of bytes > 0: \"0\"");
    assertThatThrownBy(() -> CgroupLimits.parseBytes("1t")).hasMessageStartingWith("size must be a number of bytes");
    assertThatThrownBy(() -> CgroupLimits.parseBytes("1 g")).hasMessageStartingWith("size must be a number of bytes");
    assertThatThrownBy(() -> CgroupLimits.parseBytes("99999999999999999999")).hasMessageStartingWith("size must be at most 2^63-1 bytes");
    assertThatThrownBy(() -> CgroupLimits.parseBytes("9000000000g")).hasMessageStartingWith("size must be at most 2^63-1 bytes");
  }

  @Test
  void pressureTriggersFollowTheKernelRules() {
    PressureTrigger t = PressureTrigger.some(PressureResource.MEMORY, java.time.Duration.ofMillis(150),
        java.time.Duration.ofSeconds(1));
    assertThat(t.triggerLine()).isEqualTo("some 150000 1000000");
    assertThatThrownBy(() -> PressureTrigger.full(PressureResource.IO, java.time.Duration.ofSeconds(2),
        java.time.Duration.ofSeconds(1))).hasMessage("stall must be <= window (PT1S): PT2S");
    assertThatThrownBy(() -> PressureTrigger.full(PressureResource.IO, java.time.Duration.ofMillis(1),
        java.time.Duration.ofMillis(100))).hasMessage("window must be in 500ms..10s: PT0.1S");
  }
}
