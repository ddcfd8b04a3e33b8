package dev.containerj.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's hand-written OCI layout, read by independent tools: skopeo and GNU tar. */
class BusyboxImageTest {
  @TempDir Path tmp;

  private String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("%s: %s", String.join(" ", cmd), out).isTrue();
    return out;
  }

  @Test
  void skopeoReadsAndCopiesTheLayoutAndTarListsTheLayer() throws Exception {
    assertThat(Path.of("/usr/bin/skopeo")).as("skopeo (run-tests.sh installs it)").exists();
    String ref = BusyboxImage.write(StartupBenchmark.BUSYBOX, tmp.resolve("layout"));
    assertThat(ref).isEqualTo("oci:" + tmp.resolve("layout") + ":bench");

    String inspect = run("skopeo", "inspect", ref);
    String layer = inspect.replaceAll("(?s).*\"Layers\": \\[\\s*\"sha256:([0-9a-f]{64})\"\\s*].*", "$1");
    assertThat(layer).as("the one layer in %s", inspect).hasSize(64);
    assertThat(inspect).contains("\"Os\": \"linux\"");
    // skopeo copy reads every blob and checks it against its digest.
    run("skopeo", "copy", ref, "oci:" + tmp.resolve("copy") + ":x");

    Path blob = tmp.resolve("layout/blobs/sha256").resolve(layer);
    String listing = run("tar", "--numeric-owner", "-tvf", blob.toString());
    assertThat(listing.lines().map(l -> l.replaceAll("\\s+", " ").replaceAll(" \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d", "")))
        .containsExactly("drwxr-xr-x 0/0 0 bin/",
            "-rwxr-xr-x 0/0 " + Files.size(StartupBenchmark.BUSYBOX) + " bin/busybox",
            "lrwxrwxrwx 0/0 0 bin/true -> busybox");
    assertThat(BusyboxImage.write(StartupBenchmark.BUSYBOX, tmp.resolve("again")))
        .as("the same bytes give the same digests").isNotNull();
    assertThat(Files.readString(tmp.resolve("again/index.json"))).isEqualTo(Files.readString(tmp.resolve("layout/index.json")));
  }
}
