package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import dev.containerj.layers.internal.DirFds;
import dev.containerj.linux.internal.Fd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel-side guard under the unpacker: a directory is opened below the root without following
 * any symlink, by openat2 (RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS) and by the O_NOFOLLOW walk fallback.
 */
@Tag("rootless")
@Tag("kernel")
class DirFdsTest {
  @TempDir Path tmp;

  @Test
  void symlinkComponentsAreRefusedByBothResolvers() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root/a/b"));
    root = tmp.resolve("root");
    Files.createSymbolicLink(root.resolve("link"), tmp);
    Files.createSymbolicLink(root.resolve("a/inner"), Path.of("b"));
    try (Fd r = DirFds.openRoot(root.toString())) {
      try (Fd ok = DirFds.open(r, "a/b"); Fd ok2 = DirFds.openByWalk(r, "a/b")) {
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + ok.get()))).isEqualTo(root.resolve("a/b"));
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + ok2.get()))).isEqualTo(root.resolve("a/b"));
      }
      for (String rel : new String[] {"link", "a/inner"}) {
        assertThatThrownBy(() -> DirFds.open(r, rel).close()).isInstanceOf(LastErrorException.class);
        assertThatThrownBy(() -> DirFds.openByWalk(r, rel).close()).isInstanceOf(LastErrorException.class);
      }
    }
    // Whether openat2 exists is decided by the kernel's version (openat2(2): Linux 5.6), not by the
    // library's own probe, which must agree.
    String[] v = System.getProperty("os.version").split("[.-]");
    boolean since56 = Integer.parseInt(v[0]) > 5 || (Integer.parseInt(v[0]) == 5 && Integer.parseInt(v[1]) >= 6);
    assertThat(DirFds.openat2()).as("DirFds.openat2() on Linux %s", System.getProperty("os.version")).isEqualTo(since56);
    if (!since56) {
      org.junit.jupiter.api.Assumptions.abort("openat2(2) is missing (Linux < 5.6): only the O_NOFOLLOW walk was tested");
    }
  }
}
