package dev.containerj.examples.bench;

import dev.containerj.layers.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The benchmark's tiny OCI image, written without umoci or skopeo: one uncompressed tar layer with a
 * static busybox as {@code /bin/busybox} and {@code /bin/true} a symlink to it, the image config,
 * the manifest and {@code index.json}, every blob stored under its sha256 (OCI image layout 1.0).
 * The same busybox gives the same bytes and digests every time (fixed owners and times).
 */
public final class BusyboxImage {
  /** The tag in {@code index.json}. */
  public static final String TAG = "bench";

  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private BusyboxImage() {}

  /**
   * Writes the layout into {@code dir} (created if missing) and returns its reference in skopeo's
   * syntax, {@code oci:DIR:bench}.
   *
   * @param busybox a statically linked busybox (Debian's busybox-static: {@code /bin/busybox})
   */
  public static String write(Path busybox, Path dir) throws IOException {
    byte[] layer = layer(Files.readAllBytes(busybox));
    Path blobs = Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
    String layerDigest = blob(blobs, layer);
    // diff_ids: the digests of the uncompressed layers, which for an uncompressed layer is its blob's.
    byte[] config = ("{\"architecture\":\"" + Platform.current().architecture() + "\",\"os\":\"linux\","
        + "\"config\":{\"Cmd\":[\"/bin/true\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}").getBytes(StandardCharsets.UTF_8);
    String configDigest = blob(blobs, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length + "},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layerDigest
        + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    String manifestDigest = blob(blobs, manifest);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MANIFEST
        + "\",\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.length
        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + TAG + "\"}}]}");
    return "oci:" + dir.toAbsolutePath() + ":" + TAG;
  }

  /** {@code bin/}, {@code bin/busybox} (0755), {@code bin/true -> busybox}, owned by 0:0. */
  private static byte[] layer(byte[] busybox) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(busybox.length + 4096);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry bin = new TarArchiveEntry("bin/");
      bin.setMode(040755);
      add(tar, bin, null);
      TarArchiveEntry file = new TarArchiveEntry("bin/busybox");
      file.setMode(0100755);
      file.setSize(busybox.length);
      add(tar, file, busybox);
      TarArchiveEntry link = new TarArchiveEntry("bin/true", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("busybox");
      link.setMode(0120777); // as ln -s makes it (commons-compress would write 0644)
      add(tar, link, null);
    }
    return bytes.toByteArray();
  }

  private static void add(TarArchiveOutputStream tar, TarArchiveEntry e, byte @Nullable [] content) throws IOException {
    e.setIds(0, 0);
    e.setModTime(0);
    tar.putArchiveEntry(e);
    if (content != null) {
      tar.write(content);
    }
    tar.closeArchiveEntry();
  }

  /** Stores {@code data} as {@code blobs/sha256/HEX} and returns {@code sha256:HEX}. */
  private static String blob(Path blobs, byte[] data) throws IOException {
    String hex;
    try {
      hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    Files.write(blobs.resolve(hex), data);
    return "sha256:" + hex;
  }
}
