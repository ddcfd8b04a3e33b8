package dev.containerj.linux.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads small kernel files in one read(2). Integer sysctls under /proc/sys answer only a read at
 * offset 0 (later offsets read as end-of-file), and report a size of 0, so {@code Files.readString},
 * which may start with a tiny buffer, can return "4" for "40": never use it on /proc/sys.
 */
public final class ProcFiles {
  private ProcFiles() {}

  /** The content of a kernel file of at most 64 KiB, read with one large read. */
  public static String read(String path) throws IOException {
    try (FileInputStream in = new FileInputStream(path)) {
      byte[] buf = new byte[65536];
      int n = in.read(buf);
      return n <= 0 ? "" : new String(Arrays.copyOf(buf, n), StandardCharsets.UTF_8);
    }
  }

  /** A path as /proc/PID/mountinfo writes it, unescaped: space, tab, newline and backslash are octal (proc(5)). */
  public static String unescapeMountinfo(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The file's content as a long, or {@code fallback} when it is missing or not a number. */
  public static long readLong(String path, long fallback) {
    try {
      return Long.parseLong(read(path).trim());
    } catch (IOException | NumberFormatException e) {
      return fallback;
    }
  }
}
