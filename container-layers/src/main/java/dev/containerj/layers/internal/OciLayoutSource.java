package dev.containerj.layers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.containerj.layers.Descriptor;
import dev.containerj.layers.ImageConfig;
import dev.containerj.layers.ImageReference;
import dev.containerj.layers.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An OCI image layout directory (image-spec image-layout.md): {@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/HEX}. Indexes may nest; a multi-arch index is resolved by platform.
 */
final class OciLayoutSource implements ImageSource {
  static final String REF_NAME = "org.opencontainers.image.ref.name";
  private static final long METADATA_LIMIT = 8L << 20;

  private final Path dir;
  private final String id;
  private final List<Descriptor> layers;
  private final ImageConfig config;

  OciLayoutSource(ImageReference ref, Platform platform) throws IOException {
    this.dir = ref.path();
    if (!Files.isRegularFile(dir.resolve("oci-layout"))) {
      throw new NoSuchFileException(dir.resolve("oci-layout").toString(), null,
          "not an OCI image layout: " + dir + " has no oci-layout file");
    }
    JsonNode index = ImageSource.JSON.readTree(dir.resolve("index.json").toFile());
    JsonNode chosen = pickByTag(index, ref.tag());
    JsonNode manifestDesc = resolveIndexes(chosen, platform, 0);
    Descriptor md = descriptor(manifestDesc);
    JsonNode manifest = readJson(md);
    this.id = md.digest();
    Descriptor configDesc = descriptor(manifest.path("config"));
    this.config = ImageSource.parseConfig(readJson(configDesc));
    List<Descriptor> ls = new ArrayList<>();
    for (JsonNode l : manifest.path("layers")) {
      ls.add(descriptor(l));
    }
    this.layers = List.copyOf(ls);
  }

  private JsonNode pickByTag(JsonNode index, @Nullable String tag) throws IOException {
    List<String> tags = new ArrayList<>();
    JsonNode only = null;
    int count = 0;
    for (JsonNode m : index.path("manifests")) {
      String name = m.path("annotations").path(REF_NAME).asText(null);
      if (name != null) {
        tags.add(name);
      }
      if (tag != null && tag.equals(name)) {
        return m;
      }
      only = m;
      count++;
    }
    if (tag == null && count == 1 && only != null) {
      return only;
    }
    throw new NoSuchFileException(dir.toString(), null, tag == null
        ? "OCI layout " + dir + " holds " + count + " images; name one with oci:" + dir + ":TAG (tags: " + tags + ")"
        : "no image tagged '" + tag + "' in OCI layout " + dir + " (tags: " + tags + ")");
  }

  private JsonNode resolveIndexes(JsonNode desc, Platform platform, int depth) throws IOException {
    String mt = desc.path("mediaType").asText("");
    if (!isIndex(mt)) {
      return desc;
    }
    if (depth > 8) {
      throw new IOException("OCI layout " + dir + ": indexes nested more than 8 deep at " + desc.path("digest").asText());
    }
    JsonNode index = readJson(descriptor(desc));
    List<String> seen = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      JsonNode p = m.path("platform");
      if (p.isMissingNode()) {
        if (isIndex(m.path("mediaType").asText(""))) {
          return resolveIndexes(m, platform, depth + 1);
        }
        continue;
      }
      Platform mp = new Platform(p.path("os").asText(""), p.path("architecture").asText(""),
          p.path("variant").asText(null));
      seen.add(mp.toString());
      if (platform.matches(mp)) {
        return resolveIndexes(m, platform, depth + 1);
      }
    }
    throw new NoSuchFileException(dir.toString(), null, "index " + desc.path("digest").asText()
        + " in " + dir + " has no manifest for platform " + platform + " (it has " + seen + ")");
  }

  static boolean isIndex(String mediaType) {
    return mediaType.equals("application/vnd.oci.image.index.v1+json")
        || mediaType.equals("application/vnd.docker.distribution.manifest.list.v2+json");
  }

  static Descriptor descriptor(JsonNode d) throws IOException {
    String digest = d.path("digest").asText("");
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IOException("unsupported or missing digest '" + digest + "' (only sha256 is supported)");
    }
    return new Descriptor(d.path("mediaType").asText(""), digest, d.path("size").asLong(-1));
  }

  private JsonNode readJson(Descriptor d) throws IOException {
    try (InputStream in = Files.newInputStream(blobPath(d))) {
      return ImageSource.readVerifiedJson(in, d.digest(), d.hex(), d.size(), METADATA_LIMIT);
    }
  }

  private Path blobPath(Descriptor d) {
    return dir.resolve("blobs").resolve("sha256").resolve(d.hex());
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
    return new VerifyingInputStream(Files.newInputStream(blobPath(d)), d.digest(), d.hex(), d.size());
  }

  @Override
  public void close() {}
}
