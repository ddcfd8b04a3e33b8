package dev.containerj.core.internal;

import dev.containerj.linux.internal.ProcFiles;
import dev.containerj.namespaces.Capability;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/** The capabilities of this JVM itself (CapPrm of /proc/self/status), read once. */
final class CallerCapabilities {
  private static final long PERMITTED = read();

  private CallerCapabilities() {}

  static long permitted() {
    return PERMITTED;
  }

  /** Those of {@code wanted} that this process lacks. */
  static Set<Capability> missing(Set<Capability> wanted) {
    Set<Capability> out = EnumSet.noneOf(Capability.class);
    for (Capability c : wanted) {
      if ((PERMITTED & (1L << c.number())) == 0) {
        out.add(c);
      }
    }
    return out;
  }

  private static long read() {
    try {
      for (String line : ProcFiles.read("/proc/self/status").split("\n")) {
        if (line.startsWith("CapPrm:")) {
          return Long.parseUnsignedLong(line.substring(7).trim(), 16);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return 0;
  }
}
