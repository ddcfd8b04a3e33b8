package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerInfo;
import dev.containerj.core.ContainerSpec;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Signal;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code containerj kill}, {@code stop} and {@code rm} on a running container (started here through
 * the API; the tool attaches to it by id as it would to one of another JVM).
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(60)
class LifecycleCommandsTest {
  @AfterEach
  void nothingLeftBehind() {
    assertThat(Tool.ownedByThisJvm()).as("state records of containers this JVM started").isEmpty();
  }

  @Test
  void anUnknownIdExits125InOneLine() {
    for (String verb : new String[] {"kill", "stop", "rm", "logs"}) {
      Tool.Result r = Tool.execute(verb, "0000000000ff");
      assertThat(r.code()).as(verb).isEqualTo(125);
      assertThat(r.err().lines()).as(verb).hasSize(1).first().asString()
          .startsWith("containerj: no ").contains("0000000000ff");
    }
  }

  @Test
  void killSendsTheSignalGivenByName() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder()
        .command("sh", "-c", "trap 'exit 3' USR1; while :; do sleep 0.05; done").build())) {
      Thread.sleep(200); // the trap is set
      Tool.Result r = Tool.execute("kill", "-s", "USR1", c.id().substring(0, 12));
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo(c.id() + "\n");
      assertThat(c.waitFor(Duration.ofSeconds(10)).orElseThrow().code()).isEqualTo(3);
    }
  }

  @Test
  void stopSendsTermThenKillAfterTheGracePeriod() throws Exception {
    // A shell with a TERM handler ends on SIGTERM.
    try (Container c = Container.start(ContainerSpec.builder()
        .command("sh", "-c", "trap 'exit 4' TERM; while :; do sleep 0.05; done").build())) {
      Thread.sleep(200);
      assertThat(Tool.execute("stop", "-t", "5", c.id()).code()).isZero();
      assertThat(c.waitFor(Duration.ofSeconds(10)).orElseThrow().code()).isEqualTo(4);
    }
    // sleep as pid 1 has no handler: the kernel ignores SIGTERM for it, so SIGKILL follows after 1 s.
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").build())) {
      long t0 = System.nanoTime();
      assertThat(Tool.execute("stop", "-t", "1", c.id()).code()).isZero();
      ExitStatus s = c.waitFor(Duration.ofSeconds(10)).orElseThrow();
      assertThat(s.killSignal()).isEqualTo(Signal.SIGKILL);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }
  }

  @Test
  void runDetachedOutlivesTheToolAndLogsFollowsItsOutput() throws Exception {
    // A real tool process: it prints the id and exits 0 while the container runs on.
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
        System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path")));
    for (String property : new String[] {"java.io.tmpdir", "containerj.stateDir"}) {
      if (System.getProperty(property) != null) {
        cmd.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    cmd.addAll(java.util.List.of(ContainerjCommand.class.getName(), "run", "-d", "--",
        "sh", "-c", "echo started; echo to-stderr >&2; sleep 1; echo done; sleep 60"));
    Process tool = new ProcessBuilder(cmd).start();
    java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(tool.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    String id = new String(tool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    assertThat(tool.waitFor()).as("%s %s", id, err.get()).isZero();
    assertThat(id).as("stdout is the id alone (stderr: %s)", err.get()).matches("[0-9a-f]{32}");
    try {
      assertThat(Container.list()).filteredOn(c -> c.id().equals(id)).singleElement()
          .satisfies(c -> assertThat(c.running()).as("running after the tool exited").isTrue())
          .satisfies(c -> assertThat(c.detached()).isTrue());
      Thread.sleep(1500);
      Tool.Result logs = Tool.execute("logs", id.substring(0, 12));
      assertThat(logs.code()).as(logs.err()).isZero();
      assertThat(logs.out().lines()).containsExactlyInAnyOrder("started", "to-stderr", "done");

      // exec into it from this JVM: its namespaces, its cgroup, its seccomp filter; the command's exit code.
      Tool.Result exec = Tool.execute("exec", "--pipe-output", "-e", "K=V", "-w", "/tmp", id.substring(0, 12), "--",
          "sh", "-c", "echo $K $(pwd); grep '^Seccomp:' /proc/self/status; "
              + "[ \"$(readlink /proc/self/ns/pid)\" = \"$(readlink /proc/1/ns/pid)\" ] && echo same-pidns; "
              + "[ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/1/cgroup)\" ] && echo same-cgroup; exit 5");
      assertThat(exec.code()).as(exec.err()).isEqualTo(5);
      assertThat(exec.out()).startsWith("V /tmp\nSeccomp:\t2\nsame-pidns\n");
      if (dev.containerj.linux.internal.LibC.geteuid() == 0) {
        // As root the container has a cgroup (its default pids limit), recorded in its owner file.
        assertThat(exec.out()).endsWith("same-cgroup\n");
      }
      assertThat(Tool.execute("exec", "0000000000ff", "--", "true").code()).as("unknown id").isEqualTo(125);
      // exec -t: a terminal of the container's devpts, stderr on it too; without -t none.
      Tool.Result tty = Tool.execute("exec", "-t", "--pipe-output", id.substring(0, 12), "--",
          "sh", "-c", "tty; readlink /proc/self/fd/2; exit 4");
      assertThat(tty.code()).as(tty.err()).isEqualTo(4);
      assertThat(tty.out()).matches("(/dev/pts/\\d+)\r?\n\\1\r?\n");
      assertThat(Tool.execute("exec", "--pipe-output", id.substring(0, 12), "--", "sh", "-c", "tty; true").out())
          .isEqualTo("not a tty\n");
    } finally {
      Tool.Result rm = Tool.execute("rm", "-f", id);
      assertThat(rm.code()).as(rm.err()).isZero();
    }
    assertThat(Tool.execute("logs", id).code()).as("the log went with rm").isEqualTo(125);
    assertThat(Container.list()).extracting(ContainerInfo::id).doesNotContain(id);
  }

  @Test
  void rmRefusesARunningContainerAndRmForceKillsIt() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").build())) {
      Tool.Result refused = Tool.execute("rm", c.id());
      assertThat(refused.code()).isEqualTo(125);
      assertThat(refused.err()).contains("is running").contains("rm -f");
      assertThat(c.isRunning()).isTrue();
      Tool.Result forced = Tool.execute("rm", "-f", c.id());
      assertThat(forced.code()).as(forced.err()).isZero();
      assertThat(c.waitFor(Duration.ofSeconds(10)).orElseThrow().killSignal()).isEqualTo(Signal.SIGKILL);
      assertThat(Container.list()).extracting(ContainerInfo::id).doesNotContain(c.id());
    }
  }
}
