package dev.containerj.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.internal.LibC;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The launcher on the real kernel: namespaces, id maps, exit statuses, joining. */
@Tag("kernel")
@Tag("rootless")
class ProcessLauncherTest {

  private static String run(ProcessLauncher.Builder b) throws Exception {
    try (NamespacedProcess p = b.stdout(Redirect.PIPE).build().start()) {
      String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor().code()).as("exit code, output: %s", out).isZero();
      return out;
    }
  }

  @Test
  void aTerminalNeedsAContainer_andADirectoryIsNeverStdin() throws Exception {
    assertThatThrownBy(() -> ProcessLauncher.builder().stdout(Redirect.tty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Redirect.tty() needs a container");
    Path dir = Files.createTempDirectory("cj-stdin-dir-");
    try {
      assertThatThrownBy(() -> ProcessLauncher.builder().command("true").stdin(Redirect.file(dir)).build().start())
          .isInstanceOf(LaunchException.class).hasMessageContaining("check stdin (fd 0) (" + dir + ") failed: EISDIR");
    } finally {
      Files.delete(dir);
    }
  }

  @Test
  void payloadIsPid1AsRootInItsOwnUserNamespace() throws Exception {
    String out = run(ProcessLauncher.builder()
        .command("sh", "-c", "echo $$; id -u; cat /proc/self/uid_map; hostname")
        .namespaces(EnumSet.of(Namespace.USER, Namespace.PID, Namespace.UTS, Namespace.MOUNT, Namespace.IPC))
        .hostname("sandbox"));
    String[] lines = out.split("\n");
    assertThat(lines[0]).isEqualTo("1");
    assertThat(lines[1]).isEqualTo("0");
    assertThat(lines[2].trim().split("\\s+")).containsExactly("0", Integer.toString(LibC.geteuid()), "1");
    assertThat(lines[3]).isEqualTo("sandbox");
  }

  @Test
  void exitCodesAndSignalsAreReported() throws Exception {
    for (int code : new int[] {0, 3, 255}) {
      try (NamespacedProcess p = ProcessLauncher.builder().command("sh", "-c", "exit " + code)
          .namespaces(EnumSet.of(Namespace.USER, Namespace.PID)).build().start()) {
        assertThat(p.waitFor()).isEqualTo(ExitStatus.exited(code));
      }
    }
    try (NamespacedProcess p = ProcessLauncher.builder().command("sleep", "100")
        .namespaces(EnumSet.of(Namespace.USER)).build().start()) {
      assertThat(p.waitFor(Duration.ofMillis(50))).isEmpty();
      p.signal(Signal.SIGTERM);
      ExitStatus s = p.waitFor();
      assertThat(s.killSignal()).isEqualTo(Signal.SIGTERM);
      assertThat(s.shellCode()).isEqualTo(143);
    }
  }

  @Test
  void missingCommandNamesEnoentAndLeavesNoProcess() {
    assertThatThrownBy(() -> ProcessLauncher.builder().command("no-such-command-xyz")
        .namespaces(EnumSet.of(Namespace.USER)).build().start())
        .isInstanceOf(LaunchException.class)
        .hasMessage("execve(no-such-command-xyz) failed: ENOENT (No such file or directory)");
  }

  @Test
  void joinsTheNamespacesOfARunningProcess() throws Exception {
    try (NamespacedProcess first = ProcessLauncher.builder().command("sleep", "100")
        .namespaces(EnumSet.of(Namespace.USER, Namespace.UTS)).hostname("joined").build().start()) {
      String out = run(ProcessLauncher.builder().command("hostname")
          .joinNamespacesOf(first.pid(), EnumSet.of(Namespace.USER, Namespace.UTS)));
      assertThat(out.trim()).isEqualTo("joined");
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + first.pid() + "/ns/uts")))
          .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/uts")));
    }
  }

  @Test
  void timeNamespaceWhereTheKernelHasIt() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/ns/time")),
        "this kernel has no time namespace (Linux 5.6, CONFIG_TIME_NS)");
    String out = run(ProcessLauncher.builder().command("readlink", "/proc/self/ns/time")
        .namespaces(EnumSet.of(Namespace.USER, Namespace.TIME)));
    assertThat(out.trim()).startsWith("time:[").isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString());
  }

  @Test
  void invalidBuildersAreRejected() {
    assertThatThrownBy(() -> ProcessLauncher.builder().build()).hasMessage("command must not be empty: []");
    assertThatThrownBy(() -> ProcessLauncher.builder().command("true").hostname("h").build())
        .hasMessage("hostname needs a new UTS namespace: h");
  }
}
