package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.Images;
import dev.containerj.examples.bench.BusyboxImage;
import dev.containerj.layers.Image;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code containerj bench} runs and prints its table. Smoke runs with three samples: they check that
 * the example works and that every row was measured (three samples, a positive median), and assert
 * no time (the benchmark itself is run by hand, see README).
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(120)
@org.junit.jupiter.api.extension.ExtendWith(dev.containerj.examples.bench.DefaultBridgeCleanup.class)
class BenchCommandTest {
  private static final String IMAGE_ROW = "containerj image (start->exit)";
  private static final String IMAGE_CLOSE_ROW = "containerj image (start->exit+close)";

  @Test
  void printsATableWithEveryRunner() {
    Tool.Result r = Tool.execute("bench", "-n", "3", "--warmup", "1", "--cold", "0");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("containerj (start->exit) ", "containerj (start->exit+close) ",
        "ProcessBuilder /bin/true ", "ratio containerj / ProcessBuilder (median):", "median", "p99");
    // bwrap is measured when installed, and its absence is said, never silently dropped.
    assertThat(r.out()).containsAnyOf("bwrap --unshare-all ", "skipped bwrap: not installed");
    // The image rows: CI installs busybox-static, so the busybox image must have been built and run.
    assertThat(r.out()).doesNotContain("skipped containerj image");
    assertMeasured(r.out(), "containerj (start->exit)", 3);
    assertMeasured(r.out(), "containerj --read-only (start->exit)", 3);
    assertThat(r.out()).contains("ratio containerj / containerj --read-only:");
    assertMeasured(r.out(), IMAGE_ROW, 3);
    assertMeasured(r.out(), IMAGE_CLOSE_ROW, 3);
    // The exec row, next to nsenter -a into the same container (util-linux is always there).
    assertMeasured(r.out(), "containerj exec (exec->exit)", 3);
    if (dev.containerj.linux.internal.LibC.geteuid() == 0) {
      assertMeasured(r.out(), "nsenter -a (spawn->exit)", 3);
      assertThat(r.out()).contains("ratio containerj exec / nsenter -a (median):");
    } else {
      // nsenter -a as an ordinary user cannot enter the rootless container (setns of its user
      // namespace needs what only the container's owner process has): the row is skipped, saying so.
      assertThat(r.out()).contains("nsenter: ").contains("its row is skipped");
    }
    assertThat(r.out()).contains("containerj image: busybox-static image built from /bin/busybox",
        "ratio containerj image / containerj (median):");
    String store = r.out().lines().filter(l -> l.startsWith("containerj image: ")).findFirst().orElseThrow()
        .replaceAll(".* in (/\\S+/store)$", "$1");
    assertThat(Path.of(store)).as("the temporary store after the run").doesNotExist();
    assertThat(Path.of(store).getParent()).as("the temporary image directory after the run").doesNotExist();
    assertThat(Tool.ownedByThisJvm()).isEmpty();
  }

  @Test
  void measuresAnImageGivenByReference(@TempDir Path tmp) throws Exception {
    String ref = BusyboxImage.write(Path.of("/bin/busybox"), tmp.resolve("layout"));
    Optional<Image> before = ContainerRuntime.defaults().images().find(ref);
    try {
      Tool.Result r = Tool.execute("bench", "-n", "3", "--warmup", "0", "--image", ref);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("containerj image: " + ref + " (1 layer(s) in this user's store");
      assertMeasured(r.out(), IMAGE_ROW, 3);
      assertMeasured(r.out(), IMAGE_CLOSE_ROW, 3);
      assertThat(ContainerRuntime.defaults().images().find(ref)).as("the image, imported into this user's store").isPresent();
    } finally {
      if (before.isEmpty()) {
        Optional<Image> imported = ContainerRuntime.defaults().images().find(ref);
        if (imported.isPresent()) {
          ContainerRuntime.defaults().images().remove(imported.get().id());
          ContainerRuntime.defaults().images().gc();
        }
      }
    }
    assertThat(Tool.ownedByThisJvm()).isEmpty();
  }

  @Test
  void aReferenceThatNamesNoImageIsAnErrorNamingIt(@TempDir Path tmp) {
    Path empty = tmp.resolve("no-layout");
    Tool.Result r = Tool.execute("bench", "-n", "1", "--warmup", "0", "--image", "oci:" + empty);
    assertThat(r.code()).isEqualTo(ExitCodes.CONTAINERJ_ERROR);
    assertThat(r.err()).startsWith("containerj: ").contains(empty.toString());
    assertThat(Tool.ownedByThisJvm()).isEmpty();
  }

  /** The table row {@code name} has {@code n} samples and a median above zero. */
  @Test
  void coldRowsMeasureRuncAndSayWhyALauncherRowIsMissing() {
    // From the test's class directories there is no jar, hence no launcher next to it.
    Tool.Result r = Tool.execute("bench", "-n", "1", "--warmup", "0", "--cold", "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("containerj bench, cold starts")
        .contains("skipped containerj launcher: not found next to the running jar");
    // runc and busybox-static are installed by run-tests.sh: runc's own default bundle must run.
    assertMeasured(r.out(), "runc run (busybox bundle)", 2);
    assertThat(r.out()).doesNotContain("skipped runc");
  }

  private static void assertMeasured(String out, String name, int n) {
    List<String> rows = out.lines().filter(l -> l.startsWith(name + " ")).toList();
    assertThat(rows).as("row %s in%n%s", name, out).hasSize(1);
    String[] cells = rows.get(0).substring(name.length()).trim().split("\\s+");
    assertThat(cells).as("n, median, p90, p99, min of %s", name).hasSize(5);
    assertThat(Integer.parseInt(cells[0])).as("samples of %s", name).isEqualTo(n);
    assertThat(Double.parseDouble(cells[1])).as("median of %s", name).isPositive();
  }
}
