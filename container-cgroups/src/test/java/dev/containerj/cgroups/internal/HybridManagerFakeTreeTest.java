package dev.containerj.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.cgroups.IoDeviceLimit;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v1 fallback against a fake tree: v1 file names, conversions, and what v1 cannot do. */
class HybridManagerFakeTreeTest {
  @TempDir Path tmp;
  FakeCgroupFs fs = new FakeCgroupFs();
  Map<String, Path> parents = new LinkedHashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    v1("memory", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.oom_control",
        "memory.usage_in_bytes", "cgroup.event_control");
    v1("cpu", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "cpu.stat");
    v1("cpuacct", "cpuacct.usage");
    v1("pids", "pids.max", "pids.current");
    v1("blkio", "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device");
    v1("cpuset", "cpuset.cpus", "cpuset.mems");
    v1("devices", "devices.allow", "devices.deny", "devices.list");
    Files.writeString(parents.get("cpuset").resolve("cpuset.cpus"), "0-1\n");
    Files.writeString(parents.get("cpuset").resolve("cpuset.mems"), "0\n");
    parents.put(Member.UNIFIED, FakeCgroupFs.v2Root(tmp.resolve("unified"), "hugetlb"));
  }

  private void v1(String controller, String... files) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(controller).resolve("own"));
    Files.writeString(dir.resolve("cgroup.procs"), "");
    for (String f : files) {
      Files.writeString(dir.resolve(f), "0\n");
    }
    parents.put(controller, dir);
  }

  HybridManager manager() {
    return new HybridManager(CgroupHierarchy.HYBRID, fs, d -> d.equals("8:0") ? d : "254:0", parents);
  }

  String read(String controller, String file) throws IOException {
    return Files.readString(parents.get(controller).resolve("c").resolve(file)).trim();
  }

  @Test
  void limitsGoToV1FilesAndMembershipToV2() throws IOException {
    CgroupLimits limits = CgroupLimits.builder().memoryMax(64L << 20).memorySwapMax(16L << 20)
        .cpus(0.5).cpuWeight(100).pidsMax(9)
        .ioLimit(IoDeviceLimit.builder("8:0").readBps(1000).writeBps(2000).readIops(5).writeIops(7).build())
        .cpusetMems("0").build();
    try (Cgroup cg = manager().create("c", limits)) {
      assertThat(read("memory", "memory.limit_in_bytes")).isEqualTo(Long.toString(64L << 20));
      assertThat(read("memory", "memory.memsw.limit_in_bytes")).isEqualTo(Long.toString(80L << 20));
      assertThat(read("cpu", "cpu.cfs_period_us")).isEqualTo("100000");
      assertThat(read("cpu", "cpu.cfs_quota_us")).isEqualTo("50000");
      assertThat(read("cpu", "cpu.shares")).isEqualTo("2598");
      assertThat(read("pids", "pids.max")).isEqualTo("9");
      assertThat(read("blkio", "blkio.throttle.read_bps_device")).isEqualTo("8:0 1000");
      assertThat(read("blkio", "blkio.throttle.write_iops_device")).isEqualTo("8:0 7");
      assertThat(read("blkio", "blkio.throttle.write_bps_device")).isEqualTo("8:0 2000");
      assertThat(read("blkio", "blkio.throttle.read_iops_device")).isEqualTo("8:0 5");
      assertThat(read("cpuset", "cpuset.cpus")).isEqualTo("0-1"); // copied from the parent
      assertThat(read("cpuset", "cpuset.mems")).isEqualTo("0");
      assertThat(cg.paths()).containsKeys("memory", "cpu", "cpuacct", "pids", "blkio", "cpuset", "unified");
      assertThat(cg.unifiedPath()).contains(parents.get(Member.UNIFIED).resolve("c"));
      cg.addProcess(77);
      for (Path dir : cg.paths().values()) {
        assertThat(Files.readString(dir.resolve("cgroup.procs")).trim()).as(dir.toString()).isEqualTo("77");
      }
      // The shared v2 parent is never given controllers.
      assertThat(Files.readString(parents.get(Member.UNIFIED).resolve("cgroup.subtree_control"))).isEmpty();
    }
    for (Path p : parents.values()) {
      assertThat(p.resolve("c")).doesNotExist();
    }
  }

  /** A sibling's walk has just made the intermediate cpuset and not yet copied its settings. */
  @Test
  void aCpusetIntermediateNotSetUpYetIsSetUpBeforeTheLeafCopiesIt() throws IOException {
    Path group = parents.get("cpuset").resolve("group");
    fs.mkdir(group);
    assertThat(Files.readString(group.resolve("cpuset.cpus"))).isEmpty();
    try (Cgroup cg = manager().create("group/c", CgroupLimits.builder().cpusetMems("0").build())) {
      assertThat(Files.readString(group.resolve("cpuset.cpus")).trim()).isEqualTo("0-1");
      assertThat(Files.readString(group.resolve("c/cpuset.cpus")).trim()).isEqualTo("0-1");
      assertThat(Files.readString(group.resolve("c/cpuset.mems")).trim()).isEqualTo("0");
    }
  }

  @Test
  void cpuWeightConvertsToSharesAsTheInverseOfCrun() {
    assertThat(V1Cpu.sharesFromWeight(1)).isEqualTo(2);
    assertThat(V1Cpu.sharesFromWeight(10_000)).isEqualTo(262_144);
    assertThat(V1Cpu.sharesFromWeight(100)).isEqualTo(2598);
    // crun: weight = 1 + ((shares - 2) * 9999) / 262142; the round trip is the identity.
    for (long w : new long[] {1, 2, 50, 100, 1000, 9999, 10_000}) {
      long shares = V1Cpu.sharesFromWeight(w);
      assertThat(1 + ((shares - 2) * 9999) / 262_142).as("weight %d", w).isEqualTo(w);
    }
  }

  @Test
  void v2OnlyLimitsAreRefusedWithTheReasonAndNothingIsCreated() {
    assertThatThrownBy(() -> manager().create("c", CgroupLimits.builder().memoryMax(1 << 20)
        .memoryHigh(1 << 19).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessage("memoryHigh cannot be enforced: cgroup v1 has no memory.high "
            + "(needs the memory controller on cgroup v2)");
    assertThatThrownBy(() -> manager().create("c", CgroupLimits.builder().memorySwapMax(0).build()))
        .hasMessageContaining("memorySwapMax cannot be enforced: cgroup v1 limits memory+swap");
    assertThatThrownBy(() -> manager().create("c", CgroupLimits.builder().oomGroup(true).build()))
        .hasMessageContaining("oomGroup cannot be enforced");
    assertThatThrownBy(() -> manager().create("c", CgroupLimits.builder().ioWeight(100).build()))
        .hasMessageContaining("ioWeight cannot be enforced: neither blkio.weight nor blkio.bfq.weight");
    assertThatThrownBy(() -> manager().create("c", CgroupLimits.builder().hugetlb("2MB", 1 << 21).build()))
        .hasMessage("hugetlb cannot be enforced: no cgroup v1 hierarchy for hugetlb is mounted and hugetlb"
            + " is not enabled in " + parents.get(Member.UNIFIED).resolve("cgroup.subtree_control"));
    for (Path p : parents.values()) {
      assertThat(p.resolve("c")).doesNotExist();
    }
  }

  @Test
  void deviceAllowListDeniesAllThenAllowsEachRuleInTheV1DevicesHierarchy() throws IOException {
    CgroupLimits limits = CgroupLimits.builder()
        .deviceAllowList(List.of(DeviceRule.chr(1, 3, "rw"), DeviceRule.chr(136, DeviceRule.ANY, "rw"))).build();
    try (Cgroup cg = manager().create("c", limits)) {
      Path dir = parents.get("devices").resolve("c");
      assertThat(fs.writes).containsSubsequence(dir.resolve("devices.deny") + "=a",
          dir.resolve("devices.allow") + "=c 1:3 rw", dir.resolve("devices.allow") + "=c 136:* rw");
      assertThat(fs.writes).noneMatch(w -> w.contains("bpf-device-program"));
      assertThatThrownBy(() -> cg.update(CgroupLimits.none()))
          .isInstanceOf(UnsupportedLimitException.class)
          .hasMessageContaining("deviceAllowList cannot be enforced: the device policy of c is set when it is created");
    }
  }

  @Test
  void withoutAV1DevicesHierarchyTheDevicePolicyIsABpfProgramInTheV2Directory() throws IOException {
    parents.remove("devices");
    CgroupLimits limits = CgroupLimits.builder().deviceAllowList(List.of(DeviceRule.chr(1, 3, "rw"))).build();
    try (Cgroup cg = manager().create("c", limits)) {
      assertThat(fs.writes).contains(parents.get(Member.UNIFIED).resolve("c/bpf-device-program") + "=16");
      // No controller is enabled for it in the shared v2 parent.
      assertThat(Files.readString(parents.get(Member.UNIFIED).resolve("cgroup.subtree_control"))).isEmpty();
    }
  }

  @Test
  void aCgroupForLimitsJoinsOnlyTheHierarchiesItsLimitsNeedPlusMembership() throws IOException {
    CgroupLimits limits = CgroupLimits.builder().pidsMax(2048)
        .deviceAllowList(DeviceRule.containerDefaults()).build();
    try (Cgroup cg = manager().createForLimits("c", limits)) {
      assertThat(cg.paths()).containsOnlyKeys("pids", "devices", Member.UNIFIED);
      assertThat(read("pids", "pids.max")).isEqualTo("2048");
    }
    try (Cgroup cg = manager().create("c", limits)) {
      assertThat(cg.paths()).containsKeys("memory", "cpu", "cpuacct", "pids", "blkio", "devices", Member.UNIFIED);
    }
  }

  @Test
  void checkEnforceableCreatesNothingAndNamesWhatCannotBeEnforced() throws IOException {
    manager().checkEnforceable(CgroupLimits.builder().pidsMax(2048).build());
    parents.remove("pids");
    assertThatThrownBy(() -> manager().checkEnforceable(CgroupLimits.builder().pidsMax(2048).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageStartingWith("pidsMax cannot be enforced: no cgroup v1 hierarchy for pids is mounted");
    assertThat(fs.writes).isEmpty();
    for (Path p : parents.values()) {
      try (var s = Files.list(p)) {
        assertThat(s.filter(Files::isDirectory)).as(p.toString()).isEmpty();
      }
    }
  }

  @Test
  void pidsUnlimitedWritesMax() throws IOException {
    try (Cgroup cg = manager().create("c", CgroupLimits.builder().pidsUnlimited().build())) {
      assertThat(read("pids", "pids.max")).isEqualTo("max");
    }
  }

  @Test
  void swapNeedsSwapAccounting() throws IOException {
    Files.delete(parents.get("memory").resolve("memory.memsw.limit_in_bytes"));
    assertThatThrownBy(() -> manager().create("c", CgroupLimits.builder().memoryMax(1 << 20)
        .memorySwapMax(0).build()))
        .hasMessageContaining("memorySwapMax cannot be enforced")
        .hasMessageContaining("boot with swapaccount=1");
  }

  @Test
  void v1OomKillCountComesFromOomControl() throws IOException {
    try (Cgroup cg = manager().create("c", CgroupLimits.none())) {
      Files.writeString(cg.paths().get("memory").resolve("memory.oom_control"),
          "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
      assertThat(cg.oomKillCount()).isEqualTo(3);
      assertThat(cg.stats().memory().oomKills()).hasValue(3);
    }
  }
}
