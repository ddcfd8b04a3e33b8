package dev.containerj.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.cgroups.CgroupEnvironment;
import dev.containerj.cgroups.CgroupException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which directory a v2 manager takes as the parent of the cgroups it makes (no kernel: parsed texts). */
class ManagersTest {
  private static final String MOUNTINFO = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

  private static Path parentOf(String procCgroup, Optional<String> parent, Optional<String> leaf) throws CgroupException {
    CgroupEnvironment env = CgroupEnvironment.parse(MOUNTINFO, procCgroup);
    return Managers.create(env, parent, true, leaf, CgroupFs.real(), DeviceResolver.real()).parentPaths().values()
        .iterator().next();
  }

  /**
   * A process that an earlier manager moved into the leaf (a JVM started by a JVM that moved its
   * cgroup's processes) makes its cgroups next to the leaf, not below it: else each generation of
   * JVMs would move everyone one leaf deeper (seen in the QEMU lane: six nested leaves left).
   */
  @Test
  void aProcessInTheLeafMakesItsCgroupsNextToIt() throws CgroupException {
    assertThat(parentOf("0::/lane.slice/runner/containerj-jvm\n", Optional.empty(), Optional.of("containerj-jvm")))
        .isEqualTo(Path.of("/sys/fs/cgroup/lane.slice/runner"));
    assertThat(parentOf("0::/lane.slice/runner\n", Optional.empty(), Optional.of("containerj-jvm")))
        .isEqualTo(Path.of("/sys/fs/cgroup/lane.slice/runner"));
    // Without a leaf, or with another name, or with an explicit parent, the cgroup is taken as it is.
    assertThat(parentOf("0::/lane.slice/runner/containerj-jvm\n", Optional.empty(), Optional.empty()))
        .isEqualTo(Path.of("/sys/fs/cgroup/lane.slice/runner/containerj-jvm"));
    assertThat(parentOf("0::/lane.slice/runner/other\n", Optional.empty(), Optional.of("containerj-jvm")))
        .isEqualTo(Path.of("/sys/fs/cgroup/lane.slice/runner/other"));
    assertThat(parentOf("0::/a\n", Optional.of("/x/containerj-jvm"), Optional.of("containerj-jvm")))
        .isEqualTo(Path.of("/sys/fs/cgroup/x/containerj-jvm"));
  }
}
