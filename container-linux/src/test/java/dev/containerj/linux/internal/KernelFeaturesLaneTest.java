package dev.containerj.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.linux.internal.KernelFeatures.CgroupLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checks the kernel probes against an independent witness (coreutils' stat, util-linux' unshare), on
 * whatever kernel runs the tests: the hybrid development host, and the pure cgroup v2 guest of the
 * QEMU lane ({@code .ci/vm-lane}, which sets {@code -Dcontainerj.lane=vm-cgroup2}). The last test
 * checks the lane itself: that it really is pure v2 and runs the tests from a non-root cgroup.
 */
@Tag("kernel")
@Tag("rootless")
class KernelFeaturesLaneTest {
  private static final String LANE = System.getProperty("containerj.lane", "host");

  @Test
  void cgroupLayoutAgreesWithTheFilesystemTypeOfSysFsCgroup() throws Exception {
    // statfs(2) magic as stat(1) names it: cgroup2fs, cgroupfs (v1) or tmpfs (the v1/hybrid parent).
    String type = run("stat", "-f", "-c", "%T", "/sys/fs/cgroup").trim();
    CgroupLayout layout = KernelFeatures.cgroupLayout();
    switch (layout) {
      case UNIFIED -> assertThat(type).as("fs type of /sys/fs/cgroup with layout %s", layout).isEqualTo("cgroup2fs");
      case HYBRID, LEGACY -> {
        assertThat(type).as("fs type of /sys/fs/cgroup with layout %s", layout).isNotEqualTo("cgroup2fs");
        assertThat(List.of("memory", "pids", "cpu", "cpuset", "freezer", "devices"))
            .as("v1 controller hierarchies below /sys/fs/cgroup with layout %s", layout)
            .anySatisfy(c -> assertThat(fsType("/sys/fs/cgroup/" + c)).isEqualTo("cgroupfs"));
      }
      case NONE -> assertThat(type).as("fs type of /sys/fs/cgroup with no cgroup mounted")
          .isNotIn("cgroup2fs", "cgroupfs");
    }
  }

  @Test
  void userNamespaceProbeAgreesWithUnshare() throws Exception {
    KernelFeatures.Feature userns = KernelFeatures.userNamespaces();
    Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "id", "-u")
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("unshare finished").isTrue();
    if (userns.available()) {
      assertThat(p.exitValue()).as("unshare --user exit status, output: %s", out).isZero();
      assertThat(out).as("uid inside the new user namespace").isEqualTo("0");
    } else {
      assertThat(p.exitValue())
          .as("unshare --user must fail when the probe says: %s", userns.unavailabilityCause())
          .isNotZero();
    }
  }

  @Test
  void vmLaneIsPureCgroupV2AndRunsTestsFromANonRootCgroup() throws Exception {
    assumeTrue(LANE.equals("vm-cgroup2"),
        "not in the pure cgroup v2 QEMU lane (containerj.lane=" + LANE + "): the lane's own setup"
            + " (pure v2, tests in a non-root cgroup with controllers) is checked only there");
    assertThat(KernelFeatures.cgroupLayout()).isEqualTo(CgroupLayout.UNIFIED);

    List<String> self = Files.readAllLines(Path.of("/proc/self/cgroup"));
    assertThat(self).as("/proc/self/cgroup on a pure v2 kernel").hasSize(1);
    assertThat(self.get(0)).startsWith("0::/");
    String own = self.get(0).substring(3);
    assertThat(own).as("own cgroup (the root cgroup would hide the no-internal-processes rule)")
        .isNotEqualTo("/");

    Path dir = Path.of("/sys/fs/cgroup" + own);
    String controllers = Files.readString(dir.resolve("cgroup.controllers")).trim();
    assertThat(List.of(controllers.split(" ")))
        .as("controllers available in %s", dir)
        .contains("cpu", "memory", "io", "pids", "cpuset");

    int euid = LibC.geteuid();
    if (euid != 0) {
      // A delegated subtree: the directory and its cgroup.procs belong to the ordinary user.
      assertThat(Files.getAttribute(dir, "unix:uid")).as("owner of %s", dir).isEqualTo(euid);
      assertThat(Files.getAttribute(dir.resolve("cgroup.procs"), "unix:uid"))
          .as("owner of %s/cgroup.procs", dir).isEqualTo(euid);
    }
  }

  private static String fsType(String path) {
    try {
      return run("stat", "-f", "-c", "%T", path).trim();
    } catch (IOException e) {
      return "unreadable: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
