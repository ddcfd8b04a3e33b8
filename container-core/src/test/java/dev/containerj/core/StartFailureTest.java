package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.StateStore;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.internal.FaultPlan;
import dev.containerj.namespaces.internal.HelperProgram;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A failed start names its step and leaves nothing behind: no process, state record, mount or fd.
 * Each step of the start is made to fail in turn (fault injection), in the helper and in Java.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class StartFailureTest {

  @AfterEach
  void noFault() {
    FaultPlan.install(null);
  }

  @Test
  void payloadNotFoundNamesEnoent() {
    ContainerSpec spec = ContainerSpec.builder().command("no-such-program-here").build();
    assertThatThrownBy(() -> Container.start(spec))
        .isInstanceOfSatisfying(ContainerStartException.class, e -> {
          assertThat(e.call()).isEqualTo("execve(no-such-program-here)");
          assertThat(e.step()).isEqualTo(ContainerStartException.Step.EXEC);
          assertThat(e.commandNotFound()).isTrue();
        })
        .hasMessageEndingWith(": execve(no-such-program-here) failed: ENOENT (No such file or directory)");
  }

  @Test
  void payloadIsADirectoryNamesEacces() {
    ContainerSpec spec = ContainerSpec.builder().command("/usr").build();
    assertThatThrownBy(() -> Container.start(spec))
        .isInstanceOfSatisfying(ContainerStartException.class, e -> assertThat(e.commandNotExecutable()).isTrue())
        .hasMessageEndingWith(": execve(/usr) failed: EACCES (Permission denied)");
  }

  @Test
  void missingWorkingDirectoryIsNamed() {
    ContainerSpec spec = ContainerSpec.builder().command("true").workingDirectory("/no/such/dir").build();
    assertThatThrownBy(() -> Container.start(spec))
        .hasMessageEndingWith(": chdir(/no/such/dir) failed: ENOENT (No such file or directory)");
  }

  @Test
  void everyHelperStepFailsCleanly() throws Exception {
    ContainerSpec spec = ContainerSpec.builder().command("true").hostname("faulty").build();
    boolean rootless = LibC.geteuid() != 0;
    List<IdMapping> gids = ContainerStarter.gidMappings(spec, rootless);
    HelperProgram program = ContainerStarter.program(spec, "0".repeat(32), "/x",
        StateStore.forCurrentUser().root().toString(), rootless, gids);
    String rootPattern = java.util.regex.Pattern.quote(StateStore.forCurrentUser().root().toString()) + "/[0-9a-f]{32}";
    int fdsBefore = openFds();
    List<String> failed = new ArrayList<>();
    java.util.Set<ContainerStartException.Step> steps = java.util.EnumSet.noneOf(ContainerStartException.Step.class);
    for (int i = 0; i < program.size(); i++) {
      FaultPlan.install(FaultPlan.helperStep(i));
      int step = i;
      String name = program.step(i);
      assertThatThrownBy(() -> Container.start(spec))
          .as("step %d: %s", step, program.step(step))
          .isInstanceOfSatisfying(ContainerStartException.class, e -> {
            assertThat(e.errno()).hasValue(FaultPlan.INJECTED_ERRNO);
            assertThat(e.call().replaceAll(rootPattern, "/x")).isEqualTo(name);
            failed.add(e.call());
            steps.add(e.step());
            if (name.startsWith("execve(")) {
              assertThat(e.step()).isEqualTo(ContainerStartException.Step.EXEC);
            }
          });
    }
    FaultPlan.install(null);
    assertThat(failed).hasSize(program.size());
    // Each part of the helper's program is named by its own typed step.
    assertThat(steps).contains(ContainerStartException.Step.NAMESPACES, ContainerStartException.Step.ROOTFS,
        ContainerStartException.Step.CREDENTIALS, ContainerStartException.Step.SECCOMP,
        ContainerStartException.Step.EXEC);
    assertThat(openFds()).isEqualTo(fdsBefore);
  }

  @Test
  void everyJavaStepFailsCleanly() throws Exception {
    ContainerSpec spec = ContainerSpec.builder().command("true").build();
    List<String> steps = new ArrayList<>(List.of("create state directory", "pipe2(config)", "pipe2(status)",
        "posix_spawn(containerj-helper)", "write(config pipe)", "write(/proc/PID/uid_map)",
        "write(/proc/PID/gid_map)", "write(go)", "write state record"));
    if (LibC.geteuid() != 0) {
      steps.add("write(/proc/PID/setgroups)");
    } else {
      // A root JVM's helper writes the maps itself, in its clone step (everyHelperStepFailsCleanly).
      steps.removeAll(List.of("write(/proc/PID/uid_map)", "write(/proc/PID/gid_map)"));
    }
    int fdsBefore = openFds();
    for (String step : steps) {
      FaultPlan.install(FaultPlan.javaStep(step));
      // The whole step, with the helper's pid for PID: a fault at uid_map must not pass as gid_map's.
      String stepPattern = java.util.Arrays.stream(step.split("PID", -1))
          .map(java.util.regex.Pattern::quote).collect(java.util.stream.Collectors.joining("[1-9][0-9]*"));
      assertThatThrownBy(() -> Container.start(spec))
          .as(step)
          .isInstanceOfSatisfying(ContainerStartException.class, e -> {
            assertThat(e.getMessage()).containsPattern(stepPattern).contains("failed: ECANCELED");
            assertThat(e.step()).as(step).isEqualTo(step.equals("create state directory")
                ? ContainerStartException.Step.STATE_DIRECTORY : step.equals("write state record")
                ? ContainerStartException.Step.STATE_RECORD : step.contains("/proc/PID/")
                ? ContainerStartException.Step.ID_MAPS : ContainerStartException.Step.HELPER);
          });
    }
    FaultPlan.install(null);
    assertThat(openFds()).isEqualTo(fdsBefore);
  }

  /** Open fds of this JVM, after one real start has created the lazy ones (helper memfd, epoll). */
  private static int openFds() throws Exception {
    try (Container warm = Container.start(ContainerSpec.builder().command("true").build())) {
      warm.waitFor();
    }
    // The default runtime's teardown lane holds the closed container's fds until it has removed it.
    assertThat(ContainerRuntime.defaults().awaitTeardown(java.time.Duration.ofSeconds(30))).isTrue();
    try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      return (int) s.count();
    }
  }
}
