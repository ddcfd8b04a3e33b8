package dev.containerj.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The per-mount flags of the mount a bind's source lies on, read from {@code /proc/self/mountinfo}
 * (proc(5): field 6 holds the mount's own options). A bind keeps its source's flags (mount(2)), so a
 * config that asks to clear one of them ({@code exec}, {@code suid}, {@code dev}) asks ContainerJ to
 * loosen a host mount; in a user namespace the kernel refuses it anyway, the flags being locked
 * (mount_namespaces(7)).
 */
final class SourceMount {
  private SourceMount() {}

  /** The options (nosuid, nodev, noexec, ro, ...) of the mount holding {@code source}; empty when unknown. */
  static Set<String> options(Path source) {
    Path real;
    List<String> lines;
    try {
      real = source.toRealPath();
      lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      return Set.of(); // a missing source is reported when the container starts
    }
    String best = "";
    Set<String> options = Set.of();
    String path = real.toString();
    for (String line : lines) {
      String[] f = line.split(" ");
      if (f.length < 6) {
        continue;
      }
      String point = unescape(f[4]);
      boolean under = path.equals(point) || point.equals("/") || path.startsWith(point + "/");
      // The last of equal mount points is the one on top.
      if (under && point.length() >= best.length()) {
        best = point;
        options = Set.of(f[5].split(","));
      }
    }
    return options;
  }

  /** mountinfo writes space, tab, newline and backslash as octal escapes (\040). */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
          // not an escape
        }
      }
      b.append(c);
    }
    return b.toString();
  }
}
