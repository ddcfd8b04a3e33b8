package dev.containerj.cgroups;

/** How the host mounts its cgroup hierarchies (read from /proc/self/mountinfo). */
public enum CgroupHierarchy {
  /** Pure cgroup v2: one unified hierarchy holds membership and every controller. */
  UNIFIED,
  /**
   * Hybrid (systemd's layout): controllers on v1 hierarchies, plus a cgroup2 hierarchy without (or
   * with few) controllers. Limits go to v1; membership, freeze, kill and events use the v2 hierarchy.
   */
  HYBRID,
  /** Only cgroup v1: limits, membership and freezing all use v1 hierarchies. */
  LEGACY
}
