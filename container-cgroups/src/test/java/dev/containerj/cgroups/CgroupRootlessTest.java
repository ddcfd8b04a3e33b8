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
    // Whether this user may create cgroups here, decided by the test itself rather than by the
    // library's own delegation check (which a bug would then share).
    boolean delegated = ownCgroupDirsWritable();
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

  /**
   * True when this process may write, by access(2) as Files.isWritable asks, each of its own cgroup
   * directories and their cgroup.procs (and cgroup.subtree_control in v2, where a child needs
   * controllers enabled): the directories computed here from /proc/self/cgroup and the cgroup
   * mounts in /proc/self/mountinfo (cgroups(7)). Named v1 hierarchies (name=systemd) hold no
   * controller and are ignored.
   */
  static boolean ownCgroupDirsWritable() throws IOException {
    java.util.List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    java.util.List<Path> dirs = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      java.util.Set<String> controllers = f[1].isEmpty() ? java.util.Set.of() : java.util.Set.of(f[1].split(","));
      if (controllers.stream().anyMatch(c -> c.startsWith("name="))) {
        continue;
      }
      for (String mount : mounts) {
        String[] parts = mount.split(" - ", 2);
        String[] after = parts[1].split(" ");
        java.util.Set<String> superOptions = java.util.Set.of(after[2].split(","));
        boolean matches = controllers.isEmpty() ? after[0].equals("cgroup2")
            : after[0].equals("cgroup") && superOptions.containsAll(controllers);
        if (matches) {
          Path dir = Path.of(parts[0].split(" ")[4] + (f[2].equals("/") ? "" : f[2]));
          dirs.add(dir);
          if (controllers.isEmpty()) {
            dirs.add(dir.resolve("cgroup.subtree_control"));
          }
          dirs.add(dir.resolve("cgroup.procs"));
          break;
        }
      }
    }
    assertThat(dirs).as("own cgroup directories from /proc/self/cgroup").isNotEmpty();
    return dirs.stream().allMatch(Files::isWritable);
  }
}
