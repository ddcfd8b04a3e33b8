package dev.containerj.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.core.Container;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.SpecValidationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile bundle: its {@code rootfs} is a symbolic link to the host's {@code /}, writable, with no
 * user namespace (runc's default config has none). The reader refuses it by {@code root.path}; with
 * that check off, the container's root is the host's and its root writes the host's files.
 */
@Tag("kernel")
@Timeout(120)
class BundleEscapeTest {
  @TempDir Path bundle;

  @Test
  void aRootPathLeadingToTheHostRootIsRefused() throws Exception {
    Files.createSymbolicLink(bundle.resolve("rootfs"), Path.of("/"));
    Path marker = Path.of("/tmp", "containerj-oci-escape-" + UUID.randomUUID());
    ObjectMapper json = new ObjectMapper();
    ObjectNode c = (ObjectNode) json.readTree(OciConfigWriter.defaultConfig());
    c.with("process").put("terminal", false).putArray("args").add("/bin/sh").add("-c").add("echo escaped > " + marker);
    c.with("root").put("readonly", false);
    Files.writeString(bundle.resolve("config.json"), c.toString());

    SpecValidationException e = catchThrowableOfType(() -> OciConfigReader.read(bundle), SpecValidationException.class);
    assertThat(e).isNotNull();
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field).containsExactly("root.path");

    // Protection off: the same bundle is read, and its container writes on the host.
    OciConfigReader.hostRootAllowedForTests = true;
    try {
      OciConfig config = OciConfigReader.read(bundle);
      ContainerRuntime runtime = ContainerRuntime.builder().stateDirectory(bundle.resolve("state")).build();
      try (Container container = runtime.start(config.container())) {
        assertThat(container.waitFor().code()).isZero();
      }
      assertThat(marker).as("with the check off the container wrote the host's /tmp").hasContent("escaped");
    } finally {
      OciConfigReader.hostRootAllowedForTests = false;
      Files.deleteIfExists(marker);
    }
  }
}
