/**
 * cgroup v2 (first-class) and v1 fallback: create cgroups below the caller's own cgroup, apply
 * {@link dev.containerj.cgroups.CgroupLimits} in one call, add processes, read stats, freeze, kill
 * and listen to OOM, empty and pressure events.
 *
 * <p>Entry point: {@link dev.containerj.cgroups.CgroupManager#forCurrentProcess()}. A {@link
 * dev.containerj.cgroups.Cgroup} must be closed; closing kills its processes, waits until it is
 * empty and removes its directories.
 *
 * <p>Rules the library keeps: a limit the host cannot enforce raises {@link
 * dev.containerj.cgroups.UnsupportedLimitException} before anything is created, never a silent
 * skip; on a hybrid host the limits go to the v1 hierarchies while membership, freezing, killing
 * and events use cgroup v2; on cgroup v2, controllers are enabled top-down and the "no internal
 * processes" rule is reported (or worked around on request by moving the parent's processes into a
 * leaf); waits use inotify and poll, not sleep loops. The module's README lists the decisions.
 */
@NullMarked
package dev.containerj.cgroups;

import org.jspecify.annotations.NullMarked;
