package dev.containerj.cgroups;

import static dev.containerj.cgroups.KernelSupport.eventually;
import static dev.containerj.cgroups.KernelSupport.read;
import static dev.containerj.cgroups.KernelSupport.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.cgroups.KernelSupport.Payload;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pure cgroup v1 path (no cgroup2 at all): membership in the v1 hierarchies only, freezing
 * through the v1 freezer, killing by freeze + SIGKILL each pid + thaw. Run on a hybrid host by
 * hiding its cgroup2 mount from the environment; not applicable where no v1 freezer is mounted.
 */
@Tag("kernel")
class LegacyHierarchyKernelTest {
  static CgroupManager v1;

  @TempDir Path tmp;

  @BeforeAll
  static void v1OnlyManager() throws IOException {
    assumeTrue(LibC.geteuid() == 0, "needs root to create cgroups below this process's own v1 cgroups");
    CgroupEnvironment host = CgroupEnvironment.detect();
    assumeTrue(HostCgroupProbe.v1ControllerMounted("freezer"), "no v1 freezer is mounted (pure cgroup v2 host): "
        + "the pure v1 path is not applicable here");
    StringBuilder mountinfo = new StringBuilder();
    StringBuilder procCgroup = new StringBuilder();
    int id = 1;
    for (var e : host.v1Mounts().entrySet()) {
      mountinfo.append(id).append(" 0 0:").append(id).append(' ').append(e.getValue().root()).append(' ')
          .append(e.getValue().mountPoint()).append(" rw - cgroup cgroup rw,").append(e.getKey()).append('\n');
      procCgroup.append(id++).append(':').append(e.getKey()).append(':')
          .append(host.ownV1Cgroups().get(e.getKey())).append('\n');
    }
    CgroupEnvironment legacy = CgroupEnvironment.parse(mountinfo.toString(), procCgroup.toString());
    assertThat(legacy.hierarchy()).isEqualTo(CgroupHierarchy.LEGACY);
    v1 = CgroupManager.builder().environment(legacy).build();
  }

  @AfterAll
  static void nothingLeftBehind() throws IOException {
    if (v1 != null) {
      for (Path parent : v1.parentPaths().values()) {
        try (var s = Files.list(parent)) {
          assertThat(s.filter(p -> p.getFileName().toString().startsWith(KernelSupport.PREFIX)))
              .as("v1 cgroups left behind in " + parent).isEmpty();
        }
      }
    }
  }

  @Test
  void freezerStopsACounterAndKillEmptiesWithoutCgroup2() throws Exception {
    Path counter = tmp.resolve("counter");
    try (Cgroup cg = v1.create(uniqueName(), CgroupLimits.builder().pidsMax(50).build());
        Payload p = new Payload("for i in $(seq 20); do sleep 1000 & done; "
            + "i=0; while :; do i=$((i+1)); echo $i > " + counter + "; done")) {
      assertThat(cg.unifiedPath()).isEmpty();
      assertThat(cg.paths()).containsKey("freezer");
      cg.addProcess(p.pid());
      p.go();
      assertThat(eventually(5000, () -> Files.exists(counter))).isTrue();
      cg.freeze();
      assertThat(read(cg.paths().get("freezer").resolve("freezer.state"))).isEqualTo("FROZEN");
      String frozen = read(counter);
      Thread.sleep(300);
      assertThat(read(counter)).isEqualTo(frozen);
      cg.thaw();
      assertThat(eventually(5000, () -> !read(counter).equals(frozen))).isTrue();
      assertThat(cg.processes()).hasSizeGreaterThanOrEqualTo(21);
      cg.killAll();
      assertThat(cg.processes()).isEmpty();
      assertThat(cg.isPopulated()).isFalse();
      assertThat(p.process.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }
  }
}
