package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.net.PortMapping;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Each wait strategy, once ready and once timing out: the timeout's message names the condition and
 * carries the container's last log lines, and the container is gone afterwards.
 */
@Tag("kernel")
class WaitTest {
  private static final Duration SHORT = Duration.ofMillis(1500);

  /** A shell payload that logs a marker, then runs {@code then} after a delay (the wait must really wait). */
  private static ContainerSpec spec(String then) {
    return ContainerSpec.builder().command("sh", "-c", "echo log-marker-1; echo log-marker-2 >&2; sleep 0.5; " + then)
        .publish(PortMapping.ephemeral(8080)).build();
  }

  private static TestContainer start(ContainerSpec spec, Wait wait) {
    return TestContainer.start(ContainerRuntime.defaults(), spec, wait, List.of());
  }

  @Test
  void logLine() throws Exception {
    try (TestContainer c = start(spec("echo ready now; exec sleep 600"), Wait.forLogLine("^ready now$"))) {
      assertThat(c.logs()).contains(new LogLine(LogLine.Source.STDOUT, "ready now"));
    }
    assertTimesOut(spec("exec sleep 600"), Wait.forLogLine("never printed"), "a log line matching /never printed/");
  }

  @Test
  void listeningPort() throws Exception {
    String httpd = "exec busybox httpd -f -p 8080 -h /";
    try (TestContainer c = start(spec(httpd), Wait.forListeningPort(8080))) {
      assertThat(Wait.listening(c.container().pid(), 8080)).isTrue();
    }
    assertTimesOut(spec("exec sleep 600"), Wait.forListeningPort(8080), "TCP port 8080 listening");
  }

  @Test
  void commandExitingWithZero() throws Exception {
    try (TestContainer c = start(spec("touch /tmp/ready; exec sleep 600"), Wait.forCommand("test", "-e", "/tmp/ready"))) {
      assertThat(c.exec("test", "-e", "/tmp/ready").exitCode()).isZero();
    }
    assertTimesOut(spec("exec sleep 600"), Wait.forCommand("test", "-e", "/tmp/ready"),
        "command test -e /tmp/ready exiting with 0");
  }

  @Test
  void httpStatus() throws Exception {
    String httpd = "mkdir -p /tmp/w && echo x > /tmp/w/ok && exec busybox httpd -f -p 8080 -h /tmp/w";
    try (TestContainer c = start(spec(httpd), Wait.forHttp(8080, "/ok", 200))) {
      assertThat(c.mappedPort(8080)).isPositive();
    }
    // it answers, but 404: the wait wants 200
    assertTimesOut(spec(httpd), Wait.forHttp(8080, "/missing", 200), "HTTP GET /missing on port 8080 answering 200");
  }

  @Test
  void aContainerThatExitsFailsAtOnceWithItsStatusAndLogs() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> start(spec("exit 3"), Wait.forLogLine("never").withTimeout(Duration.ofSeconds(30))))
        .isInstanceOf(ContainerNotReadyException.class)
        .hasMessageContaining("exited").hasMessageContaining("3")
        .hasMessageContaining("STDOUT: log-marker-1").hasMessageContaining("STDERR: log-marker-2");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void badArgumentsNameTheFieldAndTheRule() {
    assertThatThrownBy(() -> Wait.forListeningPort(0)).hasMessageContaining("containerPort: 0");
    assertThatThrownBy(() -> Wait.forHttp(80, "x", 200)).hasMessageContaining("path: \"x\" must start with /");
    assertThatThrownBy(() -> Wait.forHttp(80, "/", 99)).hasMessageContaining("status: 99");
    assertThatThrownBy(() -> Wait.forCommand()).hasMessageContaining("argv");
    assertThatThrownBy(() -> Wait.none().withTimeout(Duration.ZERO)).hasMessageContaining("timeout: PT0S must be positive");
  }

  private static void assertTimesOut(ContainerSpec spec, Wait wait, String condition) throws Exception {
    String[] id = new String[1];
    assertThatThrownBy(() -> start(spec, wait.withTimeout(SHORT)).close()).isInstanceOf(ContainerNotReadyException.class)
        .hasMessageContaining("no " + condition + " within PT1.5S")
        .hasMessageContaining("STDOUT: log-marker-1")
        .hasMessageContaining("STDERR: log-marker-2")
        .satisfies(e -> {
          String m = e.getMessage();
          id[0] = m.substring("container ".length(), "container ".length() + 12);
        });
    // the failed start closed its container: no state directory with that id prefix is left once the
    // background teardown lane (the default) ran
    assertThat(ContainerRuntime.defaults().awaitTeardown(Duration.ofSeconds(30))).isTrue();
    try (var ds = java.nio.file.Files.newDirectoryStream(ContainerRuntime.defaults().stateDirectory(), id[0] + "*")) {
      assertThat(ds.iterator().hasNext()).as("state of the timed-out container " + id[0]).isFalse();
    } catch (java.nio.file.NoSuchFileException e) {
      // no state directory at all
    }
  }
}
