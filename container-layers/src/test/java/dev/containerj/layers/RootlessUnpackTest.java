package dev.containerj.layers;

import dev.containerj.linux.IdMapping;
import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Owners through id mappings, setuid bits and xattr namespaces, as the kernel shows them after unpacking. */
@Tag("rootless")
class RootlessUnpackTest {
  @TempDir Path tmp;

  private static byte[] layer() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      byte[] content = "x\n".getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry owned = new TarArchiveEntry("owned");
      owned.setIds(1000, 1000);
      owned.setMode(0104750);
      owned.setSize(content.length);
      owned.addPaxHeader("SCHILY.xattr.user.note", "hi");
      owned.addPaxHeader("SCHILY.xattr.trusted.secret", "no");
      tar.putArchiveEntry(owned);
      tar.write(content);
      tar.closeArchiveEntry();
      TarArchiveEntry root = new TarArchiveEntry("rootfile");
      root.setIds(0, 0);
      root.setMode(0100600);
      root.setSize(content.length);
      tar.putArchiveEntry(root);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  @Test
  void rootlessKeepsUnmappedOwnersAsTheCallerAndSkipsTrustedXattrs() throws Exception {
    List<String> warnings = new ArrayList<>();
    LayerUnpacker.builder().rootless(true).listener(new UnpackListener() {
      @Override
      public void warning(String layer, String entry, String message) {
        warnings.add(message);
      }
    }).build().unpack(new ByteArrayInputStream(layer()), tmp, "l");
    int me = LibC.geteuid();
    assertThat(Files.getAttribute(tmp.resolve("owned"), "unix:uid")).isEqualTo(me);
    assertThat(Files.getAttribute(tmp.resolve("rootfile"), "unix:uid")).isEqualTo(me);
    assertThat(Tools.describe(tmp.resolve("owned"))).contains("mode=4750").contains("user.note=hi")
        .doesNotContain("trusted.secret");
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("outside the id mapping"));
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("outside the user.* namespace were skipped"));
  }

  @Test
  void binaryXattrsFromGnuTarSurviveByteForByte() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/" + "d".repeat(120) + "/sub"));
    Path deep = Files.writeString(src.resolve("file-with-a-long-path"), "deep\n");
    Path shallow = Files.writeString(tmp.resolve("src/f"), "f\n");
    byte[] binary = {(byte) 0xff, 0, (byte) 0x80, 1, 2};
    for (Path p : List.of(deep, shallow)) {
      dev.containerj.layers.internal.XattrLibC.lsetxattr(p.toString(), "user.bin", binary, binary.length, 0);
    }
    Path tar = tmp.resolve("l.tar");
    Tools.run(tmp, "tar", "--xattrs", "--xattrs-include=*", "--format=pax", "-cf", tar.toString(), "-C",
        tmp.resolve("src").toString(), ".");
    Path out = Files.createDirectory(tmp.resolve("out"));
    try (var in = Files.newInputStream(tar)) {
      LayerUnpacker.builder().rootless(true).build().unpack(in, out, "l");
    }
    for (Path p : List.of(out.resolve("f"), out.resolve("d".repeat(120) + "/sub/file-with-a-long-path"))) {
      byte[] v = new byte[64];
      long n = dev.containerj.layers.internal.XattrLibC.lgetxattr(p.toString(), "user.bin", v, v.length);
      assertThat(java.util.Arrays.copyOf(v, (int) n)).as("user.bin of %s", p).isEqualTo(binary);
    }
  }

  /**
   * A new file takes the group of a setgid directory: a file of an upper layer flattened into such a
   * directory of a lower layer must still get its own group, even when that is the caller's.
   */
  @Test
  void flattenedFilesInASetgidDirectoryOfALowerLayerKeepTheirOwnGroup() throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "needs a directory group other than the caller's (root)");
    ByteArrayOutputStream lower = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(lower)) {
      TarArchiveEntry shared = new TarArchiveEntry("shared/");
      shared.setIds(0, 1000);
      shared.setMode(042775);
      tar.putArchiveEntry(shared);
      tar.closeArchiveEntry();
    }
    byte[] upper = new OciBuilder.Layer().file("shared/f", "mine\n").dir("shared/sub", 0755).tar();
    LayerUnpacker flatten = LayerUnpacker.builder().rootless(false)
        .whiteoutMode(LayerUnpacker.WhiteoutMode.FLATTEN).build();
    flatten.unpack(new ByteArrayInputStream(lower.toByteArray()), tmp, "lower");
    flatten.unpack(new ByteArrayInputStream(upper), tmp, "upper");
    assertThat(Tools.describe(tmp.resolve("shared"))).contains("mode=2775 owner=0:1000");
    assertThat(Tools.describe(tmp.resolve("shared/f"))).contains("mode=0644 owner=0:0");
    assertThat(Tools.describe(tmp.resolve("shared/sub"))).contains("mode=0755 owner=0:0");
  }

  /** A default ACL on the root decides new files' modes instead of the umask; the tar's modes still win. */
  @Test
  void aDefaultAclOnTheRootDoesNotChangeTheModes() throws Exception {
    Path out = Files.createDirectory(tmp.resolve("out"));
    // struct posix_acl_xattr_header (version 2) + entries {u16 tag, u16 perm, u32 id}, little endian:
    // user::rwx group::rwx other::---
    java.nio.ByteBuffer acl = java.nio.ByteBuffer.allocate(4 + 3 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    acl.putInt(2);
    acl.putShort((short) 0x01).putShort((short) 7).putInt(-1);
    acl.putShort((short) 0x04).putShort((short) 7).putInt(-1);
    acl.putShort((short) 0x20).putShort((short) 0).putInt(-1);
    // Whether the file system takes POSIX ACLs is probed with python3's os.setxattr, not with the
    // library's binding, whose failure is then a test failure.
    Process probe = new ProcessBuilder("python3", "-c", "import os, sys; os.setxattr(sys.argv[1], "
        + "'system.posix_acl_default', bytes.fromhex(sys.argv[2]))", out.toString(),
        java.util.HexFormat.of().formatHex(acl.array())).redirectErrorStream(true).start();
    String probeOut = new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    Assumptions.assumeTrue(probe.waitFor() == 0, "no POSIX ACLs on " + out + ": " + probeOut);
    dev.containerj.layers.internal.XattrLibC.lsetxattr(out.toString(), "system.posix_acl_default",
        acl.array(), acl.capacity(), 0);
    byte[] layer = new OciBuilder.Layer().file("f", "x\n").dir("d", 0755).file("d/g", "y\n").tar();
    LayerUnpacker.builder().build().unpack(new ByteArrayInputStream(layer), out, "l");
    assertThat(Tools.describe(out.resolve("f"))).contains("mode=0644");
    assertThat(Tools.describe(out.resolve("d"))).contains("mode=0755");
    assertThat(Tools.describe(out.resolve("d/g"))).contains("mode=0644");
  }

  @Test
  void rootShiftsOwnersThroughTheMapping() throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "shifting owners to other uids needs root (CAP_CHOWN)");
    LayerUnpacker.builder().rootless(false)
        .idMapping(List.of(new IdMapping(0, 100000, 65536))).build()
        .unpack(new ByteArrayInputStream(layer()), tmp, "l");
    assertThat(Tools.describe(tmp.resolve("owned"))).contains("owner=101000:101000").contains("mode=4750")
        .contains("user.note=hi");
    assertThat(Tools.describe(tmp.resolve("rootfile"))).contains("owner=100000:100000").contains("mode=0600");
    assertThat(Tools.xattrsRaw(tmp.resolve("owned"))).containsEntry("trusted.secret", "no");
  }
}
