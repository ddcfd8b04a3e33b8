package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.core.internal.RootfsProgram;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.internal.HelperProgram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ContainerSpec.Builder#beforePivot}: the start stops with the container's tree assembled and
 * not pivoted, and a program the step runs is in the container's namespaces on the host's tree, its
 * mounts on the directory root the container's; with the locked assembly (a root JVM's user
 * namespace, where the tree is the assembler's) and without a user namespace (the container process
 * assembles its own). A failing step fails the start and leaves nothing.
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class BeforePivotTest {
  @TempDir Path dir;

  private Path root() throws Exception {
    Path busybox = Path.of("/bin/busybox");
    assumeTrue(Files.exists(busybox), "busybox-static");
    Path root = Files.createDirectories(dir.resolve("root"));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(busybox, bin.resolve("busybox"));
    for (String tool : List.of("sh", "cat", "readlink", "hostname", "true", "sleep")) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    for (String d : List.of("mnt", "proc", "dev", "sys", "tmp", "etc")) {
      Files.createDirectories(root.resolve(d));
    }
    return root;
  }

  /** A script at a host path the container's root lacks, recording what it sees into {@code seen}. */
  private Path hook(Path seen, Path share, Path root) throws Exception {
    Path script = Files.createDirectories(dir.resolve("hostonly")).resolve("hook.sh");
    Files.writeString(script, "#!/bin/sh\n"
        + "cat > " + seen + "/stdin\n"
        + "hostname > " + seen + "/hostname\n"
        + "for t in net pid uts ipc; do readlink /proc/self/ns/$t; done > " + seen + "/ns\n"
        + "echo \"$0 $1 $(pwd)\" > " + seen + "/args\n"
        // the host's /proc (its pid namespace's numbers, not this shell's $$): ls's own fds
        + "ls /proc/self/fd > " + seen + "/fds\n"
        + "env > " + seen + "/env\n"
        + "mount --bind " + share + " " + root.resolve("mnt") + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void aStepsProgramRunsBeforeThePivotInTheContainersNamespacesOnTheHostsTree() throws Exception {
    assumeTrue(EscapeProbe.ROOT, "the runtime's credentials over the container's namespaces are the host root's");
    Path root = root();
    Path share = Files.createDirectories(dir.resolve("share"));
    Files.writeString(share.resolve("hello"), "from the host\n");
    for (boolean userns : new boolean[] {true, false}) {
      Path seen = Files.createDirectories(dir.resolve("seen-" + userns));
      Path script = hook(seen, share, root);
      AtomicInteger stopPid = new AtomicInteger();
      AtomicReference<Optional<ExitStatus>> status = new AtomicReference<>();
      ContainerSpec.Builder b = ContainerSpec.builder().rootfs(RootFs.writableDirectory(root)).hostname("hooked")
          .command("/bin/sh", "-c", "cat /mnt/hello; for t in net pid uts ipc; do readlink /proc/self/ns/$t; done")
          .stdout(Redirect.PIPE).stderr(Redirect.PIPE)
          .beforePivot(stop -> {
            stopPid.set(stop.pid());
            status.set(stop.run(script.toString(), List.of("hook-argv0", "first"),
                List.of("HOOKVAR=1", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
                ("state of " + stop.pid()).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(60)));
          });
      if (!userns) {
        EnumSet<Namespace> ns = EnumSet.copyOf(b.build().namespaces());
        ns.remove(Namespace.USER);
        b.namespaces(ns);
      }
      String out;
      int pid;
      try (Container c = Container.start(b.build())) {
        pid = c.pid();
        var stdout = Run.drain(c.stdout());
        var stderr = Run.drain(c.stderr());
        assertThat(c.waitFor().success()).as("userns %s: %s", userns, stderr.get()).isTrue();
        out = stdout.get();
      }
      assertThat(status.get()).as("userns %s", userns).hasValueSatisfying(s -> assertThat(s.success()).isTrue());
      assertThat(stopPid.get()).isEqualTo(pid);
      assertThat(Files.readString(seen.resolve("stdin"))).isEqualTo("state of " + pid);
      assertThat(Files.readString(seen.resolve("hostname"))).isEqualTo("hooked\n");
      // a script's $0 is its path (the kernel's #! handling), then the args after argv[0]; cwd "/"
      assertThat(Files.readString(seen.resolve("args"))).isEqualTo(script + " first /\n");
      List<String> ns = Files.readAllLines(seen.resolve("ns"));
      List<String> lines = List.of(out.split("\n"));
      assertThat(lines).as("userns %s: the payload sees the hook's mount, and the same namespaces", userns)
          .containsExactly(List.of("from the host", ns.get(0), ns.get(1), ns.get(2), ns.get(3)).toArray(String[]::new));
      assertThat(ns.get(0)).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
      assertThat(Files.readAllLines(seen.resolve("fds"))).as("fds 0-2 only (ls's own 3)").containsOnly("0", "1", "2", "3");
      assertThat(Files.readAllLines(seen.resolve("env"))).contains("HOOKVAR=1", "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
          .allMatch(l -> List.of("HOOKVAR", "PATH", "PWD", "OLDPWD", "SHLVL", "_").contains(l.substring(0, l.indexOf('='))),
              "only its own (and the shell's) variables");
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("nothing of it on the host")
          .doesNotContain(root.toString());
    }

    // Protection off: without its close-from step, the program gets the fds of its namespace joins.
    ProtectionsOff.hookFds = true;
    try {
      Path seen = Files.createDirectories(dir.resolve("seen-off"));
      Path script = hook(seen, share, root);
      try (Container c = Container.start(ContainerSpec.builder().rootfs(RootFs.writableDirectory(root))
          .command("/bin/true").beforePivot(stop -> stop.run(script.toString(), List.of(), List.of(), new byte[0],
              Duration.ofSeconds(30))).build())) {
        c.waitFor();
      }
      assertThat(Files.readAllLines(seen.resolve("fds"))).as("off: the joins' fds reach the program").hasSizeGreaterThan(4);
    } finally {
      ProtectionsOff.hookFds = false;
    }
  }

  @Test
  void aFailingStepFailsTheStartAndLeavesNothing() throws Exception {
    assumeTrue(EscapeProbe.ROOT, "the runtime's credentials over the container's namespaces are the host root's");
    Path root = root();
    List<Integer> pids = new ArrayList<>();
    for (boolean program : new boolean[] {true, false}) {
      assertThatThrownBy(() -> Container.start(ContainerSpec.builder().rootfs(RootFs.writableDirectory(root))
          .command("/bin/true").beforePivot(stop -> {
            pids.add(stop.pid());
            if (program) {
              Optional<ExitStatus> s = stop.run("/bin/sh", List.of("sh", "-c", "exit 7"), List.of(), new byte[0], null);
              throw new IllegalStateException("the hook exited with " + s.orElseThrow().code());
            }
            throw new IllegalStateException("the step refused");
          }).build()))
          .isInstanceOf(ContainerStartException.class)
          .hasMessageContaining(program ? "the hook exited with 7" : "the step refused");
    }
    assertThat(pids).hasSize(2);
    for (int pid : pids) {
      assertThat(Path.of("/proc/" + pid + "/ns")).as("the container process is gone").doesNotExist();
    }
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(root.toString());
    // LeakCheck: no cgroup, state directory or process of it left
  }

  @Test
  void aTimedOutProgramIsKilledAndReportedEmpty() throws Exception {
    assumeTrue(EscapeProbe.ROOT, "the runtime's credentials over the container's namespaces are the host root's");
    Path root = root();
    AtomicReference<Optional<ExitStatus>> status = new AtomicReference<>();
    try (Container c = Container.start(ContainerSpec.builder().rootfs(RootFs.writableDirectory(root))
        .command("/bin/true").beforePivot(stop -> status.set(stop.run("/bin/sleep", List.of("sleep", "60"),
            List.of(), new byte[0], Duration.ofMillis(300)))).build())) {
      assertThat(c.waitFor().success()).isTrue();
    }
    assertThat(status.get()).isEmpty();
  }

  /** Without a step the start has no stop: not one more step, so no round trip. */
  @Test
  void withoutAStepTheProgramHasNoStop() {
    Path root = dir;
    ContainerSpec without = ContainerSpec.builder().rootfs(RootFs.directory(root)).command("/bin/true").build();
    ContainerSpec with = without.toBuilder().beforePivot(stop -> { }).build();
    List<IdMapping> ids = List.of(IdMapping.identity());
    HelperProgram a = RootfsProgram.build(without, "/run/x", "/run", "h", false, ids, ids);
    HelperProgram b = RootfsProgram.build(with, "/run/x", "/run", "h", false, ids, ids);
    assertThat(steps(a)).noneMatch(s -> s.startsWith("stop for the hooks"));
    assertThat(steps(b)).filteredOn(s -> s.startsWith("stop for the hooks")).hasSize(1);
    int stop = steps(b).indexOf(steps(b).stream().filter(s -> s.startsWith("stop for the hooks")).findFirst().orElseThrow());
    int pivot = steps(b).indexOf(steps(b).stream().filter(s -> s.startsWith("pivot_root")).findFirst().orElseThrow());
    assertThat(stop).as("before the pivot").isLessThan(pivot);
  }

  private static List<String> steps(HelperProgram p) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      out.add(p.step(i));
    }
    return out;
  }
}
