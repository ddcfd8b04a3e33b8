package dev.containerj.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupEnvironment;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.linux.internal.LibC;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The cgroup v2 device program on the running kernel, also on a hybrid host (where the v1 devices
 * controller is what containers use): the verifier accepts what {@link DeviceFilter} assembles, and
 * once attached it denies what it does not allow.
 */
@Tag("kernel")
class DeviceProgramKernelTest {
  @Test
  void theAttachedProgramDeniesWhatItDoesNotAllowAndNothingElse() throws Exception {
    assumeTrue(LibC.geteuid() == 0, "needs root: loading a BPF device program needs CAP_SYS_ADMIN or CAP_BPF");
    CgroupEnvironment env = CgroupEnvironment.detect();
    assumeTrue(!dev.containerj.cgroups.HostCgroupProbe.cgroup2Mounts().isEmpty(), "no cgroup v2 hierarchy mounted");
    Path parent = env.ownUnifiedDirectory().orElseThrow();
    V2Manager manager = new V2Manager(CgroupFs.real(), DeviceResolver.real(), parent, false, Optional.empty());
    String name = "cj-devprog-" + ProcessHandle.current().pid();
    CgroupLimits allowNull = CgroupLimits.builder()
        .deviceAllowList(List.of(DeviceRule.chr(1, 3, "rw"), DeviceRule.chr(136, DeviceRule.ANY, "rw"))).build();
    try (Cgroup cg = manager.createForLimits(name, allowNull)) {
      assertThat(run(cg)).contains("Operation not permitted", "zero-denied", "null-opened").doesNotContain("zero-opened");
    }
    // Protection off: without the program the same shell opens /dev/zero.
    try (Cgroup cg = manager.createForLimits(name, CgroupLimits.none())) {
      assertThat(run(cg)).contains("zero-opened", "null-opened");
    }
    assertThat(parent.resolve(name)).doesNotExist();
  }

  private static String run(Cgroup cg) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "read _go; head -c 1 /dev/zero > /dev/null && echo zero-opened"
        + " || echo zero-denied; : > /dev/null && echo null-opened || echo null-denied")
        .redirectErrorStream(true).start();
    try {
      cg.addProcess(p.pid());
      p.getOutputStream().write('\n');
      p.getOutputStream().flush();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
  }
}
