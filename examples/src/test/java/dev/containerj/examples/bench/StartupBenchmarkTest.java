package dev.containerj.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image rows of the benchmark when no image can be built or run: skipped, with the reason in the
 * output, never silently; and the temporary store is deleted either way.
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(120)
@org.junit.jupiter.api.extension.ExtendWith(dev.containerj.examples.bench.DefaultBridgeCleanup.class)
class StartupBenchmarkTest {
  @TempDir Path tmp;

  @Test
  void aStaticBusyboxIsRecognised() throws IOException {
    assertThat(StartupBenchmark.staticBusyboxMissing(StartupBenchmark.BUSYBOX))
        .as("/bin/busybox from busybox-static (CI installs it)").isNull();
    assertThat(StartupBenchmark.staticBusyboxMissing(tmp.resolve("none"))).isEqualTo(tmp.resolve("none") + " not found");
    assertThat(StartupBenchmark.staticBusyboxMissing(Path.of("/bin/ls"))).isEqualTo("/bin/ls is dynamically linked");
    Path text = Files.writeString(tmp.resolve("text"), "#!/bin/sh\n");
    assertThat(StartupBenchmark.staticBusyboxMissing(text)).isEqualTo(text + " is not a 64-bit little-endian ELF executable");
  }

  @Test
  void withoutAStaticBusyboxTheImageRowsAreSkippedAndTheOutputSaysWhy() throws Exception {
    StringWriter out = new StringWriter();
    Path missing = tmp.resolve("busybox");
    StartupBenchmark.Result r = StartupBenchmark.run(1, 0, null, missing, new PrintWriter(out, true));
    assertThat(r.row(StartupBenchmark.IMAGE)).isNull();
    assertThat(r.row(StartupBenchmark.IMAGE_CLOSE)).isNull();
    assertThat(r.row(StartupBenchmark.CONTAINERJ)).isNotNull();
    assertThat(out.toString()).contains("skipped containerj image: " + missing + " not found (apt-get install"
        + " busybox-static), so the benchmark image cannot be built; give one with --image REF; its rows are skipped");
  }

  @Test
  void anImageThatCannotRunBinTrueIsSkippedAndItsStoreDeleted() throws Exception {
    // A "static" ELF file that execve refuses (no program headers, no machine): the image is built
    // and imported, its check run fails with ENOEXEC, and the rows are skipped with that reason.
    ByteBuffer elf = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    elf.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
    Path fake = Files.write(tmp.resolve("busybox"), elf.array());
    Set<String> before = benchDirs();
    StringWriter out = new StringWriter();
    StartupBenchmark.Result r = StartupBenchmark.run(1, 0, null, fake, new PrintWriter(out, true));
    assertThat(r.row(StartupBenchmark.IMAGE)).isNull();
    // (An ordinary user's nsenter -a cannot enter a rootless container, and an ordinary user has no
    // bridge: those rows are skipped too, not asserted here.)
    assertThat(r.skipped().stream().filter(s -> !s.startsWith("nsenter:") && !s.startsWith("containerj bridge:"))
        .toList()).singleElement().asString()
        .startsWith("containerj image: /bin/true does not run in the busybox image: ")
        .contains("execve(/bin/true) failed: ENOEXEC").endsWith("; its rows are skipped");
    assertThat(out.toString()).contains("skipped containerj image: /bin/true does not run");
    assertThat(benchDirs()).as("temporary image stores left in %s", System.getProperty("java.io.tmpdir"))
        .isSubsetOf(before);
  }

  private static Set<String> benchDirs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("containerj-bench-"))
          .collect(Collectors.toSet());
    }
  }
}
