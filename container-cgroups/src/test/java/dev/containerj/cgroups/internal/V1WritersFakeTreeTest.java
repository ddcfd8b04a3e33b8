package dev.containerj.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.IoDeviceLimit;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v1 writers' choices on a fake tree: the blkio weight file and its scale, kernels without
 * throttling or CFS bandwidth, cpuset values taken from the limits or copied from the parent.
 */
class V1WritersFakeTreeTest {
  @TempDir Path tmp;
  final FakeCgroupFs fs = new FakeCgroupFs();
  final Map<String, Path> parents = new LinkedHashMap<>();

  private void v1(String controller, String... files) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(controller).resolve("own"));
    Files.writeString(dir.resolve("cgroup.procs"), "");
    for (String f : files) {
      Files.writeString(dir.resolve(f), "0\n");
    }
    parents.put(controller, dir);
  }

  private HybridManager manager() throws IOException {
    parents.putIfAbsent(Member.UNIFIED, FakeCgroupFs.v2Root(tmp.resolve("unified"), ""));
    return new HybridManager(CgroupHierarchy.HYBRID, fs, d -> "8:0", parents);
  }

  private String read(String controller, String file) throws IOException {
    return Files.readString(parents.get(controller).resolve("c").resolve(file)).trim();
  }

  @Test
  void ioWeightIsScaledTo10To1000AndWrittenToTheFileTheSchedulerOffers() throws IOException {
    v1("blkio", "blkio.throttle.read_bps_device", "blkio.weight");
    for (long[] w : new long[][] {{5000, 500}, {1, 10}, {10_000, 1000}, {99, 10}, {150, 15}}) {
      try (Cgroup cg = manager().create("c", CgroupLimits.builder().ioWeight(w[0]).build())) {
        assertThat(read("blkio", "blkio.weight")).as("ioWeight %d", w[0]).isEqualTo(Long.toString(w[1]));
      }
    }
    Files.delete(parents.get("blkio").resolve("blkio.weight"));
    Files.writeString(parents.get("blkio").resolve("blkio.bfq.weight"), "100\n");
    try (Cgroup cg = manager().create("c", CgroupLimits.builder().ioWeight(2000).build())) {
      assertThat(read("blkio", "blkio.bfq.weight")).isEqualTo("200");
      assertThat(parents.get("blkio").resolve("c/blkio.weight")).doesNotExist();
    }
  }

  @Test
  void withoutThrottlingOrBandwidthControlTheLimitIsRefusedAndNothingIsCreated() throws IOException {
    v1("blkio", "blkio.weight");
    v1("cpu", "cpu.shares");
    v1("cpuacct", "cpuacct.usage");
    HybridManager m = manager();
    assertThatThrownBy(() -> m.create("c", CgroupLimits.builder()
        .ioLimit(IoDeviceLimit.builder("8:0").writeBps(1).build()).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageContaining("ioLimits cannot be enforced")
        .hasMessageContaining("blkio.throttle.read_bps_device does not exist: the kernel lacks block I/O throttling");
    assertThatThrownBy(() -> m.create("c", CgroupLimits.builder().cpus(0.5).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageContaining("cpus cannot be enforced")
        .hasMessageContaining("CONFIG_CFS_BANDWIDTH");
    assertThatThrownBy(() -> m.create("c", CgroupLimits.builder().cpuQuotaMicros(5000).build()))
        .hasMessageContaining("cpuQuotaMicros cannot be enforced");
    assertThatThrownBy(() -> m.create("c", CgroupLimits.builder().cpuPeriodMicros(5000).build()))
        .hasMessageContaining("cpuQuotaMicros cannot be enforced");
    for (Path p : parents.values()) {
      assertThat(p.resolve("c")).doesNotExist();
    }
    // a weight alone needs no bandwidth control
    try (Cgroup cg = m.create("c", CgroupLimits.builder().cpuWeight(100).build())) {
      assertThat(read("cpu", "cpu.shares")).isEqualTo("2598");
      assertThat(parents.get("cpu").resolve("c/cpu.cfs_quota_us")).doesNotExist();
    }
  }

  @Test
  void aPeriodAloneSetsAnUnlimitedQuota() throws IOException {
    v1("cpu", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares");
    v1("cpuacct", "cpuacct.usage");
    try (Cgroup cg = manager().create("c", CgroupLimits.builder().cpuPeriodMicros(50_000).build())) {
      assertThat(read("cpu", "cpu.cfs_period_us")).isEqualTo("50000");
      assertThat(read("cpu", "cpu.cfs_quota_us")).isEqualTo("-1");
    }
  }

  @Test
  void cpusetTakesTheLimitsOrElseThoseOfTheParent() throws IOException {
    v1("cpuset", "cpuset.cpus", "cpuset.mems");
    Files.writeString(parents.get("cpuset").resolve("cpuset.cpus"), "0-3\n");
    Files.writeString(parents.get("cpuset").resolve("cpuset.mems"), "0-1\n");
    try (Cgroup cg = manager().create("c", CgroupLimits.builder().cpusetCpus("2").build())) {
      assertThat(read("cpuset", "cpuset.cpus")).isEqualTo("2");
      assertThat(read("cpuset", "cpuset.mems")).isEqualTo("0-1");
    }
    try (Cgroup cg = manager().create("c", CgroupLimits.builder().cpusetMems("1").build())) {
      assertThat(read("cpuset", "cpuset.cpus")).isEqualTo("0-3");
      assertThat(read("cpuset", "cpuset.mems")).isEqualTo("1");
    }
  }
}
