package dev.containerj.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerSpec;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.internal.HelperProgram;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the planner puts {@code PR_SET_DUMPABLE} in the program of a first process that shares its
 * pid namespace ({@link RootfsProgram#nonDumpableFromStart}): the order that
 * {@code JoinedPidWindowEscapeTest} shows on the kernel, here for every id change of the program and
 * for the hosts that keep the older order. No kernel: made-up hosts.
 */
class NonDumpablePlanTest {
  private static final String OFF = "prctl(PR_SET_DUMPABLE, 0)";
  private static final String ON = "prctl(PR_SET_DUMPABLE, 1)";
  private static final long CAP_SYS_PTRACE = 1L << 19;

  private static ContainerSpec joiner() {
    return ContainerSpec.builder().command("true").oomScoreAdj(500)
        .joinNamespace(Namespace.PID, Path.of("/proc/1/ns/pid")).build();
  }

  private static List<String> steps(ContainerSpec spec, boolean root, long caps) {
    PlanHost fake = RootfsPlannerGoldenTest.FakeHost.ROOT_V2.profile();
    int euid = root ? 0 : 1000;
    PlanHost host = new PlanHost(euid, euid, fake.lastCap(), caps, fake.cgroup2(), fake.cgroupV1Mounts(),
        fake.hostRoot(), fake.isDirectory());
    List<dev.containerj.linux.IdMapping> ids = root
        ? List.of(new dev.containerj.linux.IdMapping(0, 100000, 65536))
        : List.of(dev.containerj.linux.IdMapping.single(0, euid));
    HelperProgram p = RootfsProgram.plan(host, spec, RootfsProgram.ProcessStages.of(spec), "/run/cj/ID", "/run/cj",
        "h", !root, ids, ids, null, Map.of()).program();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      out.add(p.step(i));
    }
    return out;
  }

  /** Every setresgid and setresuid is followed at once by PR_SET_DUMPABLE 0; none sets 1. */
  private static void assertNonDumpableThroughout(List<String> steps) {
    assertThat(steps.get(0)).as("the helper's first step, before the joins and the clone").isEqualTo(OFF);
    assertThat(steps).doesNotContain(ON);
    int changes = 0;
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).startsWith("setresuid(") || steps.get(i).startsWith("setresgid(")) {
        assertThat(steps.get(i + 1)).as("the step after %s (%d) in %s", steps.get(i), i, steps).isEqualTo(OFF);
        changes++;
      }
    }
    assertThat(changes).as("id changes: the namespace root's, then the payload's").isEqualTo(4);
    // Its one /proc/self write comes before the first id change, while it has the ids owning its /proc.
    assertThat(steps.indexOf("write(/proc/self/oom_score_adj, procfs only)")).isBetween(0,
        steps.indexOf(steps.stream().filter(s -> s.startsWith("setresgid(")).findFirst().orElseThrow()));
  }

  @Test
  void aRootJvmsJoinerIsNonDumpableFromTheHelpersFirstStepAcrossEveryIdChange() {
    assertNonDumpableThroughout(steps(joiner(), true, -1L));
    // The assembly in the container's own mount namespace (no locked copy) changes ids right after
    // the clone: the same rule.
    ProtectionsOff.unlockedMounts = true;
    try {
      assertNonDumpableThroughout(steps(joiner(), true, -1L));
    } finally {
      ProtectionsOff.unlockedMounts = false;
    }
  }

  @Test
  void theOlderOrderWhereTheProcessFilesMustStayOpenOrTheProtectionIsOff() {
    // Without CAP_SYS_PTRACE the helper could not open the process's /proc/PID/ns files; an ordinary
    // user (no own pid namespace) writes the id maps through its /proc files. Both keep the older
    // order: dumpable after the id change, non-dumpable after the last /proc/self write.
    ContainerSpec hostPid = ContainerSpec.builder().command("true").oomScoreAdj(500)
        .namespaces(java.util.EnumSet.of(Namespace.USER, Namespace.MOUNT, Namespace.NET)).build();
    for (List<String> steps : List.of(steps(joiner(), true, -1L & ~CAP_SYS_PTRACE), steps(hostPid, false, 0))) {
      assertThat(steps.get(0)).isNotEqualTo(OFF);
      int on = steps.indexOf(ON);
      assertThat(on).as("%s", steps).isPositive();
      assertThat(steps.indexOf(OFF)).isGreaterThan(steps.indexOf("write(/proc/self/oom_score_adj, procfs only)")).isGreaterThan(on);
    }
    ProtectionsOff.dumpableJoinerIdChange = true;
    try {
      assertThat(steps(joiner(), true, -1L).get(0)).isNotEqualTo(OFF);
      assertThat(steps(joiner(), true, -1L)).contains(ON);
    } finally {
      ProtectionsOff.dumpableJoinerIdChange = false;
    }
  }

  @Test
  void aContainerWithAPidNamespaceOfItsOwnKeepsItsProgram() {
    // Nothing in its pid namespace before its execve: no step added to its start.
    List<String> steps = steps(ContainerSpec.builder().command("true").oomScoreAdj(500).build(), true, -1L);
    assertThat(steps).doesNotContain(OFF).contains(ON);
  }
}
