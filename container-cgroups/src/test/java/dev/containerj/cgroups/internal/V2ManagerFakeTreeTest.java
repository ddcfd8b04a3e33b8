package dev.containerj.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupException;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.CgroupStats;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.cgroups.IoDeviceLimit;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cgroup v2 code paths against a fake cgroupfs tree: which file gets which value. */
class V2ManagerFakeTreeTest {
  @TempDir Path tmp;
  Path root;
  FakeCgroupFs fs;
  DeviceResolver devices = d -> {
    if (d.equals("/dev/fakedisk")) {
      return "254:0";
    }
    if (d.equals("8:0")) {
      return d;
    }
    throw new dev.containerj.linux.InvalidValueException("io device", d, "must exist");
  };

  @BeforeEach
  void setUp() throws IOException {
    root = FakeCgroupFs.v2Root(tmp.resolve("unified"), "cpuset cpu io memory hugetlb pids");
    fs = new FakeCgroupFs();
  }

  BaseManager manager() {
    return new V2Manager(fs, devices, root, true, Optional.empty());
  }

  String read(Path p) throws IOException {
    return Files.readString(p).trim();
  }

  @Test
  void aDevicePolicyIsABpfProgramAttachedToTheCgroupWithNoControllerEnabledForIt() throws IOException {
    CgroupLimits limits = CgroupLimits.builder().deviceAllowList(DeviceRule.containerDefaults()).build();
    try (Cgroup cg = new V2Manager(fs, devices, root, false, Optional.empty()).createForLimits("containerj/abc", limits)) {
      assertThat(fs.writes).containsExactly(root.resolve("containerj/abc/bpf-device-program") + "="
          + DeviceFilter.assemble(DeviceRule.containerDefaults()).length / 8);
    }
  }

  @Test
  void pidsUnlimitedWritesMaxAndADefaultCanBeLean() throws IOException {
    try (Cgroup cg = manager().createForLimits("c", CgroupLimits.builder().pidsUnlimited().build())) {
      assertThat(read(root.resolve("c/pids.max"))).isEqualTo("max");
      // Only pids is enabled: memory is not enabled for accounting in a cgroup made for limits.
      assertThat(read(root.resolve("cgroup.subtree_control"))).isEqualTo("pids");
    }
  }

  @Test
  void createWritesEveryLimitAndEnablesControllersTopDown() throws IOException {
    CgroupLimits limits = CgroupLimits.builder()
        .memoryMax(64L << 20).memoryHigh(48L << 20).memoryLow(8L << 20).memoryMin(4L << 20)
        .memorySwapMax(0).oomGroup(true)
        .cpus(1.5).cpuWeight(200)
        .pidsMax(20)
        .ioLimit(IoDeviceLimit.builder("/dev/fakedisk").readBps(1_000_000).writeBps(2_000_000).readIops(50).writeIops(100).build())
        .ioWeight(300)
        .cpusetCpus("0").cpusetMems("0")
        .hugetlb("2MB", 4L << 20)
        .build();
    try (Cgroup cg = manager().create("containerj/abc", limits)) {
      Path dir = root.resolve("containerj/abc");
      assertThat(cg.unifiedPath()).contains(dir);
      assertThat(read(root.resolve("cgroup.subtree_control")).split(" "))
          .contains("memory", "cpu", "pids", "io", "cpuset", "hugetlb");
      assertThat(read(root.resolve("containerj/cgroup.subtree_control")).split(" "))
          .contains("memory", "cpu", "pids", "io", "cpuset", "hugetlb");
      assertThat(read(dir.resolve("memory.max"))).isEqualTo(Long.toString(64L << 20));
      assertThat(read(dir.resolve("memory.high"))).isEqualTo(Long.toString(48L << 20));
      assertThat(read(dir.resolve("memory.low"))).isEqualTo(Long.toString(8L << 20));
      assertThat(read(dir.resolve("memory.min"))).isEqualTo(Long.toString(4L << 20));
      assertThat(read(dir.resolve("memory.swap.max"))).isEqualTo("0");
      assertThat(read(dir.resolve("memory.oom.group"))).isEqualTo("1");
      assertThat(read(dir.resolve("cpu.max"))).isEqualTo("150000 100000");
      assertThat(read(dir.resolve("cpu.weight"))).isEqualTo("200");
      assertThat(read(dir.resolve("pids.max"))).isEqualTo("20");
      assertThat(read(dir.resolve("io.max"))).isEqualTo("254:0 rbps=1000000 wbps=2000000 riops=50 wiops=100");
      assertThat(read(dir.resolve("io.weight"))).isEqualTo("default 300");
      assertThat(read(dir.resolve("cpuset.cpus"))).isEqualTo("0");
      assertThat(read(dir.resolve("cpuset.mems"))).isEqualTo("0");
      assertThat(read(dir.resolve("hugetlb.2MB.max"))).isEqualTo(Long.toString(4L << 20));
      assertThat(cg.limits()).isEqualTo(limits);
    }
    assertThat(root.resolve("containerj")).doesNotExist();
  }

  @Test
  void quotaAndPeriodAreWrittenTogether() throws IOException {
    try (Cgroup cg = manager().create("q", CgroupLimits.builder().cpuQuotaMicros(20_000)
        .cpuPeriodMicros(50_000).build())) {
      assertThat(read(root.resolve("q/cpu.max"))).isEqualTo("20000 50000");
      cg.update(CgroupLimits.builder().cpuPeriodMicros(200_000).build());
      assertThat(read(root.resolve("q/cpu.max"))).isEqualTo("max 200000");
    }
  }

  @Test
  void noLimitsStillEnablesAccountingControllers() throws IOException {
    try (Cgroup cg = manager().create("plain", CgroupLimits.none())) {
      assertThat(read(root.resolve("cgroup.subtree_control")).split(" ")).contains("memory", "pids");
      assertThat(cg.oomKillCount()).isZero();
    }
  }

  @Test
  void controllerNotAvailableFailsBeforeAnythingIsCreated() throws IOException {
    Files.writeString(root.resolve("cgroup.controllers"), "cpu pids\n");
    assertThatThrownBy(() -> manager().create("x", CgroupLimits.builder().memoryMax(1 << 20).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageContaining("memoryMax cannot be enforced")
        .hasMessageContaining("memory controller is not available");
    assertThat(children()).isEmpty();
  }

  @Test
  void enableControllersFalseRefusesAMissingController() throws IOException {
    BaseManager m = new V2Manager(fs, devices, root, false, Optional.empty());
    assertThatThrownBy(() -> m.create("x", CgroupLimits.builder().pidsMax(5).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageContaining("pidsMax")
        .hasMessageContaining("not enabled in " + root.resolve("cgroup.subtree_control"));
    assertThat(children()).isEmpty();
  }

  @Test
  void badNamesAndUnknownDevicesFailBeforeAnythingIsCreated() throws IOException {
    for (String bad : new String[] {"../x", "a/../../x", "/abs", "a//b", "", "a/./b", "sp ace"}) {
      assertThatThrownBy(() -> manager().create(bad, CgroupLimits.none()))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cgroup name");
    }
    assertThatThrownBy(() -> manager().create("x", CgroupLimits.builder()
        .ioLimit(IoDeviceLimit.builder("/dev/nope").readBps(1).build()).build()))
        .isInstanceOf(dev.containerj.linux.InvalidValueException.class).hasMessage("io device must exist: /dev/nope");
    assertThat(children()).isEmpty();
  }

  @Test
  void aFailedWriteRollsBackEveryCreatedDirectory() throws IOException {
    fs.failures.put(root.resolve("a/b/pids.max"), 16);
    assertThatThrownBy(() -> manager().create("a/b", CgroupLimits.builder().pidsMax(5).build()))
        .isInstanceOf(CgroupException.class)
        .hasMessage("failed to write 5 to " + root.resolve("a/b/pids.max")
            + ": EBUSY (Device or resource busy)");
    assertThat(children()).isEmpty();
  }

  @Test
  void existingCgroupIsNotTakenOver() throws IOException {
    Files.createDirectory(root.resolve("taken"));
    assertThatThrownBy(() -> manager().create("taken", CgroupLimits.none()))
        .isInstanceOf(CgroupException.class).hasMessage("cgroup already exists: " + root.resolve("taken"));
  }

  @Test
  void internalProcessesAreExplainedOrMovedToALeaf() throws IOException {
    Path parent = root.resolve("svc");
    fs.write(root.resolve("cgroup.subtree_control"), "+memory +pids");
    fs.mkdir(parent);
    Files.writeString(parent.resolve("cgroup.procs"), "4242\n");
    fs.failures.put(parent.resolve("cgroup.subtree_control"), 16);
    BaseManager strict = new V2Manager(fs, devices, parent, true, Optional.empty());
    assertThatThrownBy(() -> strict.create("c", CgroupLimits.builder().pidsMax(3).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageContaining("no internal processes")
        .hasMessageContaining("moveParentProcessesTo");
    assertThat(parent.resolve("c")).doesNotExist();

    // With a leaf: the parent's processes move there, then enabling is retried.
    FakeCgroupFs moving = new FakeCgroupFs() {
      @Override
      public void write(Path file, String value) throws IOException {
        if (file.equals(parent.resolve("cgroup.subtree_control"))
            && !Files.readString(parent.resolve("cgroup.procs")).isBlank()) {
          throw writeError(value, file, 16);
        }
        if (file.equals(parent.resolve("leaf/cgroup.procs"))) {
          Files.writeString(parent.resolve("cgroup.procs"), "");
        }
        if (file.equals(parent.resolve("cgroup.procs"))) {
          Files.writeString(parent.resolve("leaf/cgroup.procs"), "");
        }
        super.write(file, value);
      }
    };
    V2Manager leafy = new V2Manager(moving, devices, parent, true, Optional.of("leaf"));
    assertThat(leafy.moveProcessesBack()).isEqualTo("nothing was moved");
    try (Cgroup cg = leafy.create("c", CgroupLimits.builder().pidsMax(3).build())) {
      assertThat(read(parent.resolve("leaf/cgroup.procs"))).isEqualTo("4242");
      assertThat(read(parent.resolve("c/pids.max"))).isEqualTo("3");
      assertThat(read(parent.resolve("cgroup.subtree_control"))).isEqualTo("pids memory");
      // At JVM exit with a cgroup still below the parent: it may need the controllers, keep all.
      assertThat(leafy.moveProcessesBack()).isEqualTo("kept: " + parent.resolve("c") + " still exists");
      assertThat(read(parent.resolve("leaf/cgroup.procs"))).isEqualTo("4242");
    }
    // With only the leaf left: the controllers go, the processes go back, the leaf goes.
    assertThat(leafy.moveProcessesBack()).isEqualTo("moved back to " + parent);
    assertThat(read(parent.resolve("cgroup.procs"))).isEqualTo("4242");
    assertThat(read(parent.resolve("cgroup.subtree_control"))).isEmpty();
    assertThat(parent.resolve("leaf")).doesNotExist();
  }

  /**
   * The kernel's rule the QEMU lane met: a non-root cgroup with processes takes a threaded
   * controller (pids) without EBUSY and becomes a thread root, and every enable below it then fails
   * with EOPNOTSUPP. The fake plays that rule; the parent's processes must go to the leaf before the
   * first enable (without the move: "failed to write +pids to .../containerj/cgroup.subtree_control").
   */
  @Test
  void aParentWithProcessesIsEmptiedBeforeAThreadedControllerMakesItAThreadRoot() throws IOException {
    Path parent = root.resolve("runner");
    fs.write(root.resolve("cgroup.subtree_control"), "+memory +pids");
    fs.mkdir(parent);
    Files.writeString(parent.resolve("cgroup.type"), "domain\n");
    Files.writeString(parent.resolve("cgroup.procs"), "4242\n");
    java.util.Set<Path> threadRoots = new java.util.HashSet<>();
    FakeCgroupFs kernel = new FakeCgroupFs() {
      @Override
      public void write(Path file, String value) throws IOException {
        if (file.getFileName().toString().equals("cgroup.subtree_control")) {
          Path dir = file.getParent();
          for (Path up = dir.getParent(); up != null; up = up.getParent()) {
            if (threadRoots.contains(up)) {
              throw writeError(value, file, 95); // EOPNOTSUPP: an invalid domain
            }
          }
          if (Files.exists(dir.resolve("cgroup.type")) && !Files.readString(dir.resolve("cgroup.procs")).isBlank()) {
            threadRoots.add(dir);
          }
        }
        if (file.equals(parent.resolve("leaf/cgroup.procs"))) {
          Files.writeString(parent.resolve("cgroup.procs"), "");
        }
        super.write(file, value);
      }
    };
    V2Manager manager = new V2Manager(kernel, devices, parent, true, Optional.of("leaf"));
    try (Cgroup cg = manager.create("containerj/c", CgroupLimits.builder().pidsMax(3).build())) {
      assertThat(threadRoots).isEmpty();
      assertThat(read(parent.resolve("leaf/cgroup.procs"))).isEqualTo("4242");
      assertThat(read(parent.resolve("containerj/c/pids.max"))).isEqualTo("3");
    }
    assertThat(manager.moveProcessesBack()).isEqualTo("moved back to " + parent);
  }

  /** Without a leaf, a threaded controller is not enabled in a parent with processes: refused, naming why. */
  @Test
  void withoutALeafAThreadedControllerInAParentWithProcessesIsRefused() throws IOException {
    Path parent = root.resolve("busy");
    fs.write(root.resolve("cgroup.subtree_control"), "+memory +pids");
    fs.mkdir(parent);
    Files.writeString(parent.resolve("cgroup.type"), "domain\n");
    Files.writeString(parent.resolve("cgroup.procs"), "4242\n");
    V2Manager strict = new V2Manager(fs, devices, parent, true, Optional.empty());
    assertThatThrownBy(() -> strict.create("containerj/c", CgroupLimits.builder().pidsMax(3).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageContaining("cannot enable [pids] in " + parent.resolve("cgroup.subtree_control"))
        .hasMessageContaining("thread root")
        .hasMessageContaining("moveParentProcessesTo");
    assertThat(read(parent.resolve("cgroup.subtree_control"))).isEmpty();
    assertThat(parent.resolve("containerj")).doesNotExist();
    // Accounting alone (no limit asks for pids) is left out there instead, and the cgroup is made.
    try (Cgroup cg = strict.create("plain", CgroupLimits.none())) {
      assertThat(read(parent.resolve("cgroup.subtree_control"))).doesNotContain("pids");
    }
  }

  @Test
  void processesFreezeKillAndRemove() throws IOException {
    Cgroup cg = manager().create("ops", CgroupLimits.none());
    cg.addProcess(1234);
    assertThat(cg.processes()).containsExactly(1234L);
    assertThat(cg.isPopulated()).isTrue();
    cg.freeze();
    assertThat(read(root.resolve("ops/cgroup.freeze"))).isEqualTo("1");
    assertThat(cg.isFrozen()).isTrue();
    cg.thaw();
    assertThat(cg.isFrozen()).isFalse();
    cg.close();
    assertThat(fs.writes).contains(root.resolve("ops/cgroup.kill") + "=1");
    assertThat(root.resolve("ops")).doesNotExist();
    cg.close(); // idempotent
  }

  @Test
  void nestedChildrenAreRemovedWithTheirParent() throws IOException {
    Cgroup parent = manager().create("p", CgroupLimits.builder().pidsMax(50).build());
    Cgroup child = parent.createChild("c1", CgroupLimits.builder().pidsMax(5).build());
    assertThat(child.unifiedPath()).contains(root.resolve("p/c1"));
    assertThat(read(root.resolve("p/cgroup.subtree_control"))).contains("pids");
    assertThat(read(root.resolve("p/c1/pids.max"))).isEqualTo("5");
    parent.close();
    assertThat(root.resolve("p")).doesNotExist();
  }

  @Test
  void statsParseTheKernelFormats() throws IOException {
    try (Cgroup cg = manager().create("s", CgroupLimits.builder().memoryMax(1 << 30).build())) {
      Path d = root.resolve("s");
      Files.writeString(d.resolve("memory.current"), "4096\n");
      Files.writeString(d.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n");
      Files.writeString(d.resolve("memory.stat"), "anon 100\nfile 200\n");
      Files.writeString(d.resolve("cpu.stat"), "usage_usec 500\nuser_usec 300\nsystem_usec 200\n"
          + "nr_periods 10\nnr_throttled 4\nthrottled_usec 99\n");
      Files.writeString(d.resolve("pids.current"), "7\n");
      Files.writeString(d.resolve("memory.pressure"),
          "some avg10=1.50 avg60=0.20 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=5\n");
      CgroupStats st = cg.stats();
      assertThat(st.memory().current()).hasValue(4096);
      assertThat(st.memory().oomEvents()).hasValue(2);
      assertThat(st.memory().oomKills()).hasValue(1);
      assertThat(st.memory().stat()).containsEntry("file", 200L);
      assertThat(st.cpu().usageMicros()).hasValue(500);
      assertThat(st.cpu().throttledPeriods()).hasValue(4);
      assertThat(st.cpu().throttledMicros()).hasValue(99);
      assertThat(st.pids().current()).hasValue(7);
      assertThat(st.pressure().get(dev.containerj.cgroups.PressureResource.MEMORY).some().avg10())
          .isEqualTo(1.5);
      assertThat(st.pressure().get(dev.containerj.cgroups.PressureResource.MEMORY).full().totalMicros())
          .isEqualTo(5);
      assertThat(cg.oomKillCount()).isEqualTo(1);
    }
  }

  @Test
  void oomListenerGetsOneCallPerKillFromMemoryEvents() throws Exception {
    try (Cgroup cg = manager().create("oom", CgroupLimits.builder().memoryMax(1 << 20).build())) {
      java.util.List<Long> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      java.util.concurrent.CountDownLatch three = new java.util.concurrent.CountDownLatch(3);
      Path events = root.resolve("oom/memory.events");
      try (dev.containerj.cgroups.Subscription s = cg.onOomKill(n -> {
        seen.add(n);
        three.countDown();
      })) {
        Files.writeString(events, "oom 1\noom_kill 1\n");
        Thread.sleep(100);
        Files.writeString(events, "oom 1\noom_kill 1\nmax 5\n"); // another field changed: no call
        Thread.sleep(100);
        Files.writeString(events, "oom 3\noom_kill 3\n"); // two kills seen in one event: two calls
        assertThat(three.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(seen).containsExactly(1L, 2L, 3L);
      }
      Files.writeString(events, "oom 4\noom_kill 4\n"); // closed: no call
      Thread.sleep(100);
      assertThat(seen).hasSize(3);
    }
  }

  @Test
  void emptyListenerFiresOnPopulatedOneToZero() throws Exception {
    try (Cgroup cg = manager().create("empty", CgroupLimits.none())) {
      cg.addProcess(99);
      java.util.concurrent.CountDownLatch empty = new java.util.concurrent.CountDownLatch(1);
      try (dev.containerj.cgroups.Subscription s = cg.onEmpty(empty::countDown)) {
        Files.writeString(root.resolve("empty/cgroup.events"), "populated 0\nfrozen 0\n");
        assertThat(empty.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      }
      Files.writeString(root.resolve("empty/cgroup.procs"), "");
    }
  }

  @Test
  void delegationCheckNamesTheFileThatIsNotWritable() throws IOException {
    FakeCgroupFs readOnly = new FakeCgroupFs() {
      @Override
      public boolean writable(Path path) {
        return !path.getFileName().toString().equals("cgroup.subtree_control");
      }
    };
    BaseManager m = new V2Manager(readOnly, devices, root, true, Optional.empty());
    assertThatThrownBy(m::checkDelegated)
        .isInstanceOf(CgroupException.class)
        .hasMessageStartingWith("cannot create a cgroup below " + root + ": it is not delegated to uid ")
        .hasMessageContaining(root.resolve("cgroup.subtree_control") + " is not writable");
  }

  private java.util.List<Path> children() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory).toList();
    }
  }
}
