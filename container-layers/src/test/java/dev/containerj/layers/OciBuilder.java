package dev.containerj.layers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.layers.internal.VerifyingInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Writes small OCI image layouts in tests, with layers built by commons-compress. */
final class OciBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A layer tar under construction. */
  static final class Layer {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    Layer() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    Layer dir(String name, int mode) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
      e.setMode(040000 | mode);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    Layer file(String name, String content) throws IOException {
      TestImage.file(tar, name, content, 0644);
      return this;
    }

    Layer symlink(String name, String target) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
      e.setLinkName(target);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    Layer hardlink(String name, String target) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
      e.setLinkName(target);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    Layer device(String name, byte type, int major, int minor) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, type);
      e.setDevMajor(major);
      e.setDevMinor(minor);
      e.setMode(0666);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    byte[] tar() throws IOException {
      tar.finish();
      return bytes.toByteArray();
    }

    byte[] gzip() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(tar());
      }
      return out.toByteArray();
    }
  }

  /** Writes an OCI layout at {@code dir} with one image tagged {@code tag}; layers lowest first. */
  static ImageReference write(Path dir, String tag, List<byte[]> layers) throws IOException {
    ObjectNode d = manifest(dir, layers, "/bin/sh");
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.putArray("manifests").add(d);
    d.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    return ImageReference.parse("oci:" + dir + ":" + tag);
  }

  /** Writes the blobs of one image and returns its manifest descriptor (not yet in index.json). */
  static ObjectNode manifest(Path dir, List<byte[]> layers, String cmd) throws IOException {
    Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    ArrayNode layerDescs = JSON.createArrayNode();
    List<String> diffIds = new ArrayList<>();
    for (byte[] l : layers) {
      String hex = blob(blobs, l);
      boolean gz = l.length > 2 && (l[0] & 0xff) == 0x1f && (l[1] & 0xff) == 0x8b;
      layerDescs.addObject()
          .put("mediaType", "application/vnd.oci.image.layer.v1.tar" + (gz ? "+gzip" : ""))
          .put("digest", "sha256:" + hex).put("size", l.length);
      // the uncompressed tar's digest, as the image spec says (ContainerJ does not check it; umoci does)
      diffIds.add("sha256:" + (gz ? VerifyingInputStream.sha256Hex(
          new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(l)).readAllBytes()) : hex));
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", Platform.current().architecture()).put("os", "linux");
    config.putObject("config").putArray("Cmd").add(cmd);
    ArrayNode ids = config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
    diffIds.forEach(ids::add);
    byte[] cfg = JSON.writeValueAsBytes(config);
    String cfgHex = blob(blobs, cfg);
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", "sha256:" + cfgHex).put("size", cfg.length);
    manifest.set("layers", layerDescs);
    byte[] m = JSON.writeValueAsBytes(manifest);
    String mHex = blob(blobs, m);
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", "application/vnd.oci.image.manifest.v1+json").put("digest", "sha256:" + mHex)
        .put("size", m.length);
    return d;
  }

  /** Stores a JSON document as a blob and returns its descriptor. */
  static ObjectNode jsonBlob(Path dir, String mediaType, ObjectNode doc) throws IOException {
    byte[] b = JSON.writeValueAsBytes(doc);
    String hex = blob(Files.createDirectories(dir.resolve("blobs/sha256")), b);
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType).put("digest", "sha256:" + hex).put("size", b.length);
    return d;
  }

  static ObjectMapper json() {
    return JSON;
  }

  static String blob(Path blobs, byte[] data) throws IOException {
    String hex = VerifyingInputStream.sha256Hex(data);
    Files.write(blobs.resolve(hex), data);
    return hex;
  }
}
