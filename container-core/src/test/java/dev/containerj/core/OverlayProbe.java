package dev.containerj.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The overlay probe the tests skip on, independent of the code under test: util-linux' mount(8)
 * mounts an overlay in a private mount namespace of unshare(1) (with {@code --user --map-root-user}
 * for the rootless probe), which takes the mount with it when it exits. A bug in this module's
 * overlay mounting therefore fails the tests instead of turning into a skip; {@code
 * ProbeTwinTest} (container-layers) checks that {@code KernelFeatures.overlay()} agrees with this probe.
 */
final class OverlayProbe {
  private OverlayProbe() {}

  /** "" when an overlay mounts and shows its lower file, else why not (the command and its output). */
  static String problem(boolean rootless) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("cj-overlay-probe");
    try {
      for (String d : List.of("lower", "upper", "work", "merged")) {
        Files.createDirectory(dir.resolve(d));
      }
      Files.writeString(dir.resolve("lower/f"), "x");
      List<String> cmd = new ArrayList<>(List.of("unshare", "--mount"));
      if (rootless) {
        cmd.addAll(List.of("--user", "--map-root-user"));
      }
      cmd.addAll(List.of("sh", "-c", "mount -t overlay overlay -o lowerdir=\"$1/lower\",upperdir=\"$1/upper\",workdir=\"$1/work\""
          + " \"$1/merged\" && test -f \"$1/merged/f\"", "probe", dir.toString()));
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new AssertionError("cannot run unshare (apt-get install util-linux): " + e, e);
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timeout: " + cmd);
      }
      return p.exitValue() == 0 ? "" : String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out;
    } finally {
      // overlay leaves work/work with mode 000 (owned by the caller when rootless)
      Path ww = dir.resolve("work/work");
      if (Files.isDirectory(ww, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.setPosixFilePermissions(ww, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      }
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path f : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(f);
        }
      }
    }
  }
}
