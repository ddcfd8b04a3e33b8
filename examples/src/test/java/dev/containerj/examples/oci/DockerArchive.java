package dev.containerj.examples.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * A docker-archive ({@code docker save}'s format: {@code manifest.json}, the image config as
 * {@code <sha256>.json} and each layer as {@code <sha256>/layer.tar}) of a busybox-static image,
 * written offline: one layer with {@code /bin/busybox} and links to it for the tools the tests use.
 */
final class DockerArchive {
  private DockerArchive() {}

  /** Writes the archive of image {@code tag} (e.g. {@code localhost/busybox:cj}) to {@code file}. */
  static void write(Path busybox, String tag, List<String> tools, Path file) throws IOException {
    ByteArrayOutputStream layerBytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(layerBytes)) {
      TarArchiveEntry bin = new TarArchiveEntry("bin/");
      bin.setMode(040755);
      put(tar, bin, null);
      byte[] bb = Files.readAllBytes(busybox);
      TarArchiveEntry exe = new TarArchiveEntry("bin/busybox");
      exe.setMode(0100755);
      exe.setSize(bb.length);
      put(tar, exe, bb);
      for (String t : tools) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + t, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("busybox");
        link.setMode(0120777);
        put(tar, link, null);
      }
    }
    byte[] layer = layerBytes.toByteArray();
    String diffId = sha256(layer);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],"
        + "\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + diffId + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
    String configName = sha256(config) + ".json";
    byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[\""
        + diffId + "/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8);
    try (OutputStream os = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
      TarArchiveEntry d = new TarArchiveEntry(diffId + "/");
      d.setMode(040755);
      put(tar, d, null);
      put(tar, file(diffId + "/layer.tar", layer), layer);
      put(tar, file(configName, config), config);
      put(tar, file("manifest.json", manifest), manifest);
    }
  }

  private static TarArchiveEntry file(String name, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100644);
    e.setSize(content.length);
    return e;
  }

  private static void put(TarArchiveOutputStream tar, TarArchiveEntry e, byte @Nullable [] content) throws IOException {
    e.setIds(0, 0);
    e.setModTime(0);
    tar.putArchiveEntry(e);
    if (content != null) {
      tar.write(content);
    }
    tar.closeArchiveEntry();
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
