package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.core.ContainerException;
import dev.containerj.core.ContainerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** copyTo/copyFrom of files and directories, through the container's own mounts. */
@Tag("kernel")
class CopyTest {
  @RegisterExtension
  ContainerExtension box = ContainerExtension.of(ContainerSpec.builder().command("sleep", "600").build());

  @Test
  void aDirectoryTreeGoesInAndComesBackOut(@TempDir Path tmp) throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/sub"));
    Files.writeString(src.resolve("a.txt"), "alpha\n");
    Path script = Files.writeString(src.getParent().resolve("run.sh"), "#!/bin/sh\necho ran\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(src.getParent().resolve("link"), Path.of("sub/a.txt"));

    box.container().copyTo(src.getParent(), "/tmp/in/tree");
    ExecResult r = box.container().exec("sh", "-c", "cat /tmp/in/tree/sub/a.txt /tmp/in/tree/link; /tmp/in/tree/run.sh;"
        + " stat -c '%a %u' /tmp/in/tree/run.sh");
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("alpha\nalpha\nran\n750 0\n");

    box.container().exec("sh", "-c", "echo made inside > /tmp/in/tree/sub/new.txt");
    Path back = tmp.resolve("back");
    box.container().copyFrom("/tmp/in/tree", back);
    assertThat(back.resolve("sub/a.txt")).hasContent("alpha");
    assertThat(back.resolve("sub/new.txt")).hasContent("made inside");
    assertThat(Files.readSymbolicLink(back.resolve("link"))).isEqualTo(Path.of("sub/a.txt"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("run.sh")))).isEqualTo("rwxr-x---");

    Path one = tmp.resolve("one.txt");
    box.container().copyFrom("/tmp/in/tree/sub/new.txt", one);
    assertThat(one).hasContent("made inside");
  }

  @Test
  void failuresNameThePathsAndTarsMessage(@TempDir Path tmp) throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    assertThatThrownBy(() -> box.container().copyTo(f, "/usr/f")).isInstanceOf(ContainerException.class)
        .hasMessageContaining("/usr/f").hasMessageContaining("Cannot open");
    assertThatThrownBy(() -> box.container().copyFrom("/tmp/missing", tmp.resolve("m")))
        .isInstanceOf(ContainerException.class).hasMessageContaining("/tmp/missing");
    assertThatThrownBy(() -> box.container().copyTo(f, "relative")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("containerPath: \"relative\" must be an absolute path");
  }
}
