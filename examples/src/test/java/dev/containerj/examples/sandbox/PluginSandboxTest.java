package dev.containerj.examples.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.sandbox.PluginResult;
import dev.containerj.core.sandbox.PluginSandbox;
import dev.containerj.examples.sandbox.PluginSandboxExample.Exchange;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile plugin's attempts, each denied by the sandbox, and each allowed in an off-run that
 * relaxes that one protection through the API (so the assertion can see a breach).
 */
@Tag("kernel")
class PluginSandboxTest {
  @TempDir
  static Path work;
  static Path jar;

  @BeforeAll
  static void pluginJar() throws Exception {
    jar = PluginSandboxExample.pluginJar(work);
  }

  private static PluginSandbox.Builder sandbox() {
    return PluginSandbox.builder().classPath(List.of(jar)).mainClass(HostilePlugin.class.getName())
        .timeout(Duration.ofSeconds(60));
  }

  @Test
  void hostFilesSecretsAndNetworkAreOutOfReach() throws Exception {
    Path home = Files.createDirectories(work.resolve("home/.ssh"));
    Path key = Files.writeString(home.resolve("id_ed25519"), "secret key\n");
    try (ServerSocket host = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      host.setSoTimeout(1);
      List<String> requests = List.of("read " + home, "read " + key, "read /etc/shadow",
          "read " + System.getProperty("user.home"), "connect " + host.getLocalPort());
      Exchange on = PluginSandboxExample.exchange(sandbox().build(), requests);
      assertThat(on.answers()).hasSize(5).allMatch(a -> a.startsWith("DENIED java.nio.file.NoSuchFileException")
          || a.startsWith("DENIED java.net."));
      assertThat(on.answers().get(4)).as("no network: connect fails").startsWith("DENIED java.net.");
      assertThat(on.result().reason()).isEqualTo(PluginResult.Reason.EXIT);
      assertThat(on.result().exitCode()).isZero();
      assertThat(acceptedAny(host)).as("the host's service saw no connection").isFalse();

      // Off-run: the files bound read-only and the host's network allowed: every attempt now reaches.
      Exchange off = PluginSandboxExample.exchange(sandbox().network(true)
          .readOnlyPaths(List.of(home, Path.of("/etc"))).build(), requests.subList(0, 3));
      Exchange offNet = PluginSandboxExample.exchange(sandbox().network(true).build(), requests.subList(4, 5));
      assertThat(off.answers().get(0)).isEqualTo("OK 1 entries");
      assertThat(off.answers().get(1)).isEqualTo("OK 11 bytes");
      assertThat(off.answers().get(2)).as("/etc/shadow exists once /etc is bound")
          .doesNotStartWith("DENIED java.nio.file.NoSuchFileException");
      assertThat(offNet.answers().get(0)).startsWith("OK connected");
      assertThat(acceptedAny(host)).isTrue();
    }
  }

  @Test
  void onlyScratchIsWritable(@TempDir Path scratch) throws Exception {
    // the container's user is not this JVM's (an unused id range for root): the directory lets it in
    Files.setPosixFilePermissions(scratch, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Exchange on = PluginSandboxExample.exchange(sandbox().scratch(scratch).build(),
        List.of("write /planted", "write /usr/planted", "write /plugin/planted", "write /tmp/planted",
            "write /proc/planted", "write /scratch/ok"));
    assertThat(on.answers().subList(0, 5)).allMatch(a -> a.startsWith("DENIED java.nio.file."));
    assertThat(on.answers().get(5)).isEqualTo("OK wrote /scratch/ok");
    assertThat(scratch.resolve("ok")).hasContent("written by a plugin");
    assertThat(Path.of("/planted")).doesNotExist();
    assertThat(Path.of("/usr/planted")).doesNotExist();
  }

  @Test
  void aForkBombStopsAtThePidsLimit() throws Exception {
    Exchange on = PluginSandboxExample.exchange(sandbox().pids(64).build(), List.of("threads 500"));
    assertThat(on.answers()).singleElement().asString().startsWith("DENIED").contains("after ");
    int got = Integer.parseInt(on.answers().get(0).replaceAll(".*after (\\d+) threads.*", "$1"));
    assertThat(got).isLessThan(64);
    // Off-run: a pids limit above the attempt lets all of them start.
    Exchange off = PluginSandboxExample.exchange(sandbox().pids(4096).build(), List.of("threads 500"));
    assertThat(off.answers()).containsExactly("OK 500 threads");
  }

  @Test
  void allocatingTwoGigabytesIsKilledAtTheMemoryLimit() throws Exception {
    Exchange on = PluginSandboxExample.exchange(sandbox().memory(256L << 20).jvmOptions(List.of("-Xmx3g")).build(),
        List.of("alloc 2048"));
    assertThat(on.answers()).isEmpty();
    assertThat(on.result().reason()).isEqualTo(PluginResult.Reason.OOM);
    // Off-run: with memory for it, the same allocation succeeds.
    Exchange off = PluginSandboxExample.exchange(sandbox().memory(3L << 30).jvmOptions(List.of("-Xmx3g")).build(),
        List.of("alloc 2048"));
    assertThat(off.answers()).containsExactly("OK 2048 MiB");
  }

  @Test
  void aPluginThatNeverEndsIsKilledAtItsTimeLimitWithItsStderr() throws Exception {
    long t0 = System.nanoTime();
    PluginSandbox s = PluginSandbox.builder().command(List.of("/usr/bin/sh", "-c", "echo about to hang >&2; exec sleep 600"))
        .timeout(Duration.ofSeconds(2)).build();
    try (var p = s.start()) {
      PluginResult r = p.waitFor();
      assertThat(r.reason()).isEqualTo(PluginResult.Reason.TIMEOUT);
      assertThat(r.stderr()).isEqualTo("about to hang\n");
      assertThat(r.elapsed()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(20));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
  }

  private static boolean acceptedAny(ServerSocket s) throws Exception {
    try (var c = s.accept()) {
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    }
  }
}
