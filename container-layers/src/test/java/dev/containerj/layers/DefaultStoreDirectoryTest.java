package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the default layer store lives, for root and for an ordinary user (XDG base directories). */
class DefaultStoreDirectoryTest {
  private static Path dir(int euid, Map<String, String> env, String userHome) {
    return LayerStore.defaultDirectory(euid, env::get, userHome);
  }

  @Test
  void rootUsesVarLib() {
    assertThat(dir(0, Map.of("XDG_DATA_HOME", "/x", "HOME", "/root"), "/root")).isEqualTo(Path.of("/var/lib/containerj"));
  }

  @Test
  void anOrdinaryUserUsesXdgDataHomeFirst() {
    assertThat(dir(1000, Map.of("XDG_DATA_HOME", "/data", "HOME", "/home/u"), "/home/u"))
        .isEqualTo(Path.of("/data/containerj"));
  }

  @Test
  void withoutXdgDataHomeTheEnvironmentsHomeWinsOverThePasswordDatabase() {
    // nobody's home in /etc/passwd is /nonexistent (the JVM's user.home); CI gives it a HOME.
    assertThat(dir(65534, Map.of("HOME", "/tmp/ci-home"), "/nonexistent"))
        .isEqualTo(Path.of("/tmp/ci-home/.local/share/containerj"));
    assertThat(dir(65534, Map.of("XDG_DATA_HOME", "relative/ignored", "HOME", "/tmp/ci-home"), "/nonexistent"))
        .isEqualTo(Path.of("/tmp/ci-home/.local/share/containerj"));
  }

  @Test
  void withNeitherTheJvmsUserHomeIsTheLastResort() {
    assertThat(dir(1000, Map.of(), "/home/u")).isEqualTo(Path.of("/home/u/.local/share/containerj"));
    assertThat(dir(1000, Map.of("HOME", ""), "/home/u")).isEqualTo(Path.of("/home/u/.local/share/containerj"));
  }
}
