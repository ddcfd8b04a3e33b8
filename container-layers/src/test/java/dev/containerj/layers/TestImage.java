package dev.containerj.layers;

import dev.containerj.layers.internal.StatLibC;
import dev.containerj.layers.internal.UnistdLibC;
import dev.containerj.layers.internal.XattrLibC;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds the test image with umoci from a busybox-static root (needs root: umoci keeps owners):
 * layer 1 a small root with symlinks, hard links, a setuid file, a fifo, an xattr and foreign
 * owners; layer 2 deletes a file and changes one; layer 3 (a hand-made tar) makes a directory
 * opaque; layer 4 (GNU tar) holds a sparse file. {@code ref/rootfs} is umoci's own unpack.
 */
final class TestImage {
  final Path work;
  final Path layout;
  final Path reference;

  private TestImage(Path work) {
    this.work = work;
    this.layout = work.resolve("img");
    this.reference = work.resolve("ref").resolve("rootfs");
  }

  static TestImage build(Path work) throws Exception {
    String umoci = Tools.require("umoci", "umoci");
    Tools.require("busybox", "busybox-static");
    TestImage t = new TestImage(work);
    String img = t.layout + ":t";
    Tools.run(work, umoci, "init", "--layout", t.layout.toString());
    Tools.run(work, umoci, "new", "--image", img);

    Tools.run(work, umoci, "unpack", "--image", img, "b1");
    Path r = work.resolve("b1/rootfs");
    Files.createDirectories(r.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), r.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.createSymbolicLink(r.resolve("bin/sh"), Path.of("busybox"));
    Files.createSymbolicLink(r.resolve("bin/ls"), Path.of("/bin/busybox"));
    Files.createDirectories(r.resolve("etc"));
    Files.writeString(r.resolve("etc/hello.txt"), "hello v1\n");
    XattrLibC.lsetxattr(r.resolve("etc/hello.txt").toString(), "user.test", bytes("hello-xattr"), 11, 0);
    Files.writeString(r.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
    Files.createDirectories(r.resolve("del"));
    Files.writeString(r.resolve("del/gone.txt"), "deleted in layer 2\n");
    Files.writeString(r.resolve("del/stays.txt"), "stays\n");
    Files.createDirectories(r.resolve("opq/sub"));
    Files.writeString(r.resolve("opq/lower1.txt"), "hidden by the opaque dir\n");
    Files.writeString(r.resolve("opq/sub/lower2.txt"), "hidden too\n");
    Files.createDirectories(r.resolve("hl"));
    Files.writeString(r.resolve("hl/a"), "hard linked\n");
    Files.createLink(r.resolve("hl/b"), r.resolve("hl/a"));
    Files.createDirectories(r.resolve("usr/bin"));
    Files.writeString(r.resolve("usr/bin/suid"), "#!/bin/sh\n");
    StatLibC.chmod(r.resolve("usr/bin/suid").toString(), 04755);
    Files.createDirectories(r.resolve("shared"));
    StatLibC.chmod(r.resolve("shared").toString(), 02775);
    Files.createDirectories(r.resolve("tmp"));
    StatLibC.chmod(r.resolve("tmp").toString(), 01777);
    Files.createDirectories(r.resolve("run"));
    StatLibC.mknod(r.resolve("run/fifo").toString(), StatLibC.S_IFIFO | 0640, 0);
    Files.createDirectories(r.resolve("home/user"));
    Files.writeString(r.resolve("home/user/file"), "owned by 1000\n");
    UnistdLibC.lchown(r.resolve("home/user/file").toString(), 1000, 1000);
    UnistdLibC.lchown(r.resolve("home/user").toString(), 1000, 1000);
    Tools.run(work, umoci, "repack", "--image", img, "b1");

    Tools.run(work, umoci, "unpack", "--image", img, "b2");
    Path r2 = work.resolve("b2/rootfs");
    Files.delete(r2.resolve("del/gone.txt"));
    Files.writeString(r2.resolve("etc/hello.txt"), "hello v2\n");
    Files.writeString(r2.resolve("etc/new.txt"), "new in layer 2\n");
    Tools.run(work, umoci, "repack", "--image", img, "b2");

    Path l3 = work.resolve("layer3.tar");
    try (OutputStream o = Files.newOutputStream(l3); TarArchiveOutputStream tar = new TarArchiveOutputStream(o)) {
      dir(tar, "opq/", 0755);
      file(tar, "opq/.wh..wh..opq", "", 0644);
      file(tar, "opq/new.txt", "the only entry left in opq\n", 0644);
    }
    Tools.run(work, umoci, "raw", "add-layer", "--image", img, l3.toString());

    Path sp = work.resolve("sparse-src");
    Files.createDirectories(sp.resolve("data"));
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(sp.resolve("data/sparse.img").toFile(), "rw")) {
      f.setLength(8L << 20);
      f.seek(4L << 20);
      f.write(bytes("data in the middle"));
    }
    Path l4 = work.resolve("layer4.tar");
    Tools.run(work, "tar", "--sparse", "--format=pax", "--owner=0", "--group=0", "-cf", l4.toString(),
        "-C", sp.toString(), "data");
    Tools.run(work, umoci, "raw", "add-layer", "--image", img, l4.toString());

    Tools.run(work, umoci, "config", "--image", img, "--config.entrypoint", "/bin/sh",
        "--config.cmd", "-c", "--config.cmd", "echo hi", "--config.env", "FOO=bar",
        "--config.workingdir", "/data", "--config.user", "1000:1000");
    Tools.run(work, umoci, "unpack", "--image", img, "ref");
    return t;
  }

  ImageReference ref() {
    return ImageReference.parse("oci:" + layout + ":t");
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void dir(TarArchiveOutputStream tar, String name, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040000 | mode);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  static void file(TarArchiveOutputStream tar, String name, String content, int mode) throws IOException {
    byte[] b = bytes(content);
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100000 | mode);
    e.setSize(b.length);
    tar.putArchiveEntry(e);
    tar.write(b);
    tar.closeArchiveEntry();
  }
}
