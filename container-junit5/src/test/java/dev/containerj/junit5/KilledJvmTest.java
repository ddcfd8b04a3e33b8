package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * A test JVM killed by SIGKILL in the middle of a test (no afterAll, no store closing, no shutdown
 * hook) leaves nothing: its per-class and shared containers die with it, and the runtime's reap
 * removes their state. The off-run: the same JVM with detached containers (no parent-death signal)
 * leaves them running, so the assertions can see a leak.
 */
@Tag("kernel")
class KilledJvmTest {

  /** The child JVM: runs {@link Sleeper} with JUnit; its test prints the containers and sleeps. */
  public static void main(String[] args) {
    System.setProperty("containerj.test.detached", args.length > 0 ? args[0] : "false");
    EngineTestKit.engine("junit-jupiter").selectors(
        org.junit.platform.engine.discovery.DiscoverySelectors.selectClass(Sleeper.class)).execute();
  }

  static class Sleeper {
    static final ContainerSpec SPEC = ContainerSpec.builder().command("sleep", "600")
        .detached(Boolean.getBoolean("containerj.test.detached")).build();
    @RegisterExtension
    static ContainerExtension perClass = ContainerExtension.of(SPEC);
    @RegisterExtension
    static ContainerExtension shared = ContainerExtension.of(SPEC).shared("killed-jvm");

    @Test
    void sleeps() throws Exception {
      System.out.println(perClass.container().id() + " " + perClass.container().container().pid());
      System.out.println(shared.container().id() + " " + shared.container().container().pid());
      System.out.flush();
      Thread.sleep(600_000);
    }
  }

  @Test
  void containersDieWithTheKilledJvmAndTheReapRemovesTheirState() throws Exception {
    List<String[]> started = killChildJvm(false);
    for (String[] c : started) {
      Leaks.assertGone(c[0], Integer.parseInt(c[1]), true);
    }
  }

  @Test
  void offRunDetachedContainersOutliveTheKilledJvm() throws Exception {
    List<String[]> started = killChildJvm(true);
    ContainerRuntime rt = ContainerRuntime.defaults();
    try {
      Thread.sleep(500);
      rt.reap();
      for (String[] c : started) {
        assertThat(Leaks.alive(Integer.parseInt(c[1]))).as("detached container %s outlives its JVM", c[0]).isTrue();
        assertThat(rt.stateDirectory().resolve(c[0])).exists();
      }
    } finally {
      for (String[] c : started) {
        rt.remove(c[0], true);
      }
    }
    List<Path> left = new ArrayList<>();
    for (String[] c : started) {
      left.addAll(cgroupsNamed(c[0]));
    }
    for (Path p : left) {
      Files.deleteIfExists(p); // the test's own cleanup first, so that a failure leaves nothing either
    }
    // remove(id, true) of a detached container whose JVM died removes its cgroups too: nobody else will.
    assertThat(left).as("cgroups of the removed containers").isEmpty();
    for (String[] c : started) {
      Leaks.assertGone(c[0], Integer.parseInt(c[1]), false);
    }
  }

  /**
   * The cgroup directories named {@code id} in every hierarchy, also where the JVM's own cgroup is
   * not the root (here the memory hierarchy's {@code process_api/X/containerj/ID}, five deep).
   */
  private static List<Path> cgroupsNamed(String id) throws java.io.IOException {
    try (var s = Files.find(Path.of("/sys/fs/cgroup"), 8,
        (p, a) -> a.isDirectory() && p.getFileName() != null && p.getFileName().toString().equals(id))) {
      return s.toList();
    }
  }

  /** Starts the child JVM, reads the two containers it started, kills it with SIGKILL. */
  private static List<String[]> killChildJvm(boolean detached) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx96m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        "-Dcontainerj.stateDir=" + ContainerRuntime.defaults().stateDirectory(),
        KilledJvmTest.class.getName(), Boolean.toString(detached))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String[]> started = new ArrayList<>();
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
      for (int i = 0; i < 2; i++) {
        String line = r.readLine();
        assertThat(line).as("the child JVM's container %d", i).isNotNull().matches("[0-9a-f]{32} \\d+");
        started.add(line.split(" "));
      }
      for (String[] c : started) {
        assertThat(Leaks.alive(Integer.parseInt(c[1]))).isTrue();
        assertThat(Files.exists(ContainerRuntime.defaults().stateDirectory().resolve(c[0]))).isTrue();
      }
    } finally {
      jvm.destroyForcibly(); // SIGKILL
      assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    return started;
  }
}
