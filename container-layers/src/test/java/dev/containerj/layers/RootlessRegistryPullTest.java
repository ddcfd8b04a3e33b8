package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull as an ordinary user (the rootless lane runs this as {@code nobody}): registry, skopeo and
 * store all the user's own; the layers carry {@code user.overlay.*} and the user's ownership.
 */
@Tag("rootless")
class RootlessRegistryPullTest {
  @TempDir Path tmp;

  @Test
  void pullIntoARootlessStore() throws Exception {
    try (RegistryServer r = RegistryServer.start(tmp.resolve("registry"))) {
      r.push(RegistryImages.layout(tmp.resolve("img"), "1", RegistryImages.busybox(41, 1)), "test/busybox:1");
      Path conf = Files.writeString(tmp.resolve("r.conf"), "[[registry]]\nlocation = \"" + r.host() + "\"\ninsecure = true\n");
      LayerStore store = new LayerStore(tmp.resolve("store"), true);
      Image image = store.pull(RegistryReference.parse(r.host() + "/test/busybox:1"),
          PullOptions.builder().registriesConf(conf).authFile(tmp.resolve("none.json")).build());
      Path busybox = store.layerDirectory(image.layers().get(0)).resolve("bin/busybox");
      assertThat(busybox).isExecutable();
      assertThat(Files.getAttribute(busybox, "unix:uid")).isEqualTo(LibC.geteuid());
      assertThat(Files.readString(store.layerDirectory(image.layers().get(1)).resolve("etc/hello.txt")))
          .isEqualTo("hello from the registry\n");
      assertThat(store.images()).extracting(Image::id).containsExactly(image.id());
    }
  }
}
