package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.examples.bench.BusyboxImage;
import dev.containerj.linux.internal.LibC;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code containerj run --image 127.0.0.1:PORT/test/busybox:1} as the user who runs the tests: the
 * rootless lane runs it as {@code nobody}, which pulls from the test's own registry into nobody's
 * layer store and starts a rootless container from the pulled image. The image is written without
 * umoci (whose repack keeps the caller's owners), so an ordinary user can build it too.
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(180)
class RootlessRegistryRunTest {
  @Test
  void anOrdinaryUserPullsAndRunsAnImageFromTheRegistry(@TempDir Path work) throws Exception {
    String layout = BusyboxImage.write(Path.of("/bin/busybox"), work.resolve("layout"));
    String conf = System.getProperty("containerj.registriesConf");
    try (LocalRegistry registry = LocalRegistry.start(work)) {
      registry.push(work, layout, "test/busybox:1");
      System.setProperty("containerj.registriesConf", registry.insecureConf(work).toString());
      String ref = registry.host() + "/test/busybox:1";

      // not in this user's store yet: the run below pulls it over the wire
      assertThat(Tool.run("--image", ref, "--pull", "never").code()).isEqualTo(125);
      Tool.Result run = Tool.run("--image", ref, "/bin/busybox", "sh", "-c", "id -u; cat /proc/self/uid_map; ls /bin");
      assertThat(run.code()).as(run.err()).isZero();
      String[] lines = run.out().strip().split("\n");
      // uid 0 inside; outside, the caller's own uid (nobody: a one-id map of the rootless lane)
      assertThat(lines[0]).isEqualTo("0");
      String[] map = lines[1].trim().split("\\s+");
      assertThat(map[0]).isEqualTo("0");
      if (LibC.geteuid() != 0) {
        assertThat(map[1]).as("the host uid of the container's root").isEqualTo(String.valueOf(LibC.geteuid()));
      }
      assertThat(run.out()).contains("busybox").contains("true");
      assertThat(Tool.ownedByThisJvm()).isEmpty();
      Tool.Result rm = Tool.execute("image", "rm", ref);
      assertThat(rm.code()).as(rm.err()).isZero();
    } finally {
      if (conf == null) {
        System.clearProperty("containerj.registriesConf");
      } else {
        System.setProperty("containerj.registriesConf", conf);
      }
    }
  }
}
