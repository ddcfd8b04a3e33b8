package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** hugetlb, both versions: v2 hugetlb.&lt;size&gt;.max, v1 hugetlb.&lt;size&gt;.limit_in_bytes. */
final class Hugetlb implements Controller {
  private final String maxSuffix;

  Hugetlb() {
    this(".max");
  }

  /** For v1, whose file is hugetlb.&lt;size&gt;.limit_in_bytes. */
  Hugetlb(String maxSuffix) {
    this.maxSuffix = maxSuffix;
  }

  @Override
  public String name() {
    return "hugetlb";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return !l.hugetlb().isEmpty();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) throws IOException {
    for (String size : l.hugetlb().keySet()) {
      Path pool = Path.of("/sys/kernel/mm/hugepages/hugepages-" + kilobytes(size) + "kB");
      if (!Files.isDirectory(pool)) {
        throw new UnsupportedLimitException("hugetlb",
            "this machine has no " + size + " huge pages (" + pool + " is missing)");
      }
    }
  }

  static long kilobytes(String size) {
    long n = Long.parseLong(size.substring(0, size.length() - 2));
    switch (size.substring(size.length() - 2)) {
      case "GB":
        return n << 20;
      case "MB":
        return n << 10;
      default:
        return n;
    }
  }

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    for (Map.Entry<String, Long> e : l.hugetlb().entrySet()) {
      Writes.limit(fs, dir, "hugetlb." + e.getKey() + maxSuffix, Long.toString(e.getValue()), "hugetlb");
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {}
}
