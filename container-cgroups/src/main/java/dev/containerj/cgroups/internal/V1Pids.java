package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;

/** cgroup v1 pids: the same files as v2 (pids.max, pids.current, pids.peak). */
final class V1Pids implements Controller {
  private final V2Pids same = new V2Pids();

  @Override
  public String name() {
    return "pids";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return same.wanted(l);
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    same.apply(l, dir, fs, devices);
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    same.stats(dir, fs, s);
  }
}
