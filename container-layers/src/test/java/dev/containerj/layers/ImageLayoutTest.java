package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI layout reading: tags, nested and multi-arch indexes, metadata verification. */
@Tag("rootless")
class ImageLayoutTest {
  @TempDir Path tmp;

  /** index.json -> (tag "multi") nested index -> multi-arch index -> amd64 / arm64 manifests. */
  private ImageReference multiArch(Path dir) throws Exception {
    ObjectNode amd = OciBuilder.manifest(dir, List.of(new OciBuilder.Layer().file("arch", "amd64").gzip()), "amd64");
    amd.putObject("platform").put("os", "linux").put("architecture", "amd64");
    ObjectNode arm = OciBuilder.manifest(dir, List.of(new OciBuilder.Layer().file("arch", "arm64").gzip()), "arm64");
    arm.putObject("platform").put("os", "linux").put("architecture", "arm64").put("variant", "v8");
    ObjectNode inner = OciBuilder.json().createObjectNode().put("schemaVersion", 2);
    inner.putArray("manifests").add(amd).add(arm);
    ObjectNode innerDesc = OciBuilder.jsonBlob(dir, "application/vnd.oci.image.index.v1+json", inner);
    ObjectNode outer = OciBuilder.json().createObjectNode().put("schemaVersion", 2);
    outer.putArray("manifests").add(innerDesc);
    ObjectNode outerDesc = OciBuilder.jsonBlob(dir, "application/vnd.oci.image.index.v1+json", outer);
    outerDesc.putObject("annotations").put("org.opencontainers.image.ref.name", "multi");
    ObjectNode index = OciBuilder.json().createObjectNode().put("schemaVersion", 2);
    index.putArray("manifests").add(outerDesc);
    Files.write(dir.resolve("index.json"), OciBuilder.json().writeValueAsBytes(index));
    return ImageReference.parse("oci:" + dir + ":multi");
  }

  @Test
  void platformIsPickedFromNestedMultiArchIndex() throws Exception {
    ImageReference ref = multiArch(tmp.resolve("img"));
    for (String arch : List.of("amd64", "arm64")) {
      Path out = Files.createDirectory(tmp.resolve(arch));
      ImageConfig c = LayerUnpacker.builder().rootless(true).build()
          .unpackImage(ref, new Platform("linux", arch, null), out);
      assertThat(out.resolve("arch")).hasContent(arch);
      assertThat(c.cmd()).containsExactly(arch);
    }
    assertThatThrownBy(() -> LayerUnpacker.builder().build()
        .unpackImage(ref, new Platform("linux", "riscv64", null), tmp))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("no manifest for platform linux/riscv64")
        .hasMessageContaining("linux/amd64").hasMessageContaining("linux/arm64/v8");
  }

  @Test
  void unknownTagListsTheTags() throws Exception {
    ImageReference ref = OciBuilder.write(tmp.resolve("img"), "one", List.of(new OciBuilder.Layer().file("f", "x").tar()));
    assertThatThrownBy(() -> new LayerStore(tmp.resolve("store")).importImage(
        new ImageReference(ref.transport(), ref.path(), "two")))
        .hasMessageContaining("no image tagged 'two'").hasMessageContaining("[one]");
    // Without a tag, the only image is taken.
    Image img = new LayerStore(tmp.resolve("store")).importImage(new ImageReference(ref.transport(), ref.path(), null));
    assertThat(img.layers()).hasSize(1);
  }

  @Test
  void tamperedManifestIsRejectedNamingIt() throws Exception {
    Path dir = tmp.resolve("img");
    OciBuilder.write(dir, "t", List.of(new OciBuilder.Layer().file("f", "x").tar()));
    String index = Files.readString(dir.resolve("index.json"));
    String digest = index.replaceAll("(?s).*\"digest\":\"(sha256:[0-9a-f]{64})\".*", "$1");
    Path manifest = dir.resolve("blobs/sha256").resolve(digest.substring(7));
    Files.writeString(manifest, Files.readString(manifest).replace("\"schemaVersion\":2", "\"schemaVersion\":3"));
    assertThatThrownBy(() -> new LayerStore(tmp.resolve("store")).importImage(ImageReference.parse("oci:" + dir + ":t")))
        .isInstanceOf(BlobVerificationException.class).hasMessageContaining(digest);
  }
}
