package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One cgroup controller of one hierarchy version (as youki's per-controller files): which limits it
 * handles, whether this host can enforce them, how to write them and how to read its accounting.
 */
interface Controller {
  /** The kernel's controller name, as {@code "memory"}. */
  String name();

  /** Whether {@code limits} sets a field this controller writes. */
  boolean wanted(CgroupLimits limits);

  /**
   * Before anything is created: throws {@link dev.containerj.cgroups.UnsupportedLimitException} for
   * a field this controller cannot enforce here, judged from the parent's directory (which holds
   * the same interface files as its children).
   */
  void check(CgroupLimits limits, Path parentDir, CgroupFs fs) throws IOException;

  /** Writes the fields of {@code limits} it handles into {@code dir}. */
  void apply(CgroupLimits limits, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException;

  /** Adds its accounting in {@code dir} to {@code stats}; a missing file leaves the value empty. */
  void stats(Path dir, CgroupFs fs, StatsCollector stats);
}
