package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile layers, each rejected with an error naming the entry, and nothing written outside the
 * layer root. The root sits next to an "outside" directory with a sentinel file whose content and
 * link count must not change.
 */
@Tag("rootless")
class HostileLayerTest {
  @TempDir Path tmp;
  Path root;
  Path outside;
  Path sentinel;
  List<String> before;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(tmp.resolve("a/b/root"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    sentinel = Files.writeString(outside.resolve("secret"), "untouched\n");
    before = listing(tmp);
  }

  @AfterEach
  void nothingOutsideTheRoot() throws IOException {
    assertThat(sentinel).hasContent("untouched");
    assertThat(Files.getAttribute(sentinel, "unix:nlink")).isEqualTo(1);
    List<String> after = listing(tmp);
    after.removeIf(p -> p.startsWith("a/b/root/"));
    List<String> expected = new ArrayList<>(before);
    expected.removeIf(p -> p.startsWith("a/b/root/"));
    assertThat(after).as("paths outside the layer root").containsExactlyInAnyOrderElementsOf(expected);
  }

  private static List<String> listing(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.forEach(p -> out.add(dir.relativize(p).toString()));
    }
    return out;
  }

  private static LayerUnpacker unpacker(boolean rootless) {
    return LayerUnpacker.builder().rootless(rootless).build();
  }

  private void unpack(byte[] layer) throws IOException {
    unpacker(true).unpack(new ByteArrayInputStream(layer), root, "test-layer");
  }

  @Test
  void dotDotIsRejected() throws IOException {
    byte[] l = new OciBuilder.Layer().file("ok.txt", "fine").file("../../../outside/evil", "x").tar();
    assertThatThrownBy(() -> unpack(l)).isInstanceOf(UnpackException.class)
        .hasMessageContaining("'../../../outside/evil'").hasMessageContaining("'..'");
  }

  @Test
  void absolutePathIsRejected() throws IOException {
    String target = outside.resolve("evil").toString();
    byte[] l = new OciBuilder.Layer().file(target, "x").tar();
    // commons-compress strips a leading '/' when writing; put it back as a hostile tar would have it.
    byte[] raw = patchName(l, target.substring(1), target);
    assertThatThrownBy(() -> unpack(raw)).isInstanceOf(UnpackException.class)
        .hasMessageContaining(target).hasMessageContaining("absolute");
  }

  @Test
  void writeThroughSymlinkLeavingTheRootIsRejected() throws IOException {
    byte[] l = new OciBuilder.Layer().symlink("escape", "../../../outside")
        .file("escape/pwned", "x").tar();
    assertThatThrownBy(() -> unpack(l)).isInstanceOf(UnpackException.class)
        .hasMessageContaining("'escape/pwned'").hasMessageContaining("outside the layer root");
  }

  @Test
  void writeThroughAbsoluteSymlinkStaysInTheRoot() throws IOException {
    byte[] l = new OciBuilder.Layer().symlink("abs", outside.toString())
        .file("abs/pwned", "contained").tar();
    unpack(l);
    // An absolute link means the container's root: the write lands below the layer root.
    Path inside = Path.of(root + outside.toString() + "/pwned");
    assertThat(inside).hasContent("contained");
    assertThat(outside.resolve("pwned")).doesNotExist();
  }

  @Test
  void symlinkPlantedInLowerLayerIsNotFollowedOut() throws IOException {
    unpacker(true).toBuilder().whiteoutMode(LayerUnpacker.WhiteoutMode.FLATTEN).build().unpack(
        new ByteArrayInputStream(new OciBuilder.Layer().symlink("dir", "../../../outside").tar()), root, "lower");
    byte[] upper = new OciBuilder.Layer().file("dir/pwned", "x").tar();
    assertThatThrownBy(() -> LayerUnpacker.builder().rootless(true)
        .whiteoutMode(LayerUnpacker.WhiteoutMode.FLATTEN).build()
        .unpack(new ByteArrayInputStream(upper), root, "upper"))
        .isInstanceOf(UnpackException.class).hasMessageContaining("'dir/pwned'");
  }

  @Test
  void hardlinkToOutsideIsRejected() throws IOException {
    byte[] l = new OciBuilder.Layer().hardlink("hl", "../../../outside/secret").tar();
    assertThatThrownBy(() -> unpack(l)).isInstanceOf(UnpackException.class)
        .hasMessageContaining("'hl'").hasMessageContaining("'..'");
  }

  @Test
  void hardlinkThroughSymlinkToOutsideIsRejected() throws IOException {
    byte[] l = new OciBuilder.Layer().symlink("up", "../../..").hardlink("hl", "up/outside/secret").tar();
    assertThatThrownBy(() -> unpack(l)).isInstanceOf(UnpackException.class)
        .hasMessageContaining("'hl'").hasMessageContaining("outside the layer root");
    byte[] l2 = new OciBuilder.Layer().symlink("slash", "/").hardlink("hl2", "slash" + sentinel).tar();
    assertThatThrownBy(() -> unpack(l2)).isInstanceOf(UnpackException.class)
        .hasMessageContaining("'hl2'").hasMessageContaining("does not exist");
  }

  @Test
  void deviceNodeRootlessIsRefusedOrSkipped() throws IOException {
    byte[] l = new OciBuilder.Layer().device("dev/sda", TarArchiveEntry.LF_BLK, 8, 0).tar();
    assertThatThrownBy(() -> LayerUnpacker.builder().rootless(true).failOnDevices(true).build()
        .unpack(new ByteArrayInputStream(l), root, "dev-layer"))
        .isInstanceOf(UnpackException.class).hasMessageContaining("'dev/sda'")
        .hasMessageContaining("block device 8:0 needs root");
    List<String> warnings = new ArrayList<>();
    LayerUnpacker.builder().rootless(true).listener(new UnpackListener() {
      @Override
      public void warning(String layer, String entry, String message) {
        warnings.add(entry + ": " + message);
      }
    }).build().unpack(new ByteArrayInputStream(l), root, "dev-layer");
    assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("dev/sda: block device 8:0 needs root"));
    assertThat(Files.exists(root.resolve("dev/sda"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  /**
   * As root the unpacker may mknod, and used to create an image's devices with the image's numbers:
   * a container then opened the host's /dev/kvm, console memory or disk. Only the overlay whiteout
   * (0/0) may become a node; the rest are skipped with a warning naming them.
   */
  @Test
  void deviceNodesAsRootAreSkippedAndOnlyTheOverlayWhiteoutIsANode() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.containerj.linux.internal.LibC.geteuid() == 0,
        "needs root: rootless never makes device nodes (deviceNodeRootlessIsRefusedOrSkipped)");
    byte[] l = new OciBuilder.Layer().dir("dev", 0755)
        .device("dev/kvm", TarArchiveEntry.LF_CHR, 10, 232).device("dev/mem", TarArchiveEntry.LF_CHR, 1, 1)
        .device("dev/vcs", TarArchiveEntry.LF_CHR, 7, 0).device("dev/vda", TarArchiveEntry.LF_BLK, 254, 0)
        .device("gone", TarArchiveEntry.LF_CHR, 0, 0).tar();
    List<String> warnings = new ArrayList<>();
    LayerUnpacker.builder().rootless(false).listener(new UnpackListener() {
      @Override
      public void warning(String layer, String entry, String message) {
        warnings.add(entry + ": " + message);
      }
    }).build().unpack(new ByteArrayInputStream(l), root, "dev-layer");
    List<String> nodes = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int type = mode & 0170000;
        if (type == 0020000 || type == 0060000) {
          long rdev = (Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
          nodes.add(root.relativize(p) + " " + (type == 0020000 ? "c" : "b") + " " + rdev);
        }
      }
    }
    assertThat(nodes).as("device nodes in the unpacked layer").containsExactly("gone c 0");
    assertThat(warnings).containsExactlyInAnyOrder(
        "dev/kvm: char device 10:232 is not created: image layers never give access to host devices, skipped",
        "dev/mem: char device 1:1 is not created: image layers never give access to host devices, skipped",
        "dev/vcs: char device 7:0 is not created: image layers never give access to host devices, skipped",
        "dev/vda: block device 254:0 is not created: image layers never give access to host devices, skipped");
    assertThatThrownBy(() -> LayerUnpacker.builder().rootless(false).failOnDevices(true).build()
        .unpack(new ByteArrayInputStream(l), Files.createDirectories(tmp.resolve("a/b/root/again")), "dev-layer"))
        .isInstanceOf(UnpackException.class).hasMessageContaining("'dev/kvm'")
        .hasMessageContaining("char device 10:232 is not created");
  }

  @Test
  void truncatedGzipFails() throws IOException {
    byte[] gz = new OciBuilder.Layer().file("big", "x".repeat(100_000)).gzip();
    byte[] cut = Arrays.copyOf(gz, gz.length / 2);
    assertThatThrownBy(() -> unpack(cut)).isInstanceOf(IOException.class)
        .hasMessageContaining("end of ZLIB input stream");
  }

  @Test
  void digestMismatchNamesTheBlobAndLeavesNoLayer() throws IOException {
    byte[] good = new OciBuilder.Layer().file("f", "content").gzip();
    ImageReference ref = OciBuilder.write(tmp.resolve("a/b/root/img"), "t", List.of(good));
    String hex = dev.containerj.layers.internal.VerifyingInputStream.sha256Hex(good);
    Path blob = tmp.resolve("a/b/root/img/blobs/sha256").resolve(hex);
    byte[] evil = new OciBuilder.Layer().file("f", "CONTENT").gzip();
    Files.write(blob, Arrays.copyOf(evil, good.length)); // same size, other content
    LayerStore store = new LayerStore(tmp.resolve("a/b/root/store"), true);
    assertThatThrownBy(() -> store.importImage(ref)).isInstanceOf(BlobVerificationException.class)
        .hasMessageContaining("sha256:" + hex);
    assertThat(store.hasLayer("sha256:" + hex)).isFalse();
    assertThat(tmp.resolve("a/b/root/store/tmp")).isEmptyDirectory();
    assertThat(store.images()).isEmpty();

    // A corrupt blob that breaks gzip or tar parsing half-way is still reported as a digest mismatch.
    for (int cut = 20; cut < good.length; cut += 7) {
      byte[] broken = good.clone();
      broken[cut] ^= 0x5a;
      Files.write(blob, broken);
      assertThatThrownBy(() -> store.importImage(ref)).isInstanceOf(BlobVerificationException.class)
          .hasMessageContaining("sha256:" + hex);
    }

    Files.write(blob, Arrays.copyOf(good, good.length + 10)); // right prefix, too long
    assertThatThrownBy(() -> store.importImage(ref)).isInstanceOf(BlobVerificationException.class)
        .hasMessageContaining("sha256:" + hex).hasMessageContaining("size");
    assertThat(tmp.resolve("a/b/root/store/tmp")).isEmptyDirectory();
  }

  @Test
  void crashDuringUnpackLeavesNoHalfLayer() throws IOException {
    OciBuilder.Layer big = new OciBuilder.Layer();
    for (int i = 0; i < 20; i++) {
      big.file("f" + i, "entry " + i);
    }
    byte[] layer = big.gzip();
    ImageReference ref = OciBuilder.write(tmp.resolve("a/b/root/img"), "t", List.of(layer));
    LayerStore store = new LayerStore(tmp.resolve("a/b/root/store"), true);
    UnpackListener crash = new UnpackListener() {
      @Override
      public void progress(String l, long bytes, long entries) {
        if (entries == 10) {
          throw new IllegalStateException("simulated crash mid-stream");
        }
      }
    };
    assertThatThrownBy(() -> store.importImage(ref, Platform.current(), crash))
        .hasMessageContaining("simulated crash");
    String digest = "sha256:" + dev.containerj.layers.internal.VerifyingInputStream.sha256Hex(layer);
    assertThat(store.hasLayer(digest)).isFalse();
    assertThat(tmp.resolve("a/b/root/store/tmp")).isEmptyDirectory();
    assertThat(tmp.resolve("a/b/root/store/layers")).isEmptyDirectory();

    Image img = store.importImage(ref);
    assertThat(store.layerDirectory(img.layers().get(0)).resolve("f19")).hasContent("entry 19");
  }

  /** Rewrites a ustar name field (and checksum) in a tar. */
  static byte[] patchName(byte[] tar, String from, String to) {
    byte[] out = tar.clone();
    for (int off = 0; off + 512 <= out.length; off += 512) {
      String name = new String(out, off, 100, java.nio.charset.StandardCharsets.UTF_8).replace("\0", "");
      if (name.equals(from)) {
        byte[] n = to.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Arrays.fill(out, off, off + 100, (byte) 0);
        System.arraycopy(n, 0, out, off, n.length);
        Arrays.fill(out, off + 148, off + 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
          sum += out[off + i] & 0xff;
        }
        byte[] cs = String.format("%06o\0 ", sum).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(cs, 0, out, off + 148, 8);
        return out;
      }
    }
    throw new IllegalArgumentException("no entry " + from);
  }
}
