package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * cgroup v1 cpu: cpu.cfs_period_us, cpu.cfs_quota_us, and cpu.shares converted from the v2 weight
 * as the inverse of crun's linear shares-to-weight map (2..262144 to 1..10000); cpu.stat throttling.
 */
final class V1Cpu implements Controller {
  @Override
  public String name() {
    return "cpu";
  }

  /**
   * The cpu.shares for a v2 weight: weight 1 -> 2, 100 -> 2598, 10000 -> 262144. Rounded up, so that
   * crun's {@code weight = 1 + ((shares - 2) * 9999) / 262142} gives the weight back exactly.
   */
  static long sharesFromWeight(long weight) {
    return 2 + ((weight - 1) * 262_142 + 9_998) / 9_999;
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.hasCpu();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) throws IOException {
    if (l.effectiveCpuQuotaMicros().isPresent() || l.cpuPeriodMicros().isPresent()) {
      Writes.requireFile(fs, parentDir, "cpu.cfs_quota_us", l.cpus().isPresent() ? "cpus" : "cpuQuotaMicros",
          "the kernel lacks CFS bandwidth control (CONFIG_CFS_BANDWIDTH)");
    }
  }

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    if (l.effectiveCpuQuotaMicros().isPresent() || l.cpuPeriodMicros().isPresent()) {
      String field = l.cpus().isPresent() ? "cpus" : "cpuQuotaMicros";
      Writes.limit(fs, dir, "cpu.cfs_period_us", Long.toString(l.effectiveCpuPeriodMicros()), field);
      String quota = l.effectiveCpuQuotaMicros().isPresent()
          ? Long.toString(l.effectiveCpuQuotaMicros().getAsLong()) : "-1";
      Writes.limit(fs, dir, "cpu.cfs_quota_us", quota, field);
    }
    if (l.cpuWeight().isPresent()) {
      Writes.limit(fs, dir, "cpu.shares", Long.toString(sharesFromWeight(l.cpuWeight().getAsLong())),
          "cpuWeight");
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    Map<String, Long> st = StatsCollector.keyed(StatsCollector.readOrNull(fs, dir.resolve("cpu.stat")));
    if (st.containsKey("nr_periods")) {
      s.periods = StatsCollector.get(st, "nr_periods");
      s.throttledPeriods = StatsCollector.get(st, "nr_throttled");
      Long ns = st.get("throttled_time");
      if (ns != null) {
        s.throttledMicros = java.util.OptionalLong.of(ns / 1000);
      }
    }
  }
}
