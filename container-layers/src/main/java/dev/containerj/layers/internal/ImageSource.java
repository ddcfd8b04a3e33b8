package dev.containerj.layers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.containerj.layers.BlobVerificationException;
import dev.containerj.layers.Descriptor;
import dev.containerj.layers.ImageConfig;
import dev.containerj.layers.ImageReference;
import dev.containerj.layers.Platform;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** An opened image: its resolved manifest and a way to read each layer blob, verified. */
public interface ImageSource extends Closeable {
  ObjectMapper JSON = new ObjectMapper();

  /** The image id (manifest digest; for docker-archive the config digest). */
  String id();

  /** Layer descriptors, lowest first. */
  List<Descriptor> layers();

  ImageConfig config();

  /** The raw layer blob, wrapped so that {@link VerifyingInputStream#verify()} checks it. */
  VerifyingInputStream openLayer(int index) throws IOException;

  /** Opens the image that {@code ref} names, picking {@code platform} from a multi-arch index. */
  static ImageSource open(ImageReference ref, Platform platform) throws IOException {
    switch (ref.transport()) {
      case OCI:
        return new OciLayoutSource(ref, platform);
      case DOCKER_ARCHIVE:
        return new DockerArchiveSource(ref);
      default:
        throw new IllegalArgumentException("unsupported transport: " + ref.transport());
    }
  }

  /** Reads a small JSON blob fully, checking digest and size. */
  static JsonNode readVerifiedJson(InputStream in, String blob, String hex, long size, long limit)
      throws IOException {
    if (size > limit) {
      throw new BlobVerificationException(blob, "declared size " + size + " exceeds the limit " + limit + " for metadata");
    }
    try (VerifyingInputStream v = new VerifyingInputStream(in, blob, hex, size < 0 ? -1 : size)) {
      byte[] data = v.readNBytes((int) limit + 1);
      if (data.length > limit) {
        throw new BlobVerificationException(blob, "is larger than the limit " + limit + " for metadata");
      }
      v.verify();
      try {
        return JSON.readTree(data);
      } catch (IOException e) {
        throw new BlobVerificationException(blob, "is not valid JSON: " + e.getMessage());
      }
    }
  }

  /** Parses the container defaults out of an image configuration JSON. */
  static ImageConfig parseConfig(JsonNode root) {
    JsonNode c = root.path("config");
    ImageConfig.Builder b = ImageConfig.builder();
    b.entrypoint(strings(c.path("Entrypoint")));
    b.cmd(strings(c.path("Cmd")));
    List<String> env = new ArrayList<>();
    for (String e : strings(c.path("Env"))) {
      if (e.indexOf('=') > 0) {
        env.add(e);
      }
    }
    b.env(env);
    b.workingDir(c.path("WorkingDir").asText(""));
    b.user(c.path("User").asText(""));
    Map<String, String> labels = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : c.path("Labels").properties()) {
      labels.put(e.getKey(), e.getValue().asText());
    }
    b.labels(labels);
    return b.build();
  }

  static List<String> strings(@Nullable JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null && array.isArray()) {
      for (JsonNode n : array) {
        out.add(n.asText());
      }
    }
    return out;
  }
}
