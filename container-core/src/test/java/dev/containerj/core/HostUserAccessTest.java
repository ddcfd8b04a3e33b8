package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.StateStore;
import dev.containerj.layers.Descriptor;
import dev.containerj.layers.Image;
import dev.containerj.layers.ImageReference;
import dev.containerj.layers.LayerStore;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an ordinary host user ({@code nobody}) reaches of a root JVM's containers: the setuid files
 * of an image in the layer store, and those a running container writes to its upper directory. As
 * root only: the test switches to {@code nobody} with runuser(1).
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class HostUserAccessTest {
  @TempDir static Path work;
  private static Path layout;

  private static String sh(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
    return out;
  }

  /** Runs {@code cmd} as nobody; returns "exit N: output". */
  private static String asNobody(String... cmd) throws Exception {
    List<String> c = new ArrayList<>(List.of("runuser", "-u", "nobody", "--"));
    c.addAll(List.of(cmd));
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return "exit " + p.exitValue() + ": " + out;
  }

  /** An image (umoci, from busybox-static) whose /bin/suid-id is the host's id(1), setuid root. */
  @BeforeAll
  static void buildImage() throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "needs root: the store of a root JVM, and runuser to nobody");
    layout = work.resolve("layout");
    UmociImage.pack(work, layout, work.resolve("bundle"), root -> {
      Path suid = root.resolve("bin/suid-id");
      Files.copy(Path.of("/usr/bin/id"), suid);
      Files.setPosixFilePermissions(suid, PosixFilePermissions.fromString("rwxr-xr-x"));
      sh(work, "chmod", "4755", suid.toString()); // Java's API has no setuid bit
    }, "cp", "chmod", "sleep", "echo");
  }

  @Test
  void setuidFilesOfTheStoreAndOfAContainersWritesAreOutOfReachOfOtherUsers() throws Exception {
    // The store in a directory that every user may pass through, as /var/lib is.
    Path parent = Files.createDirectories(work.resolve("var-lib"));
    sh(work, "chmod", "0755", work.toString(), parent.toString());
    Path storeDir = parent.resolve("containerj");
    LayerStore store = new LayerStore(storeDir, false);
    Image image = store.importImage(ImageReference.parse("oci:" + layout + ":t"));
    Path fromImage = null;
    for (Descriptor d : image.layers()) {
      Path p = store.layerDirectory(d).resolve("bin/suid-id");
      if (Files.exists(p)) {
        fromImage = p;
      }
    }
    assertThat(fromImage).as("the setuid file in the store").isNotNull();
    assertThat(sh(work, "stat", "-c", "%a %u", fromImage.toString()).trim()).isEqualTo("4755 0");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(storeDir))).isEqualTo("rwx------");

    try (Container c = Container.start(ContainerSpec.builder().image(store, image)
        .command("sh", "-c", "cp /bin/suid-id /written && chmod 4755 /written && echo ready && exec sleep 100")
        .stdout(Redirect.PIPE).build())) {
      String line = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).isEqualTo("ready");
      Path written = storeDir.resolve("containers").resolve(c.id()).resolve("upper/written");
      String owner = sh(work, "stat", "-c", "%u", written.toString()).trim();
      assertThat(sh(work, "stat", "-c", "%a", written.toString()).trim()).isEqualTo("4755");

      // Protection on: nobody cannot even pass through the store's directory.
      for (Path p : List.of(fromImage, written)) {
        assertThat(asNobody(p.toString(), "-u")).as(p.toString()).startsWith("exit 1:").contains("Permission denied");
        assertThat(asNobody("stat", p.toString())).as(p.toString()).startsWith("exit 1:").contains("Permission denied");
      }

      // Protection off: the modes an older version left (store, layer and container directories
      // open to every user). nobody runs the image's file with euid 0, and the container's with the
      // euid of the file's owner (host root while image roots use the identity map).
      Path layerDir = fromImage.getParent().getParent().getParent();
      for (Path p : List.of(storeDir, layerDir, written.getParent().getParent())) {
        sh(work, "chmod", "0755", p.toString());
      }
      assertThat(asNobody(fromImage.toString(), "-u")).isEqualTo("exit 0: 0");
      assertThat(asNobody(written.toString(), "-u")).isEqualTo("exit 0: " + owner);

      // Opening the store again closes it (as it does for a store of an older version).
      new LayerStore(storeDir, false);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(storeDir))).isEqualTo("rwx------");
      assertThat(asNobody(fromImage.toString(), "-u")).startsWith("exit 1:").contains("Permission denied");
      assertThat(asNobody(written.toString(), "-u")).startsWith("exit 1:").contains("Permission denied");
    }
    store.removeImage(image.id());
    store.gc();
  }

  @Test
  void theStateDirectoryHoldsNoWriteOfAContainerAndCannotBeListed() throws Exception {
    Path root = StateStore.forCurrentUser().root();
    // The default root (the host's / under an overlay): its upper directory is a tmpfs of the
    // container's own mount namespace, so nothing it writes is a file on the host.
    try (Container c = Container.start(ContainerSpec.builder()
        .command("sh", "-c", "cp /usr/bin/id /written-setuid && chmod 4755 /written-setuid && echo ready && exec sleep 100")
        .stdout(Redirect.PIPE).build())) {
      String line = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).isEqualTo("ready");
      Path dir = root.resolve(c.id());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx--x--x");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx--x--x");
      try (var found = Files.walk(dir)) {
        assertThat(found.filter(p -> p.getFileName().toString().equals("written-setuid")).toList()).isEmpty();
      }
      assertThat(Path.of("/written-setuid")).doesNotExist();
      assertThat(asNobody("ls", root.toString())).startsWith("exit 2").contains("Permission denied");
      assertThat(asNobody("ls", dir.toString())).startsWith("exit 2").contains("Permission denied");
    }
  }
}
