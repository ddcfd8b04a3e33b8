package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.IoDeviceLimit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/** cgroup v2 io: io.max ("MAJ:MIN rbps=N wbps=N riops=N wiops=N") and io.weight; io.stat. */
final class V2Io implements Controller {
  @Override
  public String name() {
    return "io";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.hasIo();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    for (IoDeviceLimit d : l.ioLimits()) {
      StringBuilder line = new StringBuilder(devices.resolve(d.device()));
      append(line, "rbps", d.readBps());
      append(line, "wbps", d.writeBps());
      append(line, "riops", d.readIops());
      append(line, "wiops", d.writeIops());
      Writes.limit(fs, dir, "io.max", line.toString(), "ioLimits");
    }
    if (l.ioWeight().isPresent()) {
      // io.weight needs an io scheduler or controller that honours it (BFQ or io.cost).
      Writes.limit(fs, dir, "io.weight", "default " + l.ioWeight().getAsLong(), "ioWeight");
    }
  }

  private static void append(StringBuilder sb, String key, OptionalLong v) {
    if (v.isPresent()) {
      sb.append(' ').append(key).append('=').append(v.getAsLong());
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    String text = StatsCollector.readOrNull(fs, dir.resolve("io.stat"));
    if (text == null) {
      return;
    }
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 2) {
        continue;
      }
      Map<String, Long> kv = new LinkedHashMap<>();
      for (int i = 1; i < f.length; i++) {
        int eq = f[i].indexOf('=');
        if (eq > 0) {
          try {
            kv.put(f[i].substring(0, eq), Long.parseLong(f[i].substring(eq + 1)));
          } catch (NumberFormatException ignored) {
            // skip
          }
        }
      }
      s.io.put(f[0], kv);
    }
  }
}
