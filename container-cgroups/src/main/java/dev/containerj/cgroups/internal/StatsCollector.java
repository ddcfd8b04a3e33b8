package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupStats;
import dev.containerj.cgroups.PressureResource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/** Accumulates what the controllers read, then builds the immutable {@link CgroupStats}. */
final class StatsCollector {
  OptionalLong memoryCurrent = OptionalLong.empty();
  OptionalLong memoryPeak = OptionalLong.empty();
  OptionalLong oomEvents = OptionalLong.empty();
  OptionalLong oomKills = OptionalLong.empty();
  Map<String, Long> memoryStat = new LinkedHashMap<>();
  OptionalLong cpuUsage = OptionalLong.empty();
  OptionalLong cpuUser = OptionalLong.empty();
  OptionalLong cpuSystem = OptionalLong.empty();
  OptionalLong periods = OptionalLong.empty();
  OptionalLong throttledPeriods = OptionalLong.empty();
  OptionalLong throttledMicros = OptionalLong.empty();
  OptionalLong pidsCurrent = OptionalLong.empty();
  OptionalLong pidsPeak = OptionalLong.empty();
  Map<String, Map<String, Long>> io = new LinkedHashMap<>();
  Map<PressureResource, CgroupStats.Pressure> pressure = new EnumMap<>(PressureResource.class);

  CgroupStats build() {
    return new CgroupStats(
        new CgroupStats.Memory(memoryCurrent, memoryPeak, oomEvents, oomKills, memoryStat),
        new CgroupStats.Cpu(cpuUsage, cpuUser, cpuSystem, periods, throttledPeriods, throttledMicros),
        new CgroupStats.Pids(pidsCurrent, pidsPeak), io, pressure);
  }

  /** The file's content, or null when it is missing or unreadable (the value stays empty). */
  static @Nullable String readOrNull(CgroupFs fs, Path file) {
    try {
      return fs.read(file);
    } catch (IOException e) {
      return null;
    }
  }

  /** A single-number file; "max" and missing files are empty. */
  static OptionalLong number(CgroupFs fs, Path file) {
    String s = readOrNull(fs, file);
    if (s == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(s.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** A flat keyed file ("key value" per line), as memory.stat or cpu.stat. */
  static Map<String, Long> keyed(@Nullable String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (text == null) {
      return out;
    }
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 2) {
        try {
          out.put(f[0], Long.parseLong(f[1]));
        } catch (NumberFormatException ignored) {
          // not a number: skip
        }
      }
    }
    return out;
  }

  static OptionalLong get(Map<String, Long> map, String key) {
    Long v = map.get(key);
    return v == null ? OptionalLong.empty() : OptionalLong.of(v);
  }

  /** The PSI files of a v2 directory (psi.rst): "some avg10=0.00 avg60=0.00 avg300=0.00 total=0". */
  void readPressure(CgroupFs fs, Path dir) {
    for (PressureResource r : PressureResource.values()) {
      String text = readOrNull(fs, dir.resolve(r.file()));
      if (text == null) {
        continue;
      }
      CgroupStats.PressureLine some = null;
      CgroupStats.PressureLine full = null;
      for (String line : text.split("\n")) {
        CgroupStats.PressureLine p = pressureLine(line);
        if (line.startsWith("some ")) {
          some = p;
        } else if (line.startsWith("full ")) {
          full = p;
        }
      }
      if (some != null) {
        pressure.put(r, new CgroupStats.Pressure(some, full));
      }
    }
  }

  private static CgroupStats.@Nullable PressureLine pressureLine(String line) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String f : line.trim().split("\\s+")) {
      int eq = f.indexOf('=');
      if (eq > 0) {
        kv.put(f.substring(0, eq), f.substring(eq + 1));
      }
    }
    try {
      return new CgroupStats.PressureLine(Double.parseDouble(kv.get("avg10")),
          Double.parseDouble(kv.get("avg60")), Double.parseDouble(kv.get("avg300")),
          Long.parseLong(kv.get("total")));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
