package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupException;
import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.CgroupManager;
import dev.containerj.cgroups.IoDeviceLimit;
import dev.containerj.cgroups.UnsupportedLimitException;
import dev.containerj.linux.SyscallException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What both managers share: name checks, delegation checks, creation with rollback, opening. The
 * subclasses decide which controller class of which hierarchy enforces each limit ({@link #plan}).
 */
abstract class BaseManager implements CgroupManager {
  /** Walks down to a new cgroup: one, and one more each time a sibling's close removed a directory. */
  static final int MAX_WALKS = 100;

  final CgroupHierarchy hierarchy;
  final CgroupFs fs;
  final DeviceResolver devices;
  /** Parent directory per hierarchy key ({@link Member#UNIFIED} or a v1 controller name). */
  final Map<String, Path> parents;

  BaseManager(CgroupHierarchy hierarchy, CgroupFs fs, DeviceResolver devices, Map<String, Path> parents) {
    this.hierarchy = hierarchy;
    this.fs = fs;
    this.devices = devices;
    this.parents = Collections.unmodifiableMap(new LinkedHashMap<>(parents));
  }

  /** Which controllers enforce {@code limits} here; throws {@link UnsupportedLimitException}. */
  abstract Plan plan(CgroupLimits limits) throws IOException;

  /** The hierarchy keys a new cgroup gets a directory in, given its plan. */
  abstract Set<String> membership(Plan plan);

  /**
   * Makes controllers usable in children of {@code dir} (v2 subtree_control), once the child on the
   * way to the new cgroup exists; {@code leafParent}: that child is the new cgroup. May throw.
   */
  abstract void prepareParent(Path dir, Plan plan, boolean isManagerParent, boolean leafParent)
      throws IOException;

  /** The controllers whose accounting a cgroup with these directories reports. */
  abstract List<Member> statsMembers(Map<String, Path> dirs) throws IOException;

  /** A manager whose parent is {@code cgroup}. */
  abstract BaseManager childManager(Map<String, Path> dirs);

  /**
   * The result of planning.
   *
   * @param limitMembers the controllers that write the requested limits
   * @param enableV2 v2 controllers that must be enabled on the way down
   * @param optionalV2 v2 controllers enabled when possible, for accounting
   * @param accounting whether the cgroup joins hierarchies for accounting only (v1)
   */
  record Plan(List<Member> limitMembers, Set<String> enableV2, Set<String> optionalV2, boolean accounting) {}

  @Override
  public CgroupHierarchy hierarchy() {
    return hierarchy;
  }

  @Override
  public Map<String, Path> parentPaths() {
    return parents;
  }

  @Override
  public Cgroup create(String name, CgroupLimits limits) throws IOException {
    return create(name, limits, true);
  }

  @Override
  public Cgroup createForLimits(String name, CgroupLimits limits) throws IOException {
    return create(name, limits, false);
  }

  @Override
  public void checkEnforceable(CgroupLimits limits) throws IOException {
    Plan plan = plan(limits);
    Set<String> keys = new LinkedHashSet<>();
    for (Member m : plan.limitMembers()) {
      keys.add(m.key());
    }
    for (String key : keys) {
      checkDelegated(parent(key));
    }
  }

  private Cgroup create(String name, CgroupLimits limits, boolean accounting) throws IOException {
    List<String> components = Names.components(name);
    for (IoDeviceLimit d : limits.ioLimits()) {
      devices.resolve(d.device());
    }
    Plan full = plan(limits);
    Plan plan = accounting ? full : new Plan(full.limitMembers(), full.enableV2(), Set.of(), false);
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (String key : membership(plan)) {
      Path parent = parents.get(key);
      if (parent == null) {
        continue;
      }
      checkDelegated(parent);
      Path target = parent;
      for (String c : components) {
        target = target.resolve(c);
      }
      if (fs.exists(target)) {
        throw new CgroupException("cgroup already exists: " + target);
      }
      dirs.put(key, target);
    }
    List<Path> created = new ArrayList<>();
    try {
      Set<Path> done = new LinkedHashSet<>();
      for (Map.Entry<String, Path> e : dirs.entrySet()) {
        if (!done.add(e.getValue())) {
          continue; // co-mounted v1 controllers (cpu,cpuacct) share one directory
        }
        makePath(e.getKey(), e.getValue(), components, plan, created);
      }
      CgroupImpl cg = new CgroupImpl(this, name, dirs, created, limits);
      cg.applyLimits(plan, limits);
      return cg;
    } catch (IOException | RuntimeException e) {
      for (int i = created.size() - 1; i >= 0; i--) {
        try {
          fs.rmdir(created.get(i));
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * Makes the directories from the parent of hierarchy {@code key} down to {@code target}. An
   * intermediate directory that already exists is shared with sibling cgroups, and whoever closes
   * the last sibling removes it (CgroupImpl.remove), possibly while this walk is below it: then a
   * mkdir or a write under it fails with ENOENT, and the walk starts again from the top.
   */
  private void makePath(String key, Path target, List<String> components, Plan plan, List<Path> created)
      throws IOException {
    boolean v2 = key.equals(Member.UNIFIED);
    Path top = parent(key);
    for (int attempt = 1; ; attempt++) {
      Path cur = top;
      boolean initGone = false;
      try {
        for (String c : components) {
          Path next = cur.resolve(c);
          if (fs.mkdir(next)) {
            created.add(next);
            if (!v2 && fs.exists(next.resolve("cpuset.cpus"))) {
              // also when cpuset is co-mounted with another controller; an intermediate just made
              // may be removed by a sibling's close before it is set up (then walk again)
              initGone = true;
              initCpuset(next);
              initGone = false;
            }
          } else if (next.equals(target)) {
            // Another process created it since the check above: never adopt someone else's cgroup.
            throw new CgroupException("cgroup already exists: " + next);
          }
          if (v2) {
            // After the mkdir: from then on cur cannot be removed (it is not empty), so the
            // controllers enabled here are those of the directory next really is in, even when a
            // sibling's walk made cur anew after a close had removed it.
            prepareParent(cur, plan, cur.equals(top), next.equals(target));
          }
          cur = next;
        }
        return;
      } catch (IOException e) {
        if (attempt >= MAX_WALKS || cur.equals(top) && !initGone || !isEnoent(e)) {
          throw e;
        }
        // cur, an intermediate directory, was removed under us by a sibling's close (it may be
        // there again already, made by another walk): walk again.
      }
    }
  }

  /** The parent directory of hierarchy {@code key} (every key of a plan has one). */
  private Path parent(String key) {
    return Objects.requireNonNull(parents.get(key), () -> "no parent cgroup in hierarchy " + key);
  }

  /** ENODEV: a write to a file of a cgroup that is being removed (the kernel's cgroup_kn_lock_live). */
  private static final int ENODEV = 19;

  private static boolean isEnoent(IOException e) {
    int errno = e instanceof CgroupException ? ((CgroupException) e).errno()
        : e instanceof SyscallException ? ((SyscallException) e).errno() : 0;
    return e instanceof NoSuchFileException || errno == Constants.ENOENT || errno == ENODEV;
  }

  /** A new v1 cpuset has empty cpus and mems and refuses tasks: copy the parent's. */
  private void initCpuset(Path dir) throws IOException {
    Path parent = Objects.requireNonNull(dir.getParent(), "a cgroup below its hierarchy's root");
    Path balance = dir.resolve("cpuset.sched_load_balance");
    if (fs.exists(balance)) {
      // Off before the cpus are set: a cpuset that balances rebuilds the scheduler domains of the
      // whole machine when its cpus are set and again when it is removed (cgroup-v1/cpusets.rst,
      // "sched_load_balance"), a cost on every start and close. Its parent's balancing covers its
      // cpus anyway; the flag matters only where the parent does not balance.
      fs.write(balance, "0");
    }
    for (String f : new String[] {"cpuset.cpus", "cpuset.mems"}) {
      String v = fs.read(parent.resolve(f)).trim();
      if (v.isEmpty() && !parents.containsValue(parent)) {
        // An intermediate that a sibling's walk has just made and not set up yet: do it here too.
        initCpuset(parent);
        v = fs.read(parent.resolve(f)).trim();
      }
      fs.write(dir.resolve(f), v);
    }
  }

  @Override
  public void checkDelegated() throws CgroupException {
    for (Map.Entry<String, Path> e : parents.entrySet()) {
      checkDelegated(e.getValue());
      if (e.getKey().equals(Member.UNIFIED) && hierarchy == CgroupHierarchy.UNIFIED) {
        requireWritable(e.getValue(), e.getValue().resolve("cgroup.subtree_control"));
      }
    }
  }

  /** An ordinary user may create cgroups only where the parent is delegated to them. */
  void checkDelegated(Path parent) throws CgroupException {
    if (!fs.exists(parent)) {
      throw new CgroupException("parent cgroup does not exist: " + parent);
    }
    requireWritable(parent, parent);
    requireWritable(parent, parent.resolve("cgroup.procs"));
  }

  private void requireWritable(Path parent, Path file) throws CgroupException {
    if (!fs.writable(file)) {
      throw new CgroupException("cannot create a cgroup below " + parent + ": it is not delegated to uid "
          + uid() + " (" + file + " is not writable" + owner(file) + "; as an ordinary user, run inside "
          + "a delegated subtree, e.g. systemd-run --user --scope -p Delegate=yes)");
    }
  }

  private static String owner(Path file) {
    try {
      return ", owner uid " + java.nio.file.Files.getAttribute(file, "unix:uid");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  static int uid() {
    try {
      return LibC.geteuid();
    } catch (UnsatisfiedLinkError e) {
      return -1;
    }
  }

  @Override
  public Cgroup open(String name) throws IOException {
    List<String> components = Names.components(name);
    Map<String, Path> dirs = new LinkedHashMap<>();
    // Every hierarchy, not only the default membership: the cgroup may have cpuset or hugetlb too.
    for (String key : parents.keySet()) {
      Path target = parents.get(key);
      for (String c : components) {
        target = target.resolve(c);
      }
      if (fs.exists(target)) {
        dirs.put(key, target);
      }
    }
    if (dirs.isEmpty()) {
      throw new CgroupException("no such cgroup: " + name + " below " + parents.values());
    }
    return new CgroupImpl(this, name, dirs, new ArrayList<>(dirs.values()), CgroupLimits.none());
  }

  /** The {@link CgroupLimits} fields a controller would write, for error messages. */
  static String fieldOf(String controller, CgroupLimits l) {
    switch (controller) {
      case "memory":
        return l.memoryMax().isPresent() ? "memoryMax" : l.memorySwapMax().isPresent() ? "memorySwapMax"
            : l.memoryHigh().isPresent() ? "memoryHigh" : l.memoryLow().isPresent() ? "memoryLow"
            : l.memoryMin().isPresent() ? "memoryMin" : "oomGroup";
      case "cpu":
        return l.cpus().isPresent() ? "cpus" : l.cpuQuotaMicros().isPresent() ? "cpuQuotaMicros"
            : l.cpuWeight().isPresent() ? "cpuWeight" : "cpuPeriodMicros";
      case "pids":
        return "pidsMax";
      case "devices":
        return "deviceAllowList";
      case "io":
      case "blkio":
        return l.ioLimits().isEmpty() ? "ioWeight" : "ioLimits";
      case "cpuset":
        return l.cpusetCpus().isPresent() ? "cpusetCpus" : "cpusetMems";
      default:
        return controller;
    }
  }

  static Set<String> words(@Nullable String text) {
    Set<String> out = new LinkedHashSet<>();
    if (text != null) {
      for (String w : text.trim().split("\\s+")) {
        if (!w.isEmpty()) {
          out.add(w);
        }
      }
    }
    return out;
  }
}
