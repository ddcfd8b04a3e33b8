package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;

/** cgroup v2 cpuset: cpuset.cpus and cpuset.mems. */
final class V2Cpuset implements Controller {
  @Override
  public String name() {
    return "cpuset";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.hasCpuset();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    if (l.cpusetCpus().isPresent()) {
      Writes.limit(fs, dir, "cpuset.cpus", l.cpusetCpus().get(), "cpusetCpus");
    }
    if (l.cpusetMems().isPresent()) {
      Writes.limit(fs, dir, "cpuset.mems", l.cpusetMems().get(), "cpusetMems");
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {}
}
