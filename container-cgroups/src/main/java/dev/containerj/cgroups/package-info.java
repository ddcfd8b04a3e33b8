/**
 * cgroup v2 (first-class) and v1 fallback: create cgroups, set limits, read stats, freeze and kill.
 */
@NullMarked
package dev.containerj.cgroups;

import org.jspecify.annotations.NullMarked;
