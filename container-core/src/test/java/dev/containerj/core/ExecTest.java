package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.ProcessLauncher;
import dev.containerj.namespaces.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Container#exec}: the process joins every namespace and the cgroup of the container and is
 * confined exactly as its first process; each escape test also runs the same check on a process that
 * only joins the namespaces (the protection off), which must fail it.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class ExecTest {
  private static final String STATUS = "grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs|CapInh|CapPrm|CapEff|CapBnd|CapAmb|Uid|Gid):' ";

  private static String run(Container c, ProcessSpec.Builder b) throws Exception {
    try (ExecProcess p = c.exec(b.build())) {
      String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.stderr().readAllBytes(), StandardCharsets.UTF_8);
      ExitStatus s = p.waitFor();
      assertThat(s.code()).as("exit of %s, stderr %s", b.build().command(), err).isZero();
      return out;
    }
  }

  private static Container sleeper(boolean cgroup) {
    return Container.start(ContainerSpec.builder().cgroup(cgroup)
        .command("sh", "-c", "echo inside > /tmp/marker; exec sleep 60").build());
  }

  @Test
  void execJoinsEveryNamespaceOfTheContainer() throws Exception {
    try (Container c = sleeper(false)) {
      String links = run(c, ProcessSpec.builder().command("sh", "-c",
          "for n in user mnt pid uts ipc net cgroup; do readlink /proc/self/ns/$n; done"));
      StringBuilder expected = new StringBuilder();
      for (String n : List.of("user", "mnt", "pid", "uts", "ipc", "net", "cgroup")) {
        expected.append(Files.readSymbolicLink(Path.of("/proc/" + c.pid() + "/ns/" + n))).append('\n');
      }
      assertThat(links).isEqualTo(expected.toString());
      // In the container's pid namespace: its pid 1 is the container's, and it sees no host process.
      assertThat(run(c, ProcessSpec.builder().command("cat", "/proc/1/cmdline"))).startsWith("sleep");
    }
  }

  @Test
  void execIsInTheContainersRootAndCannotSeeTheHosts() throws Exception {
    try (Container c = sleeper(false)) {
      String marker = "";
      for (int i = 0; i < 100 && marker.isEmpty(); i++) {
        try (ExecProcess p = c.exec(ProcessSpec.builder().command("sh", "-c", "cat /tmp/marker 2>/dev/null; true").build())) {
          marker = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
          p.waitFor();
        }
        if (marker.isEmpty()) {
          Thread.sleep(50);
        }
      }
      assertThat(marker).as("the container's private /tmp").isEqualTo("inside\n");
      assertThat(Path.of("/tmp/marker")).as("the host's /tmp").doesNotExist();
      assertThat(run(c, ProcessSpec.builder().command("sh", "-c", "cd /..; pwd; ls /tmp"))).isEqualTo("/\nmarker\n");
    }
  }

  @Test
  void execHasOnlyFds0To2() throws Exception {
    try (Container c = sleeper(false); var held = Files.newInputStream(Path.of("/proc/self/status"))) {
      assertThat(run(c, ProcessSpec.builder().command("sh", "-c", "ls /proc/$$/fd; true"))).isEqualTo("0\n1\n2\n");
    }
  }

  @Test
  void execGetsTheSameSeccompCapabilitiesAndNoNewPrivsAsPid1() throws Exception {
    try (Container c = sleeper(false)) {
      String pid1 = run(c, ProcessSpec.builder().command("sh", "-c", STATUS + "/proc/1/status"));
      String self = run(c, ProcessSpec.builder().command("sh", "-c", STATUS + "/proc/self/status"));
      assertThat(pid1).contains("Seccomp:\t2").contains("NoNewPrivs:\t1");
      assertThat(self).isEqualTo(pid1);

      // Protection off: a process that only joins the container's namespaces (nsenter's way) has
      // no filter and other capabilities; the same comparison fails.
      try (NamespacedProcess plain = ProcessLauncher.builder().command("sh", "-c", STATUS + "/proc/self/status")
          .joinNamespacesOf(c.pid(), EnumSet.of(Namespace.USER, Namespace.PID, Namespace.MOUNT))
          .namespaces(Set.of()).stdout(Redirect.PIPE).build().start()) {
        String off = new String(plain.stdout().readAllBytes(), StandardCharsets.UTF_8);
        plain.waitFor();
        assertThat(off).as("plain namespace join").isNotEqualTo(pid1).contains("Seccomp:\t0");
      }
    }
  }

  @Test
  void execNarrowsButNeverWidens() throws Exception {
    try (Container c = sleeper(false)) {
      assertThat(run(c, ProcessSpec.builder().capabilities(Set.of()).command("grep", "CapEff", "/proc/self/status")))
          .isEqualTo("CapEff:\t0000000000000000\n");
      assertThatThrownBy(() -> c.exec(ProcessSpec.builder().capabilities(Set.of(Capability.CAP_SYS_ADMIN))
          .command("true").build())).isInstanceOf(SpecValidationException.class)
          .hasMessageContaining("capabilities").hasMessageContaining("SYS_ADMIN");
    }
  }

  @Test
  void execReturnsTheExitCodeAndGetsTheEnvironmentAndDirectory() throws Exception {
    try (Container c = sleeper(false)) {
      try (ExecProcess p = c.exec(ProcessSpec.builder().env("K", "V").workingDirectory("/tmp")
          .command("sh", "-c", "echo $K $(pwd); exit 7").build())) {
        assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("V /tmp\n");
        assertThat(p.waitFor(Duration.ofSeconds(10)).orElseThrow().code()).isEqualTo(7);
      }
    }
  }

  @Test
  @Tag("cgroup")
  void execJoinsTheContainersCgroup() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.containerj.linux.internal.LibC.geteuid() == 0,
        "a cgroup of its own needs a delegated subtree rootless");
    try (Container c = sleeper(true)) {
      String cg = run(c, ProcessSpec.builder().command("sh", "-c", "cat /proc/self/cgroup; echo --; cat /proc/1/cgroup"));
      String[] halves = cg.split("--\n");
      assertThat(halves[0]).isEqualTo(halves[1]);
      assertThat(Files.readString(Path.of("/proc/" + c.pid() + "/cgroup"))).contains(c.id());
    }
  }
}
