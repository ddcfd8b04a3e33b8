package dev.containerj.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * As an ordinary user: inside a delegated subtree cgroups work with limits; anywhere else creation
 * fails with a clear error and creates nothing. CI runs this class again as user nobody.
 */
@Tag("kernel")
@Tag("rootless")
class CgroupRootlessTest {
  @Test
  void discoveryWorksForAnyUser() throws IOException {
    CgroupEnvironment env = CgroupEnvironment.detect();
    assertThat(env.unifiedMount().isPresent() || !env.v1Mounts().isEmpty()).isTrue();
    if (env.hierarchy() != CgroupHierarchy.UNIFIED) {
      assertThat(env.v1Mounts()).isNotEmpty();
    }
    for (Path dir : CgroupManager.forCurrentProcess().parentPaths().values()) {
      assertThat(dir).as("own cgroup directory").isDirectory();
      assertThat(Files.readString(dir.resolve("cgroup.procs"))).as("the JVM is in its own cgroup")
          .containsPattern("(?m)^" + ProcessHandle.current().pid() + "$");
    }
  }

  @Test
  void outsideADelegatedSubtreeCreationFailsClearlyAndCreatesNothing() throws IOException {
    assumeTrue(LibC.geteuid() != 0, "running as root, for whom every cgroup is writable: the "
        + "not-delegated error is tested when CI runs this class as user nobody");
    CgroupManager m = KernelSupport.manager();
    boolean delegated;
    try {
      m.checkDelegated();
      delegated = true;
    } catch (CgroupException e) {
      delegated = false;
    }
    String name = KernelSupport.uniqueName();
    if (delegated) {
      try (Cgroup cg = m.create(name, CgroupLimits.builder().pidsMax(20).build())) {
        Path pidsMax = cg.paths().containsKey("pids") ? cg.paths().get("pids").resolve("pids.max")
            : cg.unifiedPath().orElseThrow().resolve("pids.max");
        assertThat(Files.readString(pidsMax).trim()).isEqualTo("20");
      }
    } else {
      assertThatThrownBy(() -> m.create(name, CgroupLimits.builder().pidsMax(20).build()))
          .isInstanceOf(CgroupException.class)
          .hasMessageContaining("it is not delegated to uid " + LibC.geteuid())
          .hasMessageContaining("is not writable");
    }
    assertThat(KernelSupport.leftovers()).isEmpty();
  }
}
