package dev.containerj.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.cgroups.CgroupEnvironment;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.Network;
import dev.containerj.linux.IdMapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Golden tests of the planner, without a kernel (as youki tests its rootfs code through a recording
 * syscall layer): on each made-up host (root or rootless, hybrid or pure cgroup v2) the operations
 * that each stage plans for one spec are compared with the committed list under
 * {@code src/test/resources/dev/containerj/core/internal/golden/}. A change of a stage's program
 * shows as a diff of that file; after checking it, update the files with
 * {@code -Dgolden.update=true}.
 */
class RootfsPlannerGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/dev/containerj/core/internal/golden");
  private static final String STATE = "/run/containerj";
  private static final String DIR = STATE + "/0123456789abcdef0123456789abcdef";
  private static final long ALL_CAPS_40 = (1L << 41) - 1;

  /** The made-up hosts. */
  enum FakeHost {
    ROOT_HYBRID(0, true), ROOT_V2(0, false), ROOTLESS_HYBRID(1000, true), ROOTLESS_V2(1000, false);

    final int euid;
    final boolean hybrid;

    FakeHost(int euid, boolean hybrid) {
      this.euid = euid;
      this.hybrid = hybrid;
    }

    PlanHost profile() {
      Map<String, CgroupEnvironment.Mount> v1 = new LinkedHashMap<>();
      if (hybrid) {
        v1.put("memory", new CgroupEnvironment.Mount(Path.of("/sys/fs/cgroup/memory"), "/"));
        v1.put("pids", new CgroupEnvironment.Mount(Path.of("/sys/fs/cgroup/pids"), "/"));
        v1.put("cpu", new CgroupEnvironment.Mount(Path.of("/sys/fs/cgroup/cpu,cpuacct"), "/"));
        v1.put("cpuacct", new CgroupEnvironment.Mount(Path.of("/sys/fs/cgroup/cpu,cpuacct"), "/"));
      }
      HostRoot.Snapshot root = new HostRoot.Snapshot(List.of(
          new HostRoot.Entry("bin", HostRoot.Kind.SYMLINK, "usr/bin", 0777, 0, 0, 0),
          new HostRoot.Entry("dev", HostRoot.Kind.MOUNT_POINT, "", 0755, 0, 0, 0),
          new HostRoot.Entry("etc", HostRoot.Kind.OVERLAY, "", 0755, 0, 0, 0),
          new HostRoot.Entry("home", HostRoot.Kind.BIND, "", 0755, 0, 0, 0),
          new HostRoot.Entry("proc", HostRoot.Kind.MOUNT_POINT, "", 0555, 0, 0, 0),
          new HostRoot.Entry("swapfile", HostRoot.Kind.FILE, "", 0600, 0, 0, 0),
          new HostRoot.Entry("sys", HostRoot.Kind.MOUNT_POINT, "", 0555, 0, 0, 0),
          new HostRoot.Entry("tmp", HostRoot.Kind.OVERLAY, "", 01777, 0, 0, 0),
          new HostRoot.Entry("usr", HostRoot.Kind.OVERLAY, "", 0755, 0, 0, 0)),
          List.of(new HostRoot.TopMount("/boot", 6, false, 0755, 0, 0, List.of()),
              new HostRoot.TopMount("/home", 6, true, 0755, 0, 0, List.of("/home/user/nfs")),
              new HostRoot.TopMount("/proc", 14, false, 0555, 0, 0, List.of())),
          0);
      Set<String> directories = Set.of("/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware",
          "/sys/devices/virtual/powercap", "/etc/ssl");
      return new PlanHost(euid, euid, 40, ALL_CAPS_40, true, v1, () -> root, directories::contains);
    }

    List<IdMapping> uids() {
      return euid == 0 ? List.of(new IdMapping(0, 2147483647L, 65536)) : List.of(IdMapping.single(0, euid));
    }

    Map<String, Path> cgroupPaths() {
      Map<String, Path> paths = new LinkedHashMap<>();
      if (hybrid) {
        paths.put("memory", Path.of("/sys/fs/cgroup/memory/containerj/ID"));
        paths.put("pids", Path.of("/sys/fs/cgroup/pids/containerj/ID"));
      }
      paths.put("unified", Path.of("/sys/fs/cgroup/unified/containerj/ID"));
      return paths;
    }
  }

  /** The roots a spec may have, each planned differently by the root stage. */
  enum Root { HOST_WRITABLE, IMAGE }

  /** A spec that takes every stage: a bind, a tmpfs, limits, a bridge, the given root. */
  private static ContainerSpec spec(Root root) {
    ContainerSpec.Builder b = ContainerSpec.builder().command("sh", "-c", "true").hostname("golden")
        .mount(MountSpec.bindReadOnly(Path.of("/etc/ssl"), "/data")).mount(MountSpec.tmpfs("/scratch"))
        .network(Network.bridge()).limits(CgroupLimits.builder().memoryMax(64L << 20).build());
    if (root == Root.IMAGE) {
      // Only the planner's view of an image root: a directory stands in for it (the overlay is given).
      b.rootfs(dev.containerj.core.RootFs.writableDirectory(Path.of("/usr")));
    }
    return b.build();
  }

  /** The prepared overlay of an image root with two layers (data only: no store, no kernel). */
  private static dev.containerj.layers.Mount overlay(FakeHost host) {
    return dev.containerj.layers.Mount.overlay(Path.of(DIR + "/root"))
        .lowerDirs(List.of(Path.of("/var/lib/containerj/layers/b"), Path.of("/var/lib/containerj/layers/a")))
        .upper(Path.of(DIR + "/upper"), Path.of(DIR + "/work")).userXattr(host.euid != 0).build();
  }

  private static String render(FakeHost host, Root root) {
    PlanHost profile = host.profile();
    ContainerSpec spec = spec(root);
    ProgramPlan plan = RootfsProgram.plan(profile, spec, RootfsProgram.ProcessStages.of(spec), DIR, STATE, "golden",
        profile.rootless(), host.uids(), host.uids(), root == Root.IMAGE ? overlay(host) : null, host.cgroupPaths());
    StringBuilder out = new StringBuilder("# the planner's program on the made-up host " + host + ", root " + root
        + " (RootfsPlannerGoldenTest)\n");
    for (ProgramPlan.Stage stage : ProgramPlan.Stage.values()) {
      out.append("\n## ").append(stage).append('\n');
      for (String step : plan.steps(stage)) {
        out.append(step).append('\n');
      }
    }
    return out.toString();
  }

  @ParameterizedTest
  @EnumSource(FakeHost.class)
  void eachStagePlansTheCommittedOperations(FakeHost host) throws IOException {
    for (Root root : Root.values()) {
      compare(host, root);
    }
  }

  private static void compare(FakeHost host, Root root) throws IOException {
    String rendered = render(host, root);
    Path file = GOLDEN.resolve((host + (root == Root.HOST_WRITABLE ? "" : "-" + root)).toLowerCase(java.util.Locale.ROOT)
        + ".txt");
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, rendered);
    }
    assertThat(file).as("golden file (create it with -Dgolden.update=true)").exists();
    assertThat(rendered).as("the plan on %s differs from %s: if the change is meant, update it with "
        + "-Dgolden.update=true and commit it", host, file).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }

  @Test
  void thePlannerReadsOnlyItsHost() {
    // Two made-up hosts differing only in their euid plan different credentials for a spec without a
    // user namespace: the ids come from the profile, not from this process.
    ContainerSpec spec = ContainerSpec.builder().command("true").namespaces(Set.of(
        dev.containerj.namespaces.Namespace.MOUNT, dev.containerj.namespaces.Namespace.PID)).network(Network.host()).build();
    PlanHost a = FakeHost.ROOT_V2.profile();
    PlanHost b = new PlanHost(0, 0, 37, 0, false, Map.of(), a.hostRoot(), a.isDirectory());
    List<String> capsA = RootfsProgram.plan(a, spec, RootfsProgram.ProcessStages.of(spec), DIR, STATE, "h", false,
        List.of(), List.of(), null, Map.of()).steps(ProgramPlan.Stage.CREDENTIALS);
    List<String> capsB = RootfsProgram.plan(b, spec, RootfsProgram.ProcessStages.of(spec), DIR, STATE, "h", false,
        List.of(), List.of(), null, Map.of()).steps(ProgramPlan.Stage.CREDENTIALS);
    // cap_last_cap 40 against 37: three more bounding-set drops.
    assertThat(capsA.stream().filter(s -> s.startsWith("prctl(PR_CAPBSET_DROP")).count())
        .isEqualTo(capsB.stream().filter(s -> s.startsWith("prctl(PR_CAPBSET_DROP")).count() + 3);
  }
}
