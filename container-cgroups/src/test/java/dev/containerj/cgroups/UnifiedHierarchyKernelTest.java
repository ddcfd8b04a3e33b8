package dev.containerj.cgroups;

import static dev.containerj.cgroups.KernelSupport.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.cgroups.KernelSupport.Payload;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The cgroup v2 manager itself (not the hybrid one) on the real cgroup2 mount, whatever the host:
 * on a hybrid host that is /sys/fs/cgroup/unified, which has no resource controllers, so this proves
 * membership, freeze, kill, the populated event and the refusal of limits that the mount cannot
 * enforce. It never enables controllers in its parent (enableControllers(false)).
 */
@Tag("kernel")
class UnifiedHierarchyKernelTest {
  static CgroupManager v2;
  static Path parent;

  @BeforeAll
  static void v2Manager() throws IOException {
    assumeTrue(LibC.geteuid() == 0, "needs root to create cgroups below this process's own v2 cgroup");
    CgroupEnvironment host = CgroupEnvironment.detect();
    assumeTrue(!HostCgroupProbe.cgroup2Mounts().isEmpty(), "no cgroup2 hierarchy is mounted: the v2 manager "
        + "cannot be tested on this host");
    CgroupEnvironment.Mount m = host.unifiedMount().get();
    String own = host.ownUnifiedCgroup().orElse("/");
    CgroupEnvironment v2Only = CgroupEnvironment.parse(
        "1 0 0:1 " + m.root() + " " + m.mountPoint() + " rw - cgroup2 cgroup2 rw\n", "0::" + own + "\n");
    v2 = CgroupManager.builder().environment(v2Only).enableControllers(false).build();
    assertThat(v2.hierarchy()).isEqualTo(CgroupHierarchy.UNIFIED);
    parent = v2.parentPaths().get("unified");
  }

  @AfterAll
  static void nothingLeftBehind() throws IOException {
    if (parent != null) {
      try (var s = Files.list(parent)) {
        assertThat(s.filter(p -> p.getFileName().toString().startsWith(KernelSupport.PREFIX)))
            .as("v2 cgroups left behind").isEmpty();
      }
    }
  }

  @Test
  void membershipFreezeKillAndEmptyEventOnCgroup2() throws Exception {
    try (Cgroup cg = v2.create(uniqueName(), CgroupLimits.none());
        Payload p = new Payload("for i in $(seq 50); do sleep 1000 & done; echo ready; wait")) {
      assertThat(cg.paths()).containsOnlyKeys("unified");
      cg.addProcess(p.pid());
      assertThat(Files.readString(Path.of("/proc/" + p.pid() + "/cgroup")))
          .containsPattern("(?m)^0::/.*" + cg.name() + "$");
      p.go().awaitLine("ready");
      assertThat(cg.processes()).hasSizeGreaterThanOrEqualTo(51);
      cg.freeze();
      assertThat(Files.readString(cg.unifiedPath().orElseThrow().resolve("cgroup.events")))
          .contains("frozen 1");
      List<String> states = new ArrayList<>();
      for (long pid : cg.processes().subList(0, 3)) {
        // /proc/PID/stat field 3; a frozen task sleeps in the freezer (S or D), never R.
        states.add(Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ")[1].substring(0, 1));
      }
      assertThat(states).doesNotContain("R");
      cg.thaw();
      CountDownLatch empty = new CountDownLatch(1);
      try (Subscription s = cg.onEmpty(empty::countDown)) {
        cg.killAll();
        assertThat(empty.await(5, TimeUnit.SECONDS)).as("populated 1 -> 0 event").isTrue();
      }
      assertThat(cg.isPopulated()).isFalse();
    }
  }

  @Test
  void limitsThisMountCannotEnforceAreRefusedBeforeAnythingIsCreated() throws Exception {
    String available = Files.readString(parent.resolve("cgroup.controllers"));
    String enabled = Files.readString(parent.resolve("cgroup.subtree_control"));
    assumeTrue(!enabled.contains("pids"), "pids is enabled in " + parent + ": nothing to refuse");
    String name = uniqueName();
    assertThatThrownBy(() -> v2.create(name, CgroupLimits.builder().pidsMax(5).build()))
        .isInstanceOf(UnsupportedLimitException.class)
        .hasMessageStartingWith("pidsMax cannot be enforced: the pids controller is not "
            + (available.contains("pids") ? "enabled in " : "available in "));
    assertThat(parent.resolve(name)).doesNotExist();
  }
}
