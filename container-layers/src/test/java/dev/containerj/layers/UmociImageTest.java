package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image built with umoci (and rewritten by skopeo), unpacked by ContainerJ, compared with
 * {@code umoci unpack}'s tree: type, mode, owner, size, content hash, link target, xattrs.
 */
@Tag("kernel")
class UmociImageTest {
  @TempDir static Path work;
  static TestImage image;
  static @org.jspecify.annotations.Nullable String xattrProblem;

  @BeforeAll
  static void build() throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0,
        "not tested as non-root: umoci must run as root to keep owners, and the overlay mount needs root");
    xattrProblem = Tools.userXattrProblem(work);
    if (xattrProblem == null) {
      image = TestImage.build(work);
    }
  }

  @org.junit.jupiter.api.BeforeEach
  void requireUserXattrs() {
    Assumptions.assumeTrue(xattrProblem == null,
        "not applicable: the test image carries user.* xattrs, and " + xattrProblem);
  }

  @Test
  void flattenedUnpackMatchesUmoci(@TempDir Path out) throws Exception {
    ImageConfig config = LayerUnpacker.builder().whiteoutMode(LayerUnpacker.WhiteoutMode.FLATTEN)
        .rootless(false).build().unpackImage(image.ref(), Platform.current(), out);

    Tools.assertSameTree(out, image.reference);
    // The comparison is only as good as the fixture: make sure the interesting cases are in it.
    assertThat(Tools.describe(out.resolve("etc/hello.txt"))).contains("user.test=hello-xattr");
    assertThat(Tools.describe(out.resolve("usr/bin/suid"))).contains("mode=4755");
    assertThat(Tools.describe(out.resolve("shared"))).contains("mode=2775");
    assertThat(Tools.describe(out.resolve("tmp"))).contains("mode=1777");
    assertThat(Tools.describe(out.resolve("run/fifo"))).startsWith("type=1 mode=0640");
    assertThat(Tools.describe(out.resolve("home/user/file"))).contains("owner=1000:1000");
    assertThat(Tools.describe(out.resolve("bin/ls"))).contains("-> /bin/busybox");
    assertThat(out.resolve("etc/hello.txt")).hasContent("hello v2");
    assertThat(config.entrypoint()).containsExactly("/bin/sh");
    assertThat(config.cmd()).containsExactly("-c", "echo hi");
    assertThat(config.env()).contains("FOO=bar");
    assertThat(config.workingDir()).isEqualTo("/data");
    assertThat(config.user()).isEqualTo("1000:1000");
    assertThat(out.resolve("del/gone.txt")).doesNotExist();
    assertThat(out.resolve("opq")).isDirectoryContaining(p -> p.getFileName().toString().equals("new.txt"));
    assertThat(Files.list(out.resolve("opq")).count()).isEqualTo(1);
    assertThat(Files.getAttribute(out.resolve("hl/a"), "unix:ino"))
        .isEqualTo(Files.getAttribute(out.resolve("hl/b"), "unix:ino"));
    long blocks = Long.parseLong(Tools.run(out, "stat", "-c", "%b", "data/sparse.img").trim());
    assertThat(blocks * 512).as("allocated bytes of the 8 MiB sparse file").isLessThan(1L << 20);
  }

  @Test
  void overlayOfStoredLayersMatchesUmoci(@TempDir Path storeDir) throws Exception {
    LayerStore store = new LayerStore(storeDir, false);
    Image img = store.importImage(image.ref());
    assertThat(img.layers()).hasSize(4);
    assertThat(img.config().entrypoint()).containsExactly("/bin/sh");
    try (PreparedRoot root = store.prepareRoot(img, "c1", false)) {
      root.mount();
      Path merged = root.rootfs();
      Tools.assertSameTree(merged, image.reference);
      assertThat(merged.resolve("del/gone.txt")).doesNotExist();
      assertThat(merged.resolve("del/stays.txt")).exists();
      try (var s = Files.list(merged.resolve("opq"))) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactly("new.txt");
      }
    }
    assertThat(store.preparedRoots()).isEmpty();
  }

  @Test
  void zstdLayersFromSkopeo(@TempDir Path tmp) throws Exception {
    String skopeo = Tools.require("skopeo", "skopeo");
    Path z = tmp.resolve("imgz");
    Tools.run(tmp, skopeo, "copy", "--dest-compress-format", "zstd", "--dest-compress",
        "oci:" + image.layout + ":t", "oci:" + z + ":t");
    LayerStore store = new LayerStore(tmp.resolve("store"), false);
    Image img = store.importImage(ImageReference.parse("oci:" + z + ":t"));
    assertThat(img.layers()).allSatisfy(d -> assertThat(d.mediaType()).contains("zstd"));
    try (PreparedRoot root = store.prepareRoot(img, "z", false)) {
      root.mount();
      Tools.assertSameTree(root.rootfs(), image.reference);
    }
  }

  @Test
  void dockerArchiveFromSkopeo(@TempDir Path tmp) throws Exception {
    String skopeo = Tools.require("skopeo", "skopeo");
    Path archive = tmp.resolve("img.tar");
    Tools.run(tmp, skopeo, "copy", "oci:" + image.layout + ":t", "docker-archive:" + archive + ":test/img:t");
    Path out = Files.createDirectory(tmp.resolve("out"));
    ImageConfig config = LayerUnpacker.builder().whiteoutMode(LayerUnpacker.WhiteoutMode.FLATTEN)
        .rootless(false).build().unpackImage(ImageReference.parse("docker-archive:" + archive), Platform.current(), out);
    Tools.assertSameTree(out, image.reference);
    assertThat(config.user()).isEqualTo("1000:1000");

    LayerStore store = new LayerStore(tmp.resolve("store"), false);
    Image img = store.importImage(ImageReference.parse("docker-archive:" + archive + ":test/img:t"));
    try (PreparedRoot root = store.prepareRoot(img, "d", false)) {
      root.mount();
      Tools.assertSameTree(root.rootfs(), image.reference);
    }
  }

  @Test
  void twoRootsShareLayersAndNotWrites(@TempDir Path storeDir) throws Exception {
    LayerStore store = new LayerStore(storeDir, false);
    int[] unpacked = new int[1];
    UnpackListener count = new UnpackListener() {
      @Override
      public void progress(String layer, long bytes, long entries) {
        if (entries == 1) {
          unpacked[0]++;
        }
      }
    };
    Image img = store.importImage(image.ref(), Platform.current(), count);
    Image again = store.importImage(image.ref(), Platform.current(), count);
    assertThat(unpacked[0]).as("layers unpacked over two imports").isEqualTo(4);
    assertThat(again.id()).isEqualTo(img.id());
    try (PreparedRoot a = store.prepareRoot(img, "a", false); PreparedRoot b = store.prepareRoot(img, "b", false)) {
      a.mount();
      b.mount();
      Files.writeString(a.rootfs().resolve("etc/hello.txt"), "changed in a\n");
      Files.writeString(a.rootfs().resolve("only-a"), "a\n");
      Files.delete(a.rootfs().resolve("del/stays.txt"));
      assertThat(b.rootfs().resolve("etc/hello.txt")).hasContent("hello v2");
      assertThat(b.rootfs().resolve("only-a")).doesNotExist();
      assertThat(b.rootfs().resolve("del/stays.txt")).exists();
      assertThat(a.upperDir().resolve("only-a")).exists();
      // the shared layer is untouched
      Path lowest = store.layerDirectory(img.layers().get(0));
      assertThat(lowest.resolve("etc/hello.txt")).hasContent("hello v1");
    }
    assertThat(store.preparedRoots()).isEmpty();

    assertThat(store.gc()).isEmpty();
    assertThat(store.removeImage(img.id())).isTrue();
    assertThat(store.images()).isEmpty();
    List<String> removed = store.gc();
    assertThat(removed).hasSize(4);
    assertThat(store.hasLayer(img.layers().get(0).digest())).isFalse();
    assertThat(Files.list(storeDir.resolve("l")).count()).isZero();
    assertThat(Files.exists(storeDir.resolve("layers").resolve(img.layers().get(0).hex()), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }
}
