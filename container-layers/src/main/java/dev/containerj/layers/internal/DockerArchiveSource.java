package dev.containerj.layers.internal;

import org.jspecify.annotations.Nullable;
import com.fasterxml.jackson.databind.JsonNode;
import dev.containerj.layers.BlobVerificationException;
import dev.containerj.layers.Descriptor;
import dev.containerj.layers.ImageConfig;
import dev.containerj.layers.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A {@code docker save} / {@code skopeo copy docker-archive:} tar: {@code manifest.json} lists, per
 * image, its config file and its layer files. The config's name is its sha256; a layer is checked
 * against its {@code blobs/sha256/HEX} name or else against the config's {@code rootfs.diff_ids}.
 */
final class DockerArchiveSource implements ImageSource {
  private static final long METADATA_LIMIT = 8L << 20;

  private final TarFile tar;
  private final Map<String, TarArchiveEntry> entries = new HashMap<>();
  private final String id;
  private final ImageConfig config;
  private final List<Descriptor> layers;
  private final List<String> layerFiles;

  DockerArchiveSource(ImageReference ref) throws IOException {
    this.tar = new TarFile(ref.path());
    try {
      for (TarArchiveEntry e : tar.getEntries()) {
        entries.put(clean(e.getName()), e);
      }
      JsonNode manifests = json(entry("manifest.json"), "manifest.json", null, METADATA_LIMIT);
      JsonNode chosen = null;
      List<String> tags = new ArrayList<>();
      for (JsonNode m : manifests) {
        for (String t : ImageSource.strings(m.path("RepoTags"))) {
          tags.add(t);
          if (ref.tag() != null && (t.equals(ref.tag()) || t.endsWith("/" + ref.tag()))) {
            chosen = m;
          }
        }
      }
      if (ref.tag() == null && manifests.size() == 1) {
        chosen = manifests.get(0);
      }
      if (chosen == null) {
        throw new NoSuchFileException(ref.path().toString(), null, ref.tag() == null
            ? "docker archive " + ref.path() + " holds " + manifests.size() + " images; name one (tags: " + tags + ")"
            : "no image tagged '" + ref.tag() + "' in docker archive " + ref.path() + " (tags: " + tags + ")");
      }
      String configName = clean(chosen.path("Config").asText(""));
      String configHex = hexOfName(configName);
      if (configHex == null) {
        throw new BlobVerificationException(configName, "config file name is not a sha256 digest");
      }
      JsonNode configJson = json(entry(configName), configName, configHex, METADATA_LIMIT);
      this.id = "sha256:" + configHex;
      this.config = ImageSource.parseConfig(configJson);
      List<String> diffIds = ImageSource.strings(configJson.path("rootfs").path("diff_ids"));
      List<String> files = ImageSource.strings(chosen.path("Layers"));
      if (diffIds.size() != files.size()) {
        throw new BlobVerificationException(configName, "lists " + diffIds.size()
            + " diff_ids but manifest.json names " + files.size() + " layers");
      }
      List<Descriptor> ds = new ArrayList<>();
      List<String> fs = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        String f = clean(files.get(i));
        TarArchiveEntry e = entry(f);
        String hex = hexOfName(f);
        if (hex == null || !f.startsWith("blobs/sha256/")) {
          hex = diffIds.get(i).replaceFirst("^sha256:", "");
        }
        ds.add(new Descriptor("application/vnd.docker.image.rootfs.diff.tar", "sha256:" + hex, e.getSize()));
        fs.add(f);
      }
      this.layers = List.copyOf(ds);
      this.layerFiles = List.copyOf(fs);
    } catch (IOException | RuntimeException e) {
      tar.close();
      throw e;
    }
  }

  private static String clean(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  /** {@code abc...64.json}, {@code blobs/sha256/abc...}, {@code abc.../layer.tar}: the hex digest in a name. */
  private static @Nullable String hexOfName(String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9a-f]{64})").matcher(name);
    return m.find() ? m.group(1) : null;
  }

  private TarArchiveEntry entry(String name) throws IOException {
    TarArchiveEntry e = entries.get(name);
    if (e == null) {
      throw new NoSuchFileException(name, null, "docker archive has no file " + name);
    }
    return e;
  }

  private JsonNode json(TarArchiveEntry e, String name, @Nullable String hex, long limit) throws IOException {
    try (InputStream in = tar.getInputStream(e)) {
      if (hex == null) {
        if (e.getSize() > limit) {
          throw new BlobVerificationException(name, "is larger than the limit " + limit + " for metadata");
        }
        return ImageSource.JSON.readTree(in.readNBytes((int) e.getSize()));
      }
      return ImageSource.readVerifiedJson(in, name, hex, e.getSize(), limit);
    }
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public List<Descriptor> layers() {
    return layers;
  }

  @Override
  public ImageConfig config() {
    return config;
  }

  @Override
  public VerifyingInputStream openLayer(int index) throws IOException {
    Descriptor d = layers.get(index);
    String f = layerFiles.get(index);
    return new VerifyingInputStream(tar.getInputStream(entry(f)), f + " (" + d.digest() + ")", d.hex(), d.size());
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }
}
