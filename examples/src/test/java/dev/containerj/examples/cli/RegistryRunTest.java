package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code containerj pull}, {@code run --image 127.0.0.1:PORT/test/busybox:1 --pull ...} and
 * {@code image ls} against a real registry (Debian's docker-registry on loopback), the image pushed
 * with skopeo.
 */
@Tag("kernel")
@Timeout(180)
class RegistryRunTest {
  private static void sh(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0).as("%s: %s", String.join(" ", cmd), out).isTrue();
  }

  @Test
  void runPullsTheImageFromTheRegistryWhenMissing(@TempDir Path work) throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "the image is built with umoci, which keeps owners: root only");
    if (!Files.isExecutable(Path.of("/usr/bin/docker-registry"))) {
      sh(work, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "docker-registry");
    }
    Path layout = work.resolve("layout");
    Path bundle = work.resolve("bundle");
    sh(work, "umoci", "init", "--layout", layout.toString());
    sh(work, "umoci", "new", "--image", layout + ":1");
    sh(work, "umoci", "unpack", "--image", layout + ":1", bundle.toString());
    Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    Files.writeString(Files.createDirectories(bundle.resolve("rootfs/etc")).resolve("motd"), "pulled over the wire\n");
    sh(work, "umoci", "repack", "--image", layout + ":1", bundle.toString());
    sh(work, "umoci", "config", "--image", layout + ":1", "--config.cmd", "sh", "--config.cmd", "-c",
        "--config.cmd", "cat /etc/motd");

    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path storage = Files.createDirectories(work.resolve("storage"));
    Path config = Files.writeString(work.resolve("config.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
        + storage + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
    Process registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("registry.log").toFile()).start();
    String conf = System.getProperty("containerj.registriesConf");
    try {
      awaitPort(registry, port);
      String ref = "127.0.0.1:" + port + "/test/busybox:1";
      sh(work, "skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:" + layout + ":1", "docker://" + ref);
      System.setProperty("containerj.registriesConf", Files.writeString(work.resolve("registries.conf"),
          "[[registry]]\nlocation = \"127.0.0.1:" + port + "\"\ninsecure = true\n").toString());

      Tool.Result never = Tool.run("--image", ref, "--pull", "never");
      assertThat(never.code()).isEqualTo(125);
      assertThat(never.err()).contains("--pull never").contains("not in the layer store");

      Tool.Result run = Tool.run("--image", ref);
      assertThat(run.out()).as(run.err()).isEqualTo("pulled over the wire\n");
      assertThat(run.code()).isZero();

      Tool.Result pull = Tool.execute("pull", ref);
      assertThat(pull.code()).as(pull.err()).isZero();
      assertThat(pull.out()).contains("already present").contains("sha256:");
      String digest = pull.out().strip().lines().reduce((a, b) -> b).orElseThrow();
      Tool.Result ls = Tool.execute("image", "ls");
      assertThat(ls.out()).contains(ref).contains(digest);

      Tool.Result always = Tool.run("--image", ref, "--pull", "always", "sh", "-c", "cat /etc/motd");
      assertThat(always.out()).as(always.err()).isEqualTo("pulled over the wire\n");
      Tool.Result bad = Tool.run("--image", ref, "--pull", "sometimes");
      assertThat(bad.err()).contains("--pull must be always, missing or never: sometimes");
      Tool.execute("image", "rm", digest);
    } finally {
      if (conf == null) {
        System.clearProperty("containerj.registriesConf");
      } else {
        System.setProperty("containerj.registriesConf", conf);
      }
      registry.destroyForcibly();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void awaitPort(Process p, int port) throws IOException, InterruptedException {
    for (int i = 0; i < 400; i++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!p.isAlive()) {
          throw new IOException("docker-registry exited " + p.exitValue());
        }
        Thread.sleep(50);
      }
    }
    throw new IOException("docker-registry did not listen on " + port);
  }
}
