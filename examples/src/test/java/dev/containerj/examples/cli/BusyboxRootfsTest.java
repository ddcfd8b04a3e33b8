package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code containerj run --rootfs DIR} with a root directory that holds nothing but a static
 * busybox and its applet links: what runs inside sees that tree, not the host's.
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(60)
class BusyboxRootfsTest {
  /** Debian's busybox-static; CI installs it. */
  private static final Path BUSYBOX = Path.of("/bin/busybox");

  @TempDir
  Path root;

  @BeforeEach
  void buildRoot() throws IOException {
    assertThat(BUSYBOX).as("this test needs a static busybox at /bin/busybox: apt-get install busybox-static")
        .isRegularFile().isExecutable();
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(BUSYBOX, bin.resolve("busybox"));
    for (String applet : new String[] {"sh", "ls", "cat", "echo", "hostname", "touch", "id"}) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    // Mount points: a read-only root cannot get them created.
    for (String dir : new String[] {"proc", "dev", "sys", "tmp"}) {
      Files.createDirectory(root.resolve(dir));
    }
  }

  @AfterEach
  void nothingLeftBehind() {
    assertThat(Tool.ownedByThisJvm()).as("state records of containers this JVM started").isEmpty();
  }

  @Test
  void payloadSeesOnlyTheGivenTreeReadOnly() {
    Tool.Result r = Tool.run("--rootfs", root.toString(), "--hostname", "bb", "--", "/bin/sh", "-c",
        "ls /; hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; touch /new-file");
    assertThat(r.outLines()).containsExactly("bin", "dev", "proc", "sys", "tmp", "bb", "/bin/sh -c "
        + "ls /; hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; touch /new-file ");
    assertThat(r.err()).contains("Read-only file system");
    assertThat(r.code()).isNotZero();
    assertThat(root.resolve("new-file")).doesNotExist();
  }

  @Test
  void rootfsRwWritesIntoTheDirectory() throws IOException {
    Tool.Result r = Tool.run("--rootfs", root.toString(), "--rootfs-rw", "/bin/sh", "-c", "echo kept > /kept");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.readString(root.resolve("kept"))).isEqualTo("kept\n");
  }

  @Test
  void hostCommandsAreNotThere() {
    Tool.Result r = Tool.run("--rootfs", root.toString(), "/usr/bin/env");
    assertThat(r.code()).isEqualTo(127);
    assertThat(r.err()).contains("execve(/usr/bin/env) failed: ENOENT");
  }

  @Test
  void readOnlyContradictsRootfsRw() {
    Tool.Result r = Tool.run("--rootfs", root.toString(), "--rootfs-rw", "--read-only", "/bin/sh");
    assertThat(r.code()).isEqualTo(125);
    assertThat(r.err()).isEqualTo("containerj: --read-only and --rootfs-rw contradict each other\n");
  }
}
