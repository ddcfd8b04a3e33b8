package dev.containerj.namespaces.seccomp.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A kernel release as major.minor, for Docker's {@code minKernel} and version-gated rules. */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
  private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:[.\\-+~].*)?");

  /** Parses "6.18", "4.8" or a full release such as "6.1.0-18-amd64". */
  public static KernelVersion parse(String release) {
    Matcher m = VERSION.matcher(release.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("kernel version must look like 4.8: " + release);
    }
    return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /** The running kernel (uname -r, as the JVM reports it in os.version). */
  public static KernelVersion running() {
    return parse(System.getProperty("os.version", "0.0"));
  }

  /** Whether this version is at least {@code other}. */
  public boolean atLeast(KernelVersion other) {
    return compareTo(other) >= 0;
  }

  @Override
  public int compareTo(KernelVersion o) {
    return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
