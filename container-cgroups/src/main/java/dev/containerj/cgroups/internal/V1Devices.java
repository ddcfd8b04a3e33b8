package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.DeviceRule;
import java.io.IOException;
import java.nio.file.Path;

/**
 * cgroup v1 devices: {@code a} to devices.deny drops everything the new cgroup inherited, then one
 * write per rule to devices.allow (Documentation/admin-guide/cgroup-v1/devices.rst). The kernel
 * checks every open(2) and mknod(2) of a device node by a member against the list. It keeps no
 * accounting.
 */
final class V1Devices implements Controller {
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
    if (l.deviceAllowList().isEmpty()) {
      return;
    }
    Writes.limit(fs, dir, "devices.deny", "a", "deviceAllowList");
    for (DeviceRule r : l.deviceAllowList().get()) {
      Writes.limit(fs, dir, "devices.allow", r.toString(), "deviceAllowList");
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {}
}
