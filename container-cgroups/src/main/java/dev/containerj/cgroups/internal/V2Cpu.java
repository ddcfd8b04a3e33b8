package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** cgroup v2 cpu: cpu.max ("quota period" or "max period") and cpu.weight; cpu.stat throttling. */
final class V2Cpu implements Controller {
  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.hasCpu();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    if (l.effectiveCpuQuotaMicros().isPresent() || l.cpuPeriodMicros().isPresent()) {
      String quota = l.effectiveCpuQuotaMicros().isPresent()
          ? Long.toString(l.effectiveCpuQuotaMicros().getAsLong()) : "max";
      String field = l.cpus().isPresent() ? "cpus" : "cpuQuotaMicros";
      Writes.limit(fs, dir, "cpu.max", quota + " " + l.effectiveCpuPeriodMicros(), field);
    }
    if (l.cpuWeight().isPresent()) {
      Writes.limit(fs, dir, "cpu.weight", Long.toString(l.cpuWeight().getAsLong()), "cpuWeight");
    }
  }

  /** Reads cpu.stat, which every v2 cgroup has (usage even without the cpu controller). */
  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    Map<String, Long> st = StatsCollector.keyed(StatsCollector.readOrNull(fs, dir.resolve("cpu.stat")));
    s.cpuUsage = StatsCollector.get(st, "usage_usec");
    s.cpuUser = StatsCollector.get(st, "user_usec");
    s.cpuSystem = StatsCollector.get(st, "system_usec");
    if (st.containsKey("nr_periods")) {
      s.periods = StatsCollector.get(st, "nr_periods");
      s.throttledPeriods = StatsCollector.get(st, "nr_throttled");
      s.throttledMicros = StatsCollector.get(st, "throttled_usec");
    }
  }
}
