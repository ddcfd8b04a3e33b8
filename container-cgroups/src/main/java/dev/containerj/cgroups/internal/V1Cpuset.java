package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;

/**
 * cgroup v1 cpuset: cpuset.cpus and cpuset.mems. A new v1 cpuset starts with both empty and refuses
 * tasks until they are set (cgroups/cpusets.txt), so unset fields are copied from the parent.
 */
final class V1Cpuset implements Controller {
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
    Path parent = java.util.Objects.requireNonNull(dir.getParent(), "a cgroup below its hierarchy's root");
    String cpus = l.cpusetCpus().isPresent() ? l.cpusetCpus().get() : fs.read(parent.resolve("cpuset.cpus")).trim();
    String mems = l.cpusetMems().isPresent() ? l.cpusetMems().get() : fs.read(parent.resolve("cpuset.mems")).trim();
    Writes.limit(fs, dir, "cpuset.cpus", cpus, "cpusetCpus");
    Writes.limit(fs, dir, "cpuset.mems", mems, "cpusetMems");
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {}
}
