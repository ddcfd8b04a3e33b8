package dev.containerj.examples.hermetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hermetic action sees its declared inputs (read-only) and its output directory; every other host
 * path is absent. The off-run declares {@code /etc} as an input: then it is there.
 */
@Tag("kernel")
class HermeticActionTest {
  @TempDir
  Path dir;

  @Test
  void seesOnlyItsDeclaredInputsReadOnlyAndWritesOnlyItsOutput() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path in = Files.createDirectories(dir.resolve("src"));
    List<Path> inputs = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      inputs.add(Files.writeString(in.resolve("f" + i + ".txt"), "input " + i + "\n"));
    }
    Path undeclared = Files.writeString(in.resolve("undeclared.txt"), "not an input\n");
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
    String script = "cat " + in + "/f0.txt " + in + "/f999.txt > result.txt; "
        + "ls " + in + " | wc -l > count.txt; "
        + "for p in /etc /root /home /var /run " + undeclared + "; do test -e $p && echo $p; done > seen.txt; "
        + "ls " + dir.getParent() + " > parent.txt; "
        + "ls / > root.txt; "
        + "echo x > " + in + "/f1.txt 2> /dev/null && echo wrote-input > wrote.txt; true";
    // README: hermetic-action
    try (HermeticAction a = HermeticAction.prepare(inputs, out, List.of("/bin/sh", "-c", script))) {
      assertThat(a.run(ContainerRuntime.defaults()).code()).isZero();
    }
    // README: end
    assertThat(out.resolve("result.txt")).hasContent("input 0\ninput 999");
    assertThat(out.resolve("count.txt")).hasContent("1000"); // the undeclared file is absent
    assertThat(Files.readString(out.resolve("seen.txt"))).as("undeclared host paths seen").isEmpty();
    assertThat(Files.readAllLines(out.resolve("root.txt"))).containsExactlyInAnyOrder("bin", "dev", "lib", "lib64",
        "proc", "sbin", "sys", "usr", dir.getName(0).toString());
    assertThat(out.resolve("parent.txt")).as("an input's parent holds only the path to it")
        .hasContent(dir.getFileName().toString());
    assertThat(out.resolve("wrote.txt")).as("inputs are read-only").doesNotExist();
    assertThat(in.resolve("f1.txt")).hasContent("input 1");

    // Off-run: /etc declared as an input is there, so the check above can see a host path.
    Path out2 = Files.createDirectories(dir.resolve("out2"));
    Files.setPosixFilePermissions(out2, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (HermeticAction a = HermeticAction.prepare(List.of(Path.of("/etc")), out2,
        List.of("/bin/sh", "-c", "test -e /etc/passwd && echo /etc > seen.txt; true"))) {
      a.run(ContainerRuntime.defaults());
    }
    assertThat(out2.resolve("seen.txt")).hasContent("/etc");
  }
}
