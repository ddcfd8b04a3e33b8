package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** cgroup v2 memory: memory.{min,low,high,max,swap.max,oom.group}; memory.current/peak/stat/events. */
final class V2Memory implements Controller {
  @Override
  public String name() {
    return "memory";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.hasMemory();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    if (l.memoryMin().isPresent()) {
      Writes.limit(fs, dir, "memory.min", Long.toString(l.memoryMin().getAsLong()), "memoryMin");
    }
    if (l.memoryLow().isPresent()) {
      Writes.limit(fs, dir, "memory.low", Long.toString(l.memoryLow().getAsLong()), "memoryLow");
    }
    if (l.memoryMax().isPresent()) {
      Writes.limit(fs, dir, "memory.max", Long.toString(l.memoryMax().getAsLong()), "memoryMax");
    }
    if (l.memoryHigh().isPresent()) {
      Writes.limit(fs, dir, "memory.high", Long.toString(l.memoryHigh().getAsLong()), "memoryHigh");
    }
    if (l.memorySwapMax().isPresent()) {
      // memory.swap.max is missing when the kernel does not account swap (CONFIG_MEMCG_SWAP).
      Writes.limit(fs, dir, "memory.swap.max", Long.toString(l.memorySwapMax().getAsLong()),
          "memorySwapMax");
    }
    if (l.oomGroup()) {
      Writes.limit(fs, dir, "memory.oom.group", "1", "oomGroup");
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    s.memoryCurrent = StatsCollector.number(fs, dir.resolve("memory.current"));
    s.memoryPeak = StatsCollector.number(fs, dir.resolve("memory.peak"));
    s.memoryStat = StatsCollector.keyed(StatsCollector.readOrNull(fs, dir.resolve("memory.stat")));
    Map<String, Long> events = StatsCollector.keyed(StatsCollector.readOrNull(fs, dir.resolve("memory.events")));
    s.oomEvents = StatsCollector.get(events, "oom");
    s.oomKills = StatsCollector.get(events, "oom_kill");
  }
}
