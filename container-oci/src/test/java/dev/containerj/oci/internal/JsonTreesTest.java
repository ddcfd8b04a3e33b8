package dev.containerj.oci.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonTrees} gives the trees and the text that Jackson's {@code ObjectMapper} gives, on the
 * default configs of runc, crun, containerd and Podman (the reader's inputs) and on the edge cases
 * the reader meets: big numbers (RLIM_INFINITY), fractions, nulls, repeated keys, empty text.
 */
class JsonTreesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path CONFIGS = Path.of("src/test/resources/dev/containerj/oci");

  @Test
  void readsAndWritesWhatTheMapperDoes() throws Exception {
    for (String name : List.of("runc-1.1.5-spec.json", "crun-1.8.1-spec.json", "containerd-1.6.20-spec.json",
        "podman-4.3.1-config.json")) {
      String text = Files.readString(CONFIGS.resolve(name));
      JsonNode mine = JsonTrees.read(text);
      assertThat(mine).as(name).isEqualTo(MAPPER.readTree(text));
      assertThat(JsonTrees.write(mine)).as(name).isEqualTo(MAPPER.readTree(text).toString());
      assertThat(JsonTrees.pretty(mine)).as(name).isEqualTo(MAPPER.readTree(text).toPrettyString());
    }
    String edge = "{\"big\": 18446744073709551615, \"long\": 4294967296, \"int\": -3, \"frac\": 0.5,"
        + " \"none\": null, \"t\": true, \"f\": false, \"k\": 1, \"k\": 2, \"a\": [[], {}, \"s\\u00e9\"]}";
    assertThat(JsonTrees.read(edge)).isEqualTo(MAPPER.readTree(edge));
    assertThat(JsonTrees.read(edge).get("big").getClass()).isEqualTo(MAPPER.readTree(edge).get("big").getClass());
    assertThat(JsonTrees.write(JsonTrees.read(edge))).isEqualTo(MAPPER.readTree(edge).toString());
    assertThat(JsonTrees.read("  ")).isEqualTo(MAPPER.readTree("  "));
  }

  @Test
  void notJsonIsAParseErrorNamingWhere() {
    assertThatThrownBy(() -> JsonTrees.read("{\"a\": }")).isInstanceOf(JsonProcessingException.class)
        .hasMessageContaining("line: 1");
    assertThatThrownBy(() -> JsonTrees.readObject("[1]")).hasMessageContaining("not a JSON object but ARRAY");
  }
}
