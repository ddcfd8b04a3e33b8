package dev.containerj.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupException;
import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.CgroupStats;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.cgroups.IoDeviceLimit;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cgroup's life after creation against the fake cgroupfs: membership, freezing (v2 and the v1
 * freezer), killing, removal with its intermediates, updates, OOM counts, statistics as the kernel's
 * files give them, and the delegation and field-name rules of the managers.
 */
class CgroupImplFakeTreeTest {
  @TempDir Path tmp;
  FakeCgroupFs fs = new FakeCgroupFs();
  Path root;

  @BeforeEach
  void setUp() throws IOException {
    root = FakeCgroupFs.v2Root(tmp.resolve("unified"), "cpuset cpu io memory hugetlb pids");
  }

  V2Manager v2() {
    return new V2Manager(fs, d -> "8:0", root, true, Optional.empty());
  }

  /** A v1 hierarchy {@code controller} with its own cgroup and {@code files}. */
  Path v1(Map<String, Path> parents, String controller, String... files) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(controller).resolve("own"));
    Files.writeString(dir.resolve("cgroup.procs"), "");
    for (String f : files) {
      Files.writeString(dir.resolve(f), "0\n");
    }
    parents.put(controller, dir);
    return dir;
  }

  static String read(Path p) throws IOException {
    return Files.readString(p).trim();
  }

  @Test
  void membershipAndPopulatedOnV2() throws IOException {
    try (Cgroup cg = v2().create("c", CgroupLimits.none())) {
      assertThat(cg.name()).isEqualTo("c");
      assertThat(cg.toString()).contains("c").contains(root.resolve("c").toString());
      assertThat(cg.isPopulated()).isFalse();
      assertThatThrownBy(() -> cg.addProcess(0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("pid must be > 0: 0");
      cg.addProcess(1);
      cg.addProcess(4242);
      assertThat(cg.processes()).containsExactly(1L, 4242L);
      assertThat(cg.isPopulated()).isTrue();
    }
  }

  @Test
  void freezeAndThawOnV2WriteCgroupFreezeAndWaitForTheEvent() throws IOException {
    try (Cgroup cg = v2().create("c", CgroupLimits.none())) {
      assertThat(cg.isFrozen()).isFalse();
      cg.freeze();
      assertThat(read(root.resolve("c/cgroup.freeze"))).isEqualTo("1");
      assertThat(cg.isFrozen()).isTrue();
      cg.thaw();
      assertThat(read(root.resolve("c/cgroup.freeze"))).isEqualTo("0");
      assertThat(cg.isFrozen()).isFalse();
    }
  }

  @Test
  void killAllWritesCgroupKillAndWaitsUntilEmpty() throws IOException {
    try (Cgroup cg = v2().create("c", CgroupLimits.none())) {
      cg.addProcess(77);
      cg.killAll(Duration.ofSeconds(2));
      assertThat(fs.writes).contains(root.resolve("c/cgroup.kill") + "=1");
      assertThat(cg.processes()).isEmpty();
      assertThat(cg.isPopulated()).isFalse();
    }
  }

  @Test
  void beforeCgroupKillKillAllFreezesKillsThawsAndTimesOutWhileProcessesRemain() throws IOException {
    try (Cgroup cg = v2().create("c", CgroupLimits.none())) {
      // No cgroup.kill (before Linux 5.14): freeze, kill each pid, thaw. The pid is above any
      // pid_max (4194304), so kill(2) finds nothing (ESRCH) and the fake keeps it "populated".
      Files.delete(root.resolve("c/cgroup.kill"));
      cg.addProcess(2_000_000_000L);
      fs.writes.clear();
      assertThatThrownBy(() -> cg.killAll(Duration.ofMillis(300))).isInstanceOf(CgroupException.class)
          .hasMessageContaining("still holds processes [2000000000]");
      assertThat(fs.writes).containsExactly(root.resolve("c/cgroup.freeze") + "=1", root.resolve("c/cgroup.freeze") + "=0");
      Files.writeString(root.resolve("c/cgroup.events"), "populated 0\nfrozen 0\n");
    }
  }

  @Test
  void anIntermediateBusyOnlyWhileItsLastChildGoesOfflineIsRemovedAfterAFewTries() throws IOException {
    V2Manager m = v2();
    Cgroup a = m.create("x/a", CgroupLimits.none()); // makes x
    fs.busy.put(root.resolve("x"), 3); // v1 right after the last child's rmdir: EBUSY until it is offline
    a.remove();
    assertThat(root.resolve("x")).as("the last one out removes the intermediate once the kernel lets it").doesNotExist();
    assertThat(fs.busy.get(root.resolve("x"))).as("every EBUSY was retried").isZero();
  }

  @Test
  void anIntermediateThatStaysBusyWithoutChildrenIsLeftAfterTheBound() throws IOException {
    V2Manager m = v2();
    Cgroup a = m.create("x/a", CgroupLimits.none());
    fs.busy.put(root.resolve("x"), 100);
    a.remove();
    assertThat(root.resolve("x")).as("left for the reaper after 51 tries").isDirectory();
    assertThat(fs.busy.get(root.resolve("x"))).isEqualTo(49);
  }

  @Test
  void removeKillsWhatIsInsideRemovesNestedIntermediatesDeepestFirstAndKeepsSharedOnes() throws IOException {
    V2Manager m = v2();
    Cgroup a = m.create("x/y/a", CgroupLimits.none()); // makes x and x/y
    Cgroup b = m.create("x/y/b", CgroupLimits.none());
    Cgroup child = a.createChild("inner", CgroupLimits.none());
    child.addProcess(5);
    a.addProcess(6);
    b.remove();
    assertThat(root.resolve("x/y/b")).doesNotExist();
    assertThat(root.resolve("x/y")).as("still holds a").isDirectory();
    a.remove();
    assertThat(fs.writes).contains(root.resolve("x/y/a/inner/cgroup.kill") + "=1", root.resolve("x/y/a/cgroup.kill") + "=1");
    assertThat(root.resolve("x")).as("the last one out removes the intermediates, deepest first").doesNotExist();
    assertThat(root).isDirectory();
    a.remove(); // a second remove is a no-op
  }

  @Test
  void updateKeepsTheDevicePolicyAndRefusesAControllerNotEnabledHere() throws IOException {
    CgroupLimits pids = CgroupLimits.builder().pidsMax(10).deviceAllowList(DeviceRule.containerDefaults()).build();
    try (Cgroup cg = v2().createForLimits("c", pids)) {
      cg.update(CgroupLimits.builder().pidsMax(20).deviceAllowList(DeviceRule.containerDefaults()).build());
      assertThat(read(root.resolve("c/pids.max"))).isEqualTo("20");
      assertThat(fs.writes.stream().filter(w -> w.contains("bpf-device-program"))).as("not attached again").hasSize(1);
      assertThatThrownBy(() -> cg.update(CgroupLimits.builder().pidsMax(20).build()))
          .isInstanceOfSatisfying(UnsupportedLimitException.class, e -> assertThat(e.getMessage()).contains("deviceAllowList"))
          .hasMessageContaining("update() cannot change it");
      assertThatThrownBy(() -> cg.update(CgroupLimits.builder().pidsMax(20).memoryMax(1L << 30)
          .deviceAllowList(DeviceRule.containerDefaults()).build()))
          .isInstanceOf(UnsupportedLimitException.class)
          .hasMessageContaining("memoryMax").hasMessageContaining("memory controller is not enabled for " + root.resolve("c"));
      assertThat(cg.limits().pidsMax()).hasValue(20);
    }
  }

  @Test
  void oomKillCountFromMemoryEventsOrTheV1OomControl() throws IOException {
    try (Cgroup cg = v2().create("c", CgroupLimits.builder().memoryMax(1L << 30).build())) {
      Files.writeString(root.resolve("c/memory.events"), "oom 4\noom_kill 3\n");
      assertThat(cg.oomKillCount()).isEqualTo(3);
    }
    Map<String, Path> parents = new LinkedHashMap<>();
    v1(parents, "memory", "memory.limit_in_bytes", "memory.oom_control");
    v1(parents, "freezer", "freezer.state");
    HybridManager legacy = new HybridManager(CgroupHierarchy.LEGACY, fs, d -> d, parents);
    try (Cgroup cg = legacy.create("c", CgroupLimits.none())) {
      Path oom = parents.get("memory").resolve("c/memory.oom_control");
      Files.writeString(oom, "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
      assertThat(cg.oomKillCount()).isZero();
      Files.writeString(oom, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
      assertThat(cg.oomKillCount()).isEqualTo(2);
      Files.writeString(oom, "oom_kill_disable 0\nunder_oom 0\n");
      assertThatThrownBy(cg::oomKillCount).isInstanceOf(UnsupportedLimitException.class)
          .hasMessageContaining("needs Linux 4.13");
    }
  }

  @Test
  void killAllOfAnEmptyCgroupReadsOneCountAndWritesNothing() throws IOException {
    // The common close: the payload already exited. v1 has no populated flag; the pids controller's
    // hierarchical count says "empty" in one read, so no freeze, kill or thaw is written.
    Map<String, Path> parents = new LinkedHashMap<>();
    Path pids = v1(parents, "pids", "pids.max", "pids.current");
    Path freezer = v1(parents, "freezer", "freezer.state");
    HybridManager legacy = new HybridManager(CgroupHierarchy.LEGACY, fs, d -> d, parents);
    try (Cgroup cg = legacy.create("c", CgroupLimits.none())) {
      fs.writes.clear();
      cg.killAll(Duration.ofSeconds(1));
      assertThat(fs.writes).isEmpty();
      // A count above 0 (a task in a child cgroup, or one not yet reaped) takes the full kill.
      Files.writeString(pids.resolve("c/pids.current"), "1\n");
      cg.killAll(Duration.ofSeconds(1));
      assertThat(fs.writes).containsExactly(freezer.resolve("c/freezer.state") + "=FROZEN",
          freezer.resolve("c/freezer.state") + "=THAWED");
      Files.writeString(pids.resolve("c/pids.current"), "0\n");
    }
    try (Cgroup cg = v2().create("e", CgroupLimits.none())) {
      fs.writes.clear();
      cg.killAll(Duration.ofSeconds(1)); // "populated 0" in cgroup.events
      assertThat(fs.writes).isEmpty();
    }
    // Without a pids hierarchy: the cgroup.procs files. Empty: nothing written; a pid that kill(2)
    // cannot reach (above any pid_max) stays listed, so the full kill runs and times out.
    Map<String, Path> noPids = new LinkedHashMap<>();
    v1(noPids, "memory", "memory.limit_in_bytes");
    Path freezer2 = v1(noPids, "freezer", "freezer.state");
    HybridManager bare = new HybridManager(CgroupHierarchy.LEGACY, fs, d -> d, noPids);
    try (Cgroup cg = bare.create("f", CgroupLimits.none())) {
      fs.writes.clear();
      cg.killAll(Duration.ofSeconds(1));
      assertThat(fs.writes).isEmpty();
      Path procs = noPids.get("memory").resolve("f/cgroup.procs");
      Files.writeString(procs, "2000000000\n");
      assertThatThrownBy(() -> cg.killAll(Duration.ofMillis(200))).isInstanceOf(CgroupException.class)
          .hasMessageContaining("still holds processes");
      assertThat(fs.writes).contains(freezer2.resolve("f/freezer.state") + "=FROZEN");
      Files.writeString(procs, "");
    }
  }

  @Test
  void theV1FreezerFreezesThawsAndWithoutItFreezingSaysWhy() throws IOException {
    Map<String, Path> parents = new LinkedHashMap<>();
    v1(parents, "memory", "memory.limit_in_bytes", "memory.oom_control");
    Path freezer = v1(parents, "freezer", "freezer.state");
    HybridManager legacy = new HybridManager(CgroupHierarchy.LEGACY, fs, d -> d, parents);
    try (Cgroup cg = legacy.create("c", CgroupLimits.none())) {
      assertThat(cg.paths()).containsKeys("memory", "freezer");
      assertThat(cg.isFrozen()).isFalse();
      cg.freeze();
      assertThat(read(freezer.resolve("c/freezer.state"))).isEqualTo("FROZEN");
      assertThat(cg.isFrozen()).isTrue();
      cg.thaw();
      assertThat(read(freezer.resolve("c/freezer.state"))).isEqualTo("THAWED");
      assertThat(cg.isFrozen()).isFalse();
      // v1 populated: any pid in the cgroup or below it
      assertThat(cg.isPopulated()).isFalse();
      Files.createDirectories(parents.get("memory").resolve("c/nested"));
      Files.writeString(parents.get("memory").resolve("c/nested/cgroup.procs"), "99\n");
      assertThat(cg.isPopulated()).isTrue();
      Files.delete(parents.get("memory").resolve("c/nested/cgroup.procs"));
      Files.delete(parents.get("memory").resolve("c/nested"));
    }
    Map<String, Path> noFreezer = new LinkedHashMap<>();
    v1(noFreezer, "pids", "pids.max", "pids.current");
    HybridManager bare = new HybridManager(CgroupHierarchy.LEGACY, fs, d -> d, noFreezer);
    try (Cgroup cg = bare.create("d", CgroupLimits.none())) {
      assertThatThrownBy(cg::freeze).isInstanceOf(UnsupportedLimitException.class)
          .hasMessageContaining("neither a cgroup v2 hierarchy nor the v1 freezer");
      assertThat(cg.isFrozen()).isFalse();
    }
  }

  @Test
  void v1StatisticsComeFromTheV1Files() throws IOException {
    Map<String, Path> parents = new LinkedHashMap<>();
    v1(parents, "memory", "memory.limit_in_bytes", "memory.usage_in_bytes", "memory.max_usage_in_bytes",
        "memory.failcnt", "memory.stat", "memory.oom_control");
    v1(parents, "cpu", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "cpu.stat");
    v1(parents, "cpuacct", "cpuacct.usage", "cpuacct.stat");
    v1(parents, "pids", "pids.max", "pids.current");
    v1(parents, "blkio", "blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced");
    parents.put(Member.UNIFIED, FakeCgroupFs.v2Root(tmp.resolve("hybrid-unified"), ""));
    HybridManager hybrid = new HybridManager(CgroupHierarchy.HYBRID, fs, d -> d, parents);
    try (Cgroup cg = hybrid.create("c", CgroupLimits.none())) {
      Path mem = parents.get("memory").resolve("c");
      Files.writeString(mem.resolve("memory.usage_in_bytes"), "4096\n");
      Files.writeString(mem.resolve("memory.max_usage_in_bytes"), "8192\n");
      Files.writeString(mem.resolve("memory.failcnt"), "6\n");
      Files.writeString(mem.resolve("memory.stat"), "cache 1\nrss 2\n");
      Files.writeString(mem.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
      Files.writeString(parents.get("cpu").resolve("c/cpu.stat"), "nr_periods 10\nnr_throttled 4\nthrottled_time 5000000\n");
      Files.writeString(parents.get("cpuacct").resolve("c/cpuacct.usage"), "3000000\n");
      Files.writeString(parents.get("cpuacct").resolve("c/cpuacct.stat"), "user 7\nsystem 2\n");
      Files.writeString(parents.get("pids").resolve("c/pids.current"), "3\n");
      Files.writeString(parents.get("blkio").resolve("c/blkio.throttle.io_service_bytes"),
          "8:0 Read 100\n8:0 Write 200\n8:0 Sync 300\n8:0 Total 300\nTotal 300\n");
      Files.writeString(parents.get("blkio").resolve("c/blkio.throttle.io_serviced"), "8:0 Read 1\n8:0 Write 2\n");
      CgroupStats s = cg.stats();
      assertThat(s.memory().current()).hasValue(4096);
      assertThat(s.memory().peak()).hasValue(8192);
      assertThat(s.memory().oomKills()).hasValue(1);
      assertThat(s.memory().stat()).containsEntry("cache", 1L).containsEntry("rss", 2L).containsEntry("failcnt", 6L);
      assertThat(s.cpu().periods()).hasValue(10);
      assertThat(s.cpu().throttledPeriods()).hasValue(4);
      assertThat(s.cpu().throttledMicros()).hasValue(5000);
      assertThat(s.cpu().usageMicros()).hasValue(3000);
      long tick = 1_000_000L / 100; // USER_HZ
      assertThat(s.cpu().userMicros()).hasValue(7 * tick);
      assertThat(s.cpu().systemMicros()).hasValue(2 * tick);
      assertThat(s.pids().current()).hasValue(3);
      assertThat(s.io()).containsOnlyKeys("8:0");
      assertThat(s.io().get("8:0")).containsExactlyInAnyOrderEntriesOf(Map.of("rbytes", 100L, "wbytes", 200L, "rios", 1L, "wios", 2L));
    }
  }

  @Test
  void v2IoStatisticsSkipWhatIsNotKeyEqualsNumber() throws IOException {
    try (Cgroup cg = v2().create("c", CgroupLimits.builder().ioWeight(100).build())) {
      Files.writeString(root.resolve("c/io.stat"), "8:0 rbytes=1 wbytes=2 rios=3 wios=4 =5 junk dbytes=x\n254:0\n\n");
      Map<String, Map<String, Long>> io = cg.stats().io();
      assertThat(io).containsOnlyKeys("8:0");
      assertThat(io.get("8:0")).containsExactly(Map.entry("rbytes", 1L), Map.entry("wbytes", 2L),
          Map.entry("rios", 3L), Map.entry("wios", 4L));
    }
  }

  @Test
  void aParentThatIsNotDelegatedIsRefusedNamingTheFileAndTheUid() throws IOException {
    V2Manager m = v2();
    fs.notWritable.add(root.resolve("cgroup.procs"));
    assertThatThrownBy(() -> m.create("c", CgroupLimits.none())).isInstanceOf(CgroupException.class)
        .hasMessageContaining("not delegated to uid " + BaseManager.uid())
        .hasMessageContaining(root.resolve("cgroup.procs") + " is not writable, owner uid ");
    assertThatThrownBy(() -> m.checkEnforceable(CgroupLimits.builder().pidsMax(3).build()))
        .isInstanceOf(CgroupException.class).hasMessageContaining("cgroup.procs");
    assertThatThrownBy(m::checkDelegated).isInstanceOf(CgroupException.class);
    assertThat(root.resolve("c")).doesNotExist();
    fs.notWritable.clear();
    fs.notWritable.add(root);
    assertThatThrownBy(m::checkDelegated).isInstanceOf(CgroupException.class)
        .hasMessageContaining(root + " is not writable");
    fs.notWritable.clear();
    fs.notWritable.add(root.resolve("cgroup.subtree_control"));
    assertThatThrownBy(m::checkDelegated).isInstanceOf(CgroupException.class)
        .hasMessageContaining("cgroup.subtree_control is not writable");
    fs.notWritable.clear();
    m.checkDelegated();
    m.checkEnforceable(CgroupLimits.builder().pidsMax(3).build());
  }

  @Test
  void theFieldNamedForAControllerIsTheFirstLimitItWouldWrite() {
    assertThat(BaseManager.fieldOf("memory", CgroupLimits.builder().memoryMax(1 << 20).memoryHigh(1 << 20).build())).isEqualTo("memoryMax");
    assertThat(BaseManager.fieldOf("memory", CgroupLimits.builder().memorySwapMax(0).memoryHigh(1 << 20).build())).isEqualTo("memorySwapMax");
    assertThat(BaseManager.fieldOf("memory", CgroupLimits.builder().memoryHigh(1 << 20).memoryLow(1 << 20).build())).isEqualTo("memoryHigh");
    assertThat(BaseManager.fieldOf("memory", CgroupLimits.builder().memoryLow(1 << 20).memoryMin(1 << 20).build())).isEqualTo("memoryLow");
    assertThat(BaseManager.fieldOf("memory", CgroupLimits.builder().memoryMin(1 << 20).build())).isEqualTo("memoryMin");
    assertThat(BaseManager.fieldOf("memory", CgroupLimits.builder().oomGroup(true).build())).isEqualTo("oomGroup");
    assertThat(BaseManager.fieldOf("cpu", CgroupLimits.builder().cpus(1).cpuWeight(5).build())).isEqualTo("cpus");
    assertThat(BaseManager.fieldOf("cpu", CgroupLimits.builder().cpuQuotaMicros(5000).cpuWeight(5).build())).isEqualTo("cpuQuotaMicros");
    assertThat(BaseManager.fieldOf("cpu", CgroupLimits.builder().cpuWeight(5).build())).isEqualTo("cpuWeight");
    assertThat(BaseManager.fieldOf("cpu", CgroupLimits.none())).isEqualTo("cpuPeriodMicros");
    assertThat(BaseManager.fieldOf("pids", CgroupLimits.none())).isEqualTo("pidsMax");
    assertThat(BaseManager.fieldOf("devices", CgroupLimits.none())).isEqualTo("deviceAllowList");
    assertThat(BaseManager.fieldOf("io", CgroupLimits.builder().ioWeight(10).build())).isEqualTo("ioWeight");
    assertThat(BaseManager.fieldOf("blkio", CgroupLimits.builder().ioLimit(IoDeviceLimit.builder("8:0").readBps(1).build()).build())).isEqualTo("ioLimits");
    assertThat(BaseManager.fieldOf("cpuset", CgroupLimits.builder().cpusetCpus("0").build())).isEqualTo("cpusetCpus");
    assertThat(BaseManager.fieldOf("cpuset", CgroupLimits.builder().cpusetMems("0").build())).isEqualTo("cpusetMems");
    assertThat(BaseManager.fieldOf("hugetlb", CgroupLimits.none())).isEqualTo("hugetlb");
  }

  @Test
  void aHybridHostEnablesAV2OnlyControllerInItsOwnIntermediatesOnly() throws IOException {
    Map<String, Path> parents = new LinkedHashMap<>();
    v1(parents, "memory", "memory.limit_in_bytes", "memory.oom_control");
    Path unified = FakeCgroupFs.v2Root(tmp.resolve("h-unified"), "hugetlb");
    Files.writeString(unified.resolve("cgroup.subtree_control"), "hugetlb\n");
    parents.put(Member.UNIFIED, unified);
    HybridManager hybrid = new HybridManager(CgroupHierarchy.HYBRID, fs, d -> d, parents);
    try (Cgroup cg = hybrid.create("x/c", CgroupLimits.builder().hugetlb("2MB", 4L << 20).build())) {
      assertThat(read(unified.resolve("x/cgroup.subtree_control"))).isEqualTo("hugetlb");
      assertThat(read(unified.resolve("x/c/hugetlb.2MB.max"))).isEqualTo(Long.toString(4L << 20));
      assertThat(fs.writes).doesNotContain(unified.resolve("cgroup.subtree_control") + "=+hugetlb");
      long enables = fs.writes.stream().filter(w -> w.endsWith("subtree_control=+hugetlb")).count();
      assertThat(enables).isEqualTo(1);
      // a second cgroup below the same intermediate: already enabled there, no second write
      try (Cgroup other = hybrid.create("x/d", CgroupLimits.builder().hugetlb("2MB", 2L << 20).build())) {
        assertThat(fs.writes.stream().filter(w -> w.endsWith("subtree_control=+hugetlb")).count()).isEqualTo(1);
      }
      CgroupStats s = cg.stats();
      assertThat(s.cpu()).isNotNull();
    }
  }

  @Test
  void aV1OnlyLimitWithoutItsHierarchyIsUnsupportedNamingTheField() throws IOException {
    Map<String, Path> parents = new LinkedHashMap<>();
    v1(parents, "memory", "memory.limit_in_bytes", "memory.oom_control");
    HybridManager legacy = new HybridManager(CgroupHierarchy.LEGACY, fs, d -> d, parents);
    assertThatThrownBy(() -> legacy.create("c", CgroupLimits.builder().pidsMax(5).build()))
        .isInstanceOfSatisfying(UnsupportedLimitException.class, e -> assertThat(e.getMessage()).contains("pidsMax"))
        .hasMessageContaining("no cgroup v1 hierarchy for pids is mounted")
        .hasMessageNotContaining("subtree_control");
    Path unified = FakeCgroupFs.v2Root(tmp.resolve("u2"), "pids");
    parents.put(Member.UNIFIED, unified);
    HybridManager hybrid = new HybridManager(CgroupHierarchy.HYBRID, fs, d -> d, parents);
    assertThatThrownBy(() -> hybrid.create("c", CgroupLimits.builder().pidsMax(5).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageContaining("pids is not enabled in " + unified.resolve("cgroup.subtree_control"));
    assertThat(parents.get("memory").resolve("c")).doesNotExist();
    assertThat(unified.resolve("c")).doesNotExist();
  }

  @Test
  void removeRetriesAnEbusyRmdirAWhileThenGivesUp() throws IOException {
    V2Manager m = v2();
    Cgroup cg = m.create("c", CgroupLimits.none());
    Files.createDirectories(root.resolve("c/nested/deeper")); // made inside by someone else: removed too
    fs.busy.put(root.resolve("c"), 3);
    cg.remove();
    assertThat(root.resolve("c")).doesNotExist();
    assertThat(fs.busy).containsEntry(root.resolve("c"), 0);
    Cgroup stuck = m.create("d", CgroupLimits.none());
    fs.busy.put(root.resolve("d"), 1000);
    assertThatThrownBy(stuck::remove).isInstanceOfSatisfying(CgroupException.class,
        e -> assertThat(e.errno()).isEqualTo(CgroupLibC.EBUSY));
    assertThat(fs.busy.get(root.resolve("d"))).as("51 attempts, 10 ms apart").isEqualTo(1000 - 51);
    fs.busy.clear();
    stuck.remove();
    assertThat(root.resolve("d")).doesNotExist();
  }

  @Test
  void aLimitWriteThatFindsNoFileSaysWhyAndOtherErrorsPassThrough() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("w"));
    Files.writeString(dir.resolve("cgroup.controllers"), "cpu io\n");
    Files.writeString(dir.resolve("pids.max"), "");
    fs.failures.put(dir.resolve("pids.max"), dev.containerj.linux.internal.Constants.ENOENT);
    assertThatThrownBy(() -> Writes.limit(fs, dir, "pids.max", "5", "pidsMax"))
        .isInstanceOf(UnsupportedLimitException.class).hasMessageStartingWith("pidsMax cannot be enforced: ")
        .hasMessageContaining("pids.max does not exist").hasMessageContaining("cgroup.controllers: cpu io)");
    fs.failures.put(dir.resolve("pids.max"), 22);
    assertThatThrownBy(() -> Writes.limit(fs, dir, "pids.max", "5", "pidsMax"))
        .isExactlyInstanceOf(CgroupException.class).hasMessageContaining("EINVAL");
    Path gone = tmp.resolve("gone");
    fs.failures.put(gone.resolve("pids.max"), dev.containerj.linux.internal.Constants.ENOENT);
    assertThatThrownBy(() -> Writes.limit(fs, gone, "pids.max", "5", "pidsMax"))
        .isExactlyInstanceOf(CgroupException.class).hasMessageContaining("was removed while its limits were written");
    fs.failures.clear();
    Writes.limit(fs, dir, "pids.max", "5", "pidsMax");
    assertThat(read(dir.resolve("pids.max"))).isEqualTo("5");
  }

  @Test
  void controllersAreNamedAsTheKernelsHierarchiesAndHugePageSizesConvert() {
    assertThat(List.of(new V1Memory(), new V1Cpu(), new V1Cpuacct(), new V1Pids(), new V1Blkio(), new V1Cpuset(),
        new V1Devices())).extracting(Controller::name)
        .containsExactly("memory", "cpu", "cpuacct", "pids", "blkio", "cpuset", "devices");
    assertThat(List.of(new V2Devices(), new V2Pids(), new V2Io())).extracting(Controller::name)
        .containsExactly("devices", "pids", "io");
    assertThat(new V1Cpuacct().wanted(CgroupLimits.builder().cpus(1).build())).as("accounting only").isFalse();
    assertThat(Hugetlb.kilobytes("2MB")).isEqualTo(2048);
    assertThat(Hugetlb.kilobytes("1GB")).isEqualTo(1L << 20);
    assertThat(Hugetlb.kilobytes("64KB")).isEqualTo(64);
  }

  @Test
  void aWalkWhoseIntermediateASiblingRemovedStartsAgainButOnlyThen() throws IOException {
    int enoent = dev.containerj.linux.internal.Constants.ENOENT;
    V2Manager m = v2();
    CgroupLimits pids = CgroupLimits.builder().pidsMax(8).build();
    // x removed under the walk (its mkdir of x/c finds no parent): the walk starts again from the top
    fs.mkdirFailures.put(root.resolve("x/c"), new java.util.ArrayDeque<>(List.of(enoent, enoent)));
    try (Cgroup cg = m.create("x/c", pids)) {
      assertThat(read(root.resolve("x/c/pids.max"))).isEqualTo("8");
      assertThat(fs.mkdirFailures.get(root.resolve("x/c"))).isEmpty();
    }
    // ENOENT below the manager's own parent: that parent itself is gone, no walk can help
    fs.mkdirFailures.put(root.resolve("d"), new java.util.ArrayDeque<>(List.of(enoent)));
    assertThatThrownBy(() -> m.create("d", pids)).isInstanceOfSatisfying(CgroupException.class,
        e -> assertThat(e.errno()).isEqualTo(enoent));
    // another errno is no race: no second walk
    fs.mkdirFailures.put(root.resolve("y/c"), new java.util.ArrayDeque<>(List.of(22, 22)));
    assertThatThrownBy(() -> m.create("y/c", pids)).isInstanceOfSatisfying(CgroupException.class,
        e -> assertThat(e.errno()).isEqualTo(22));
    assertThat(fs.mkdirFailures.get(root.resolve("y/c"))).as("tried once").hasSize(1);
    // a parent that keeps vanishing: a bounded number of walks, then the error
    java.util.ArrayDeque<Integer> always = new java.util.ArrayDeque<>();
    for (int i = 0; i < 1000; i++) {
      always.add(enoent);
    }
    fs.mkdirFailures.put(root.resolve("z/c"), always);
    assertThatThrownBy(() -> m.create("z/c", pids)).isInstanceOf(CgroupException.class);
    assertThat(1000 - always.size()).as("walks").isEqualTo(BaseManager.MAX_WALKS);
    assertThat(root.resolve("d")).doesNotExist();
    assertThat(root.resolve("y")).as("what the failed create made is removed").doesNotExist();
  }
}
