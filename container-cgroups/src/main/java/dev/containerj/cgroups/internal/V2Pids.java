package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;

/** cgroup v2 pids: pids.max; pids.current/peak. */
final class V2Pids implements Controller {
  @Override
  public String name() {
    return "pids";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.pidsMax().isPresent();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    if (l.pidsMax().isPresent()) {
      long max = l.pidsMax().getAsLong();
      Writes.limit(fs, dir, "pids.max", max == CgroupLimits.PIDS_UNLIMITED ? "max" : Long.toString(max), "pidsMax");
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    s.pidsCurrent = StatsCollector.number(fs, dir.resolve("pids.current"));
    s.pidsPeak = StatsCollector.number(fs, dir.resolve("pids.peak"));
  }
}
