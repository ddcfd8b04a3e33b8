package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

/** cgroup v1 cpuacct: accounting only, cpuacct.usage (ns) and cpuacct.stat (USER_HZ ticks). */
final class V1Cpuacct implements Controller {
  /** USER_HZ is 100 on every Linux architecture ContainerJ supports (times(2)). */
  private static final long MICROS_PER_TICK = 10_000;

  @Override
  public String name() {
    return "cpuacct";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return false;
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) {}

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    OptionalLong ns = StatsCollector.number(fs, dir.resolve("cpuacct.usage"));
    if (ns.isPresent()) {
      s.cpuUsage = OptionalLong.of(ns.getAsLong() / 1000);
    }
    Map<String, Long> st = StatsCollector.keyed(StatsCollector.readOrNull(fs, dir.resolve("cpuacct.stat")));
    if (st.containsKey("user")) {
      s.cpuUser = OptionalLong.of(st.get("user") * MICROS_PER_TICK);
      s.cpuSystem = OptionalLong.of(st.getOrDefault("system", 0L) * MICROS_PER_TICK);
    }
  }
}
