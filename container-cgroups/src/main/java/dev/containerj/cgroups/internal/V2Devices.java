package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;

/**
 * cgroup v2 devices: there is no interface file; the policy is a {@code BPF_PROG_TYPE_CGROUP_DEVICE}
 * program attached to the cgroup ({@link DeviceFilter}, cgroup-v2.rst "Device controller"). It
 * needs no controller enabled in subtree_control, so it also works in the v2 hierarchy of a hybrid
 * host that has no v1 devices hierarchy.
 */
final class V2Devices implements Controller {
  @Override
  public String name() {
    return "devices";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.deviceAllowList().isPresent();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) {}

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    if (l.deviceAllowList().isPresent()) {
      fs.attachDeviceProgram(dir, DeviceFilter.assemble(l.deviceAllowList().get()));
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {}
}
