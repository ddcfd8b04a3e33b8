package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * cgroup v1 memory: memory.limit_in_bytes and memory.memsw.limit_in_bytes (memory + swap);
 * accounting from usage_in_bytes, max_usage_in_bytes, memory.stat and memory.oom_control.
 * memory.high/low/min and oom.group have no v1 counterpart: asking for them fails.
 */
final class V1Memory implements Controller {
  @Override
  public String name() {
    return "memory";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.hasMemory();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) throws IOException {
    if (l.memoryHigh().isPresent()) {
      throw v2Only("memoryHigh", "memory.high");
    }
    if (l.memoryLow().isPresent()) {
      throw v2Only("memoryLow", "memory.low");
    }
    if (l.memoryMin().isPresent()) {
      throw v2Only("memoryMin", "memory.min");
    }
    if (l.oomGroup()) {
      throw v2Only("oomGroup", "memory.oom.group");
    }
    if (l.memorySwapMax().isPresent()) {
      if (l.memoryMax().isEmpty()) {
        throw new UnsupportedLimitException("memorySwapMax", "cgroup v1 limits memory+swap "
            + "(memory.memsw.limit_in_bytes), so it needs memoryMax as well");
      }
      Writes.requireFile(fs, parentDir, "memory.memsw.limit_in_bytes", "memorySwapMax",
          "the kernel does not account swap (boot with swapaccount=1)");
    }
  }

  private static UnsupportedLimitException v2Only(String field, String file) {
    return new UnsupportedLimitException(field, "cgroup v1 has no " + file
        + " (needs the memory controller on cgroup v2)");
  }

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    if (l.memoryMax().isPresent()) {
      // The memory limit first: the kernel refuses memsw below limit_in_bytes (EINVAL).
      Writes.limit(fs, dir, "memory.limit_in_bytes", Long.toString(l.memoryMax().getAsLong()), "memoryMax");
      if (l.memorySwapMax().isPresent()) {
        long total = l.memoryMax().getAsLong() + l.memorySwapMax().getAsLong();
        Writes.limit(fs, dir, "memory.memsw.limit_in_bytes", Long.toString(total), "memorySwapMax");
      }
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    s.memoryCurrent = StatsCollector.number(fs, dir.resolve("memory.usage_in_bytes"));
    s.memoryPeak = StatsCollector.number(fs, dir.resolve("memory.max_usage_in_bytes"));
    s.memoryStat = StatsCollector.keyed(StatsCollector.readOrNull(fs, dir.resolve("memory.stat")));
    StatsCollector.number(fs, dir.resolve("memory.failcnt"))
        .ifPresent(v -> s.memoryStat.put("failcnt", v));
    Map<String, Long> oom = StatsCollector.keyed(StatsCollector.readOrNull(fs, dir.resolve("memory.oom_control")));
    s.oomKills = StatsCollector.get(oom, "oom_kill");
  }
}
