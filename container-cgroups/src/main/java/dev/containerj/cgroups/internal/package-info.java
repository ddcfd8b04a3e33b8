/**
 * Internals of the cgroup module: one class per controller and hierarchy version behind the
 * package-private {@code Controller}, one manager per hierarchy version, the file access behind
 * {@code CgroupFs}, and the event thread. Not exported.
 */
@NullMarked
package dev.containerj.cgroups.internal;

import org.jspecify.annotations.NullMarked;
