package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store is closed to other users: its layers hold setuid files and its containers' upper
 * directories what containers write (HostUserAccessTest in container-core runs them as nobody).
 */
@Tag("rootless")
class StoreModeTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aNewStoreAndItsLayerAndContainerDirectoriesAreClosed() throws Exception {
    Path dir = tmp.resolve("a/store");
    LayerStore store = new LayerStore(dir);
    assertThat(mode(dir)).isEqualTo("rwx------");
    ImageReference ref = OciBuilder.write(tmp.resolve("img"), "t",
        List.of(new OciBuilder.Layer().file("f", "x\n").tar()));
    Image image = store.importImage(ref);
    Path layer = store.layerDirectory(image.layers().get(0)).getParent();
    assertThat(mode(layer)).isEqualTo("rwx------");
    try (PreparedRoot root = store.prepareRoot(image, "c1", store.rootless())) {
      assertThat(mode(root.directory())).isEqualTo("rwx------");
    }
  }

  @Test
  void anOpenStoreOfAnOlderVersionIsClosedWhenOpened() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("store"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    new LayerStore(dir);
    assertThat(mode(dir)).isEqualTo("rwx------");
    // A mode without group or other bits is the owner's business and stays.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
    new LayerStore(dir);
    assertThat(mode(dir)).isEqualTo("r-x------");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void anOpenStoreOfSomeoneElseIsRefused() throws Exception {
    // Never as root: root could close the directory (the JDK's own).
    Assumptions.assumeTrue(LibC.geteuid() != 0, "root may change any directory's mode");
    Path jdk = Path.of(System.getProperty("java.home"));
    Assumptions.assumeTrue(Files.getOwner(jdk).getName().equals("root"), "the JDK belongs to root");
    String before = mode(jdk);
    assertThatThrownBy(() -> new LayerStore(jdk))
        .hasMessageStartingWith("layer store " + jdk + " is open to other users (mode " + before
            + ") and cannot be made rwx------");
    assertThat(mode(jdk)).isEqualTo(before);
    assertThat(jdk.resolve("layers")).doesNotExist();
  }
}
