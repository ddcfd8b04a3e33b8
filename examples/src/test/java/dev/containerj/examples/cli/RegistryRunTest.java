package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
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
    LocalRegistry.sh(dir, cmd);
  }

  @Test
  void runPullsTheImageFromTheRegistryWhenMissing(@TempDir Path work) throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "the image is built with umoci, which keeps owners: root only");
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

    String conf = System.getProperty("containerj.registriesConf");
    try (LocalRegistry registry = LocalRegistry.start(work)) {
      String ref = registry.host() + "/test/busybox:1";
      registry.push(work, "oci:" + layout + ":1", "test/busybox:1");
      System.setProperty("containerj.registriesConf", registry.insecureConf(work).toString());

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
    }
  }
}
