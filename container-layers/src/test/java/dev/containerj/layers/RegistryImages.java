package dev.containerj.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Test images for the registry tests, as OCI layouts written without root (so the rootless lane can
 * build them too): busybox-static with {@code /bin/sh}, a file per further layer, and optionally
 * layers of random (incompressible) content.
 */
public final class RegistryImages {
  private RegistryImages() {}

  /** A gzip layer holding {@code files} (name, content), with the parent directories. */
  public static byte[] layer(long seed, Object... nameContent) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(raw)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      List<String> dirs = new ArrayList<>();
      for (int i = 0; i < nameContent.length; i += 2) {
        String name = (String) nameContent[i];
        for (int s = name.indexOf('/'); s > 0; s = name.indexOf('/', s + 1)) {
          String d = name.substring(0, s + 1);
          if (!dirs.contains(d)) {
            dirs.add(d);
            TarArchiveEntry e = new TarArchiveEntry(d);
            e.setMode(040755);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
          }
        }
        Object c = nameContent[i + 1];
        if (c instanceof String link && link.startsWith("->")) {
          TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
          e.setLinkName(link.substring(2));
          tar.putArchiveEntry(e);
          tar.closeArchiveEntry();
          continue;
        }
        byte[] b = c instanceof byte[] bytes ? bytes : ((String) c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100755);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
      }
      // a seed-dependent entry so that two images' layers differ when asked to
      TarArchiveEntry e = new TarArchiveEntry("etc/.seed-" + seed);
      e.setMode(0100644);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz, 1 << 16)) {
      raw.writeTo(g);
    }
    return gz.toByteArray();
  }

  public static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** busybox + sh, then a hello file, then (if randomMiB > 0) a layer of random data. */
  public static List<byte[]> busybox(long seed, int randomMiB) throws IOException {
    List<byte[]> layers = new ArrayList<>();
    layers.add(layer(seed, "bin/busybox", Files.readAllBytes(Path.of(Tools.require("busybox", "busybox-static"))),
        "bin/sh", "->busybox"));
    layers.add(layer(seed, "etc/hello.txt", "hello from the registry\n"));
    if (randomMiB > 0) {
      layers.add(layer(seed, "data/random.bin", random(seed, randomMiB << 20)));
    }
    return layers;
  }

  /** An OCI layout with one image tagged {@code tag}. */
  public static String layout(Path dir, String tag, List<byte[]> layers) throws IOException {
    Files.createDirectories(dir);
    return OciBuilder.write(dir, tag, layers).toString();
  }

  /** An OCI layout whose {@code tag} is an index with one manifest per {@code platforms} entry ("os/arch"). */
  static String index(Path dir, String tag, List<byte[]> layers, String... platforms) throws IOException {
    Files.createDirectories(dir);
    ObjectNode index = OciBuilder.json().createObjectNode();
    index.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
    var manifests = index.putArray("manifests");
    for (String p : platforms) {
      ObjectNode d = OciBuilder.manifest(dir, layers, "/bin/sh-" + p.replace('/', '-'));
      String[] oa = p.split("/");
      d.putObject("platform").put("os", oa[0]).put("architecture", oa[1]);
      manifests.add(d);
    }
    ObjectNode id = OciBuilder.jsonBlob(dir, "application/vnd.oci.image.index.v1+json", index);
    id.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    ObjectNode top = OciBuilder.json().createObjectNode();
    top.put("schemaVersion", 2);
    top.putArray("manifests").add(id);
    Files.write(dir.resolve("index.json"), OciBuilder.json().writeValueAsBytes(top));
    return "oci:" + dir + ":" + tag;
  }
}
