package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupException;
import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.UnsupportedLimitException;
import dev.containerj.linux.internal.Constants;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The cgroup v2 manager: every limit, membership, freezing and killing in the unified hierarchy.
 * Controllers are enabled top-down in cgroup.subtree_control (cgroup-v2.rst "Enabling and
 * Disabling"); the kernel refuses that in a non-root cgroup holding processes ("no internal
 * processes"), which {@code moveParentProcessesTo} works around by moving them into a leaf first.
 */
final class V2Manager extends BaseManager {
  static final List<Controller> CONTROLLERS = List.of(new V2Memory(), new V2Cpu(), new V2Pids(),
      new V2Io(), new V2Cpuset(), new Hugetlb());
  /** A BPF program rather than a controller: nothing to enable (cgroup-v2.rst "Device controller"). */
  private static final Controller DEVICES = new V2Devices();
  /** Enabled when available, so that stats and OOM counts work without limits. */
  private static final Set<String> OPTIONAL = Set.of("memory", "pids");

  private final boolean enableControllers;
  private final Optional<String> leaf;
  /** Where this manager moved processes from, into {@link #leaf}; null until it did. */
  private @Nullable Path movedFrom;
  /** The controllers this manager enabled in {@link #movedFrom} after the move. */
  private final Set<String> enabledAfterMove = new LinkedHashSet<>();

  V2Manager(CgroupFs fs, DeviceResolver devices, Path parent, boolean enableControllers,
      Optional<String> leaf) {
    super(CgroupHierarchy.UNIFIED, fs, devices, Map.of(Member.UNIFIED, parent));
    this.enableControllers = enableControllers;
    this.leaf = leaf;
  }

  private Path parent() {
    return java.util.Objects.requireNonNull(parents.get(Member.UNIFIED), "the unified parent");
  }

  @Override
  Plan plan(CgroupLimits limits) throws IOException {
    Set<String> available = words(StatsCollector.readOrNull(fs, parent().resolve("cgroup.controllers")));
    Set<String> enabled = words(StatsCollector.readOrNull(fs, parent().resolve("cgroup.subtree_control")));
    List<Member> members = new ArrayList<>();
    Set<String> enable = new LinkedHashSet<>();
    for (Controller c : CONTROLLERS) {
      if (!c.wanted(limits)) {
        continue;
      }
      String field = fieldOf(c.name(), limits);
      if (!available.contains(c.name())) {
        throw new UnsupportedLimitException(field, "the " + c.name() + " controller is not available in "
            + parent().resolve("cgroup.controllers") + " (the parent's parent does not delegate it)");
      }
      if (!enabled.contains(c.name()) && !enableControllers) {
        throw new UnsupportedLimitException(field, "the " + c.name() + " controller is not enabled in "
            + parent().resolve("cgroup.subtree_control") + " and enableControllers is false");
      }
      c.check(limits, parent(), fs);
      members.add(new Member(c, Member.UNIFIED));
      enable.add(c.name());
    }
    if (DEVICES.wanted(limits)) {
      members.add(new Member(DEVICES, Member.UNIFIED));
    }
    Set<String> optional = new LinkedHashSet<>();
    for (String o : OPTIONAL) {
      if (available.contains(o) && !enable.contains(o)) {
        optional.add(o);
      }
    }
    return new Plan(members, enable, optional, true);
  }

  @Override
  Set<String> membership(Plan plan) {
    return Set.of(Member.UNIFIED);
  }

  @Override
  void prepareParent(Path dir, Plan plan, boolean isManagerParent, boolean leafParent) throws IOException {
    Set<String> enabled = words(StatsCollector.readOrNull(fs, dir.resolve("cgroup.subtree_control")));
    Set<String> missing = new LinkedHashSet<>(plan.enableV2());
    missing.removeAll(enabled);
    Set<String> optional = new LinkedHashSet<>(plan.optionalV2());
    optional.removeAll(enabled);
    if (!enableControllers && isManagerParent) {
      return; // plan() has checked that every needed controller is enabled already
    }
    if (missing.isEmpty() && optional.isEmpty()) {
      if (leafParent && !plan.enableV2().isEmpty()) {
        awaitEnabling(dir, plan.enableV2());
      }
      return;
    }
    Set<String> all = new LinkedHashSet<>(missing);
    all.addAll(optional);
    if (holdsProcesses(dir)) {
      // A non-root cgroup with processes takes the threaded controllers (pids, cpu, cpuset,
      // perf_event) without EBUSY and so becomes a thread root, below which every cgroup is an
      // invalid domain: each later enable there fails with EOPNOTSUPP (cgroup-v2.rst, "Threads").
      // Move the processes out first, as for a domain controller's EBUSY below.
      if (leaf.isPresent()) {
        moveProcessesToLeaf(dir);
      } else {
        all.removeIf(THREADED::contains);
        if (!Collections.disjoint(missing, THREADED)) {
          throw new UnsupportedLimitException(String.join(",", missing), "cannot enable " + missing
              + " in " + dir.resolve("cgroup.subtree_control") + ": the cgroup holds processes, and a"
              + " threaded controller enabled there would make it a thread root whose children can"
              + " take no domain controller (cgroup v2 \"no internal processes\"); use a parent without"
              + " processes or CgroupManager.Builder.moveParentProcessesTo(leaf)");
        }
        if (all.isEmpty()) {
          return;
        }
      }
    }
    try {
      enable(dir, all);
    } catch (CgroupException e) {
      if (e.errno() == CgroupLibC.EBUSY && leaf.isPresent()) {
        moveProcessesToLeaf(dir);
        enable(dir, all);
      } else if (e.errno() == CgroupLibC.EBUSY && missing.isEmpty()) {
        return; // only accounting controllers: the cgroup works without them
      } else if (e.errno() == CgroupLibC.EBUSY) {
        throw new UnsupportedLimitException(String.join(",", missing), "cannot enable " + missing
            + " in " + dir.resolve("cgroup.subtree_control") + ": the cgroup holds processes and "
            + "cgroup v2 forbids controllers in a non-root cgroup with processes (\"no internal "
            + "processes\"); use a parent without processes or "
            + "CgroupManager.Builder.moveParentProcessesTo(leaf)");
      } else if (missing.isEmpty()) {
        return;
      } else {
        throw e;
      }
    }
  }

  private void enable(Path dir, Set<String> controllers) throws IOException {
    writeSubtreeControl(dir, '+', controllers);
    synchronized (this) {
      if (dir.equals(movedFrom)) {
        enabledAfterMove.addAll(controllers);
      }
    }
  }

  /**
   * Another thread or process may have just enabled these controllers in {@code dir}: the kernel
   * shows them in cgroup.subtree_control before it has made their files in the children, so a limit
   * written at once can find no file (ENOENT; seen with containers starting in parallel). Writing
   * what is enabled already changes nothing, but the kernel handles it under the same lock as that
   * other write, so it returns only once the files exist. A parent whose subtree_control is not
   * ours to write (its controllers were enabled for us) is left alone.
   */
  private void awaitEnabling(Path dir, Set<String> controllers) {
    try {
      writeSubtreeControl(dir, '+', controllers);
    } catch (IOException notOurs) {
      // nothing to wait for that we could wait on
    }
  }

  /** One write of {@code +a +b} (enable) or {@code -a -b} (disable). */
  private void writeSubtreeControl(Path dir, char sign, Set<String> controllers) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String c : controllers) {
      sb.append(sb.length() == 0 ? "" : " ").append(sign).append(c);
    }
    fs.write(dir.resolve("cgroup.subtree_control"), sb.toString());
  }

  /** The v2 controllers that may be enabled in a cgroup with processes (cgroup-v2.rst, "Threads"). */
  private static final Set<String> THREADED = Set.of("cpu", "cpuset", "perf_event", "pids");

  /** Whether {@code dir} is a non-root cgroup (the root has no cgroup.type) that holds processes. */
  private boolean holdsProcesses(Path dir) throws IOException {
    if (!fs.exists(dir.resolve("cgroup.type"))) {
      return false;
    }
    String procs = StatsCollector.readOrNull(fs, dir.resolve("cgroup.procs"));
    return procs != null && !procs.isBlank();
  }

  private void moveProcessesToLeaf(Path dir) throws IOException {
    Path target = dir.resolve(leaf.orElseThrow());
    fs.mkdir(target);
    synchronized (this) {
      if (movedFrom == null) {
        movedFrom = dir;
        if (fs == CgroupFs.real()) {
          try {
            Runtime.getRuntime().addShutdownHook(new Thread(this::moveProcessesBack, "containerj-cgroup-restore"));
          } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting already: the leaf stays, and the next JVM reuses it
          }
        }
      }
    }
    for (String pid : fs.read(dir.resolve("cgroup.procs")).split("\n")) {
      if (pid.isBlank()) {
        continue;
      }
      try {
        fs.write(target.resolve("cgroup.procs"), pid.trim());
      } catch (CgroupException e) {
        if (e.errno() != Constants.ESRCH) {
          throw e; // ESRCH: it exited meanwhile
        }
      }
    }
  }

  /**
   * Undoes {@link #moveProcessesToLeaf} when this JVM exits: once no cgroup but the leaf is left
   * below the parent (every container closed), disables the controllers enabled after the move,
   * moves the leaf's processes (this JVM among them) back and removes the leaf, so the parent looks
   * as it did before. Anything still below the parent (a detached container, someone else's cgroup)
   * may need those controllers: then nothing changes, and the next JVM reuses the leaf. Best effort,
   * never throws; returns what it did, for tests.
   */
  String moveProcessesBack() {
    Path from;
    Set<String> controllers;
    synchronized (this) {
      from = movedFrom;
      controllers = new LinkedHashSet<>(enabledAfterMove);
    }
    if (from == null) {
      return "nothing was moved";
    }
    String leafName = leaf.orElseThrow();
    Path leafDir = from.resolve(leafName);
    try {
      for (String child : fs.children(from)) {
        if (!child.equals(leafName)) {
          return "kept: " + from.resolve(child) + " still exists";
        }
      }
      if (!controllers.isEmpty()) {
        writeSubtreeControl(from, '-', controllers);
      }
      for (String pid : fs.read(leafDir.resolve("cgroup.procs")).split("\n")) {
        if (!pid.isBlank()) {
          try {
            fs.write(from.resolve("cgroup.procs"), pid.trim());
          } catch (CgroupException e) {
            if (e.errno() != Constants.ESRCH) {
              throw e;
            }
          }
        }
      }
      fs.rmdir(leafDir);
      return "moved back to " + from;
    } catch (IOException | RuntimeException e) {
      return "kept: " + e.getMessage();
    }
  }

  @Override
  List<Member> statsMembers(Map<String, Path> dirs) {
    Path dir = java.util.Objects.requireNonNull(dirs.get(Member.UNIFIED), "the unified directory");
    Set<String> here = words(StatsCollector.readOrNull(fs, dir.resolve("cgroup.controllers")));
    List<Member> out = new ArrayList<>();
    for (Controller c : CONTROLLERS) {
      if (here.contains(c.name()) || c.name().equals("cpu")) {
        out.add(new Member(c, Member.UNIFIED));
      }
    }
    return out;
  }

  @Override
  BaseManager childManager(Map<String, Path> dirs) {
    return new V2Manager(fs, devices, java.util.Objects.requireNonNull(dirs.get(Member.UNIFIED), "the unified directory"),
        true, Optional.empty());
  }
}
