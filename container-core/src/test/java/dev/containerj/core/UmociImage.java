package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.layers.Image;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A one-layer OCI image made with umoci (root only: it keeps owners, nodes and xattrs), imported. */
final class UmociImage {
  private UmociImage() {}

  /** What the test puts into the image's root before the layer is packed. */
  interface Content {
    void fill(Path rootfs) throws Exception;
  }

  /** An image of busybox as {@code /bin/busybox} and {@code /bin/sh} plus {@code content}, imported. */
  static Image build(Path work, Content content) throws Exception {
    Path layout = work.resolve("layout");
    pack(work, layout, work.resolve("bundle"), content);
    return ContainerRuntime.defaults().images().importImage("oci:" + layout + ":t");
  }

  /**
   * The layout {@code layout} (tag {@code t}) of one layer: busybox as {@code /bin/busybox}, linked
   * as {@code /bin/sh} and each of {@code tools}, plus {@code content}; unpacked in {@code bundle},
   * whose {@code rootfs} stays.
   */
  static void pack(Path work, Path layout, Path bundle, Content content, String... tools) throws Exception {
    assertThat(Path.of("/bin/busybox")).as("busybox-static (run-tests.sh installs it)").exists();
    assertThat(Path.of("/usr/bin/umoci")).as("umoci (run-tests.sh installs it)").exists();
    sh(work, "umoci", "init", "--layout", layout.toString());
    sh(work, "umoci", "new", "--image", layout + ":t");
    sh(work, "umoci", "unpack", "--image", layout + ":t", bundle.toString());
    Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    java.util.Set<String> links = new java.util.LinkedHashSet<>(List.of("sh"));
    links.addAll(List.of(tools));
    for (String tool : links) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    content.fill(bundle.resolve("rootfs"));
    sh(work, "umoci", "repack", "--image", layout + ":t", bundle.toString());
  }

  /** Runs {@code cmd} in {@code dir}; its output, after asserting it exited 0. */
  static String sh(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(List.of(cmd)).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("%s: %s", String.join(" ", cmd), out).isTrue();
    return out;
  }
}
