package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.PlanHost;
import dev.containerj.core.internal.ProgramPlan;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every fact the planner uses comes from the runtime's {@link HostProfile}: two runtimes in one JVM
 * with different made-up profiles plan different programs for the same spec. Nothing is started.
 */
class HostProfilePlanTest {
  private static final long ALL_CAPS_40 = (1L << 41) - 1;

  @Test
  void twoRuntimesPlanOnTheirOwnProfiles(@TempDir Path a, @TempDir Path b) {
    PlanHost detected = PlanHost.detect(0, 0); // only for its host-root source, which a read-only root never asks
    PlanHost wide = new PlanHost(0, 0, 40, ALL_CAPS_40, true, Map.of(), detected.hostRoot(), path -> false);
    PlanHost narrow = new PlanHost(0, 0, 37, ALL_CAPS_40, true, Map.of(), detected.hostRoot(), path -> true);
    ContainerRuntime ra = ContainerRuntime.builder().host(HostProfile.of(wide, HostProfilePlanTest::noCgroups))
        .stateDirectory(a).reapOnStart(false).build();
    ContainerRuntime rb = ContainerRuntime.builder().host(HostProfile.of(narrow, HostProfilePlanTest::noCgroups))
        .stateDirectory(b).reapOnStart(false).build();
    ContainerSpec spec = ContainerSpec.builder().command("true").readOnlyRootfs().build();

    ProgramPlan pa = ra.plan(spec, "0123456789abcdef0123456789abcdef");
    ProgramPlan pb = rb.plan(spec, "0123456789abcdef0123456789abcdef");

    // cap_last_cap 40 against 37: the first runtime drops three more capabilities from the bounding set.
    assertThat(drops(pa)).isEqualTo(drops(pb) + 3);
    // The masked paths: a host where none is a directory binds /dev/null over each; one where all are
    // mounts an empty read-only tmpfs on each instead (runc's rule).
    List<String> masksA = pa.steps(ProgramPlan.Stage.MASKS);
    List<String> masksB = pb.steps(ProgramPlan.Stage.MASKS);
    assertThat(masksA).isNotEqualTo(masksB);
    assertThat(masksA).contains("mount(/dev/null -> /proc/acpi)");
    assertThat(masksB).doesNotContain("mount(/dev/null -> /proc/acpi)").anyMatch(s -> s.startsWith("mount(tmpfs -> /proc/acpi"));
  }

  private static long drops(ProgramPlan p) {
    return p.steps(ProgramPlan.Stage.CREDENTIALS).stream().filter(s -> s.startsWith("prctl(PR_CAPBSET_DROP")).count();
  }

  private static dev.containerj.cgroups.CgroupManager noCgroups() {
    throw new AssertionError("planning makes no cgroup");
  }
}
