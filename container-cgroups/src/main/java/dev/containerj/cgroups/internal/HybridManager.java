package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cgroup v1 manager with v2 membership (hybrid hosts), also used on pure v1 hosts: limits go to
 * the v1 controller hierarchies; membership, freezing, killing and the empty event use the v2
 * hierarchy where it is mounted (the v1 freezer otherwise). A controller that is not mounted as v1
 * but is enabled in the v2 parent's subtree_control is used there. It never enables controllers in
 * the v2 hierarchy's parent, which on a hybrid host is usually shared with the whole machine.
 */
final class HybridManager extends BaseManager {
  /** v1 name, v1 class, v2 name, v2 class: the same limits in either hierarchy. */
  private record Pair(String v1Name, Controller v1, String v2Name, Controller v2) {}

  private static final List<Pair> PAIRS = List.of(
      new Pair("memory", new V1Memory(), "memory", new V2Memory()),
      new Pair("cpu", new V1Cpu(), "cpu", new V2Cpu()),
      new Pair("pids", new V1Pids(), "pids", new V2Pids()),
      new Pair("devices", new V1Devices(), "devices", new V2Devices()),
      new Pair("blkio", new V1Blkio(), "io", new V2Io()),
      new Pair("cpuset", new V1Cpuset(), "cpuset", new V2Cpuset()),
      new Pair("hugetlb", new Hugetlb(".limit_in_bytes"), "hugetlb", new Hugetlb()));
  /**
   * v1 hierarchies every cgroup joins, for accounting even without limits. cpuset too (a copy of the
   * parent's cpus and mems, no limit): the JDK's container support (HotSpot's CgroupSubsystemFactory)
   * takes v1 limits only where memory, cpu, cpuacct and cpuset are all mounted for the process, and
   * the container's view of its cgroup (container-core) shows only hierarchies it has a cgroup in.
   */
  private static final List<String> ALWAYS = List.of("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio");
  private static final Map<String, Controller> V1_STATS = Map.of("memory", new V1Memory(), "cpu",
      new V1Cpu(), "cpuacct", new V1Cpuacct(), "pids", new V1Pids(), "blkio", new V1Blkio());

  HybridManager(CgroupHierarchy hierarchy, CgroupFs fs, DeviceResolver devices, Map<String, Path> parents) {
    super(hierarchy, fs, devices, parents);
  }

  @Override
  Plan plan(CgroupLimits limits) throws IOException {
    Path unified = parents.get(Member.UNIFIED);
    Set<String> v2Enabled = unified == null ? Set.of()
        : words(StatsCollector.readOrNull(fs, unified.resolve("cgroup.subtree_control")));
    List<Member> members = new ArrayList<>();
    Set<String> enable = new LinkedHashSet<>();
    for (Pair p : PAIRS) {
      if (!p.v1().wanted(limits)) {
        continue;
      }
      if (parents.containsKey(p.v1Name())) {
        p.v1().check(limits, parents.get(p.v1Name()), fs);
        members.add(new Member(p.v1(), p.v1Name()));
      } else if (unified != null && p.v2() instanceof V2Devices) {
        members.add(new Member(p.v2(), Member.UNIFIED)); // a BPF program: no controller to enable
      } else if (unified != null && v2Enabled.contains(p.v2Name())) {
        p.v2().check(limits, unified, fs);
        members.add(new Member(p.v2(), Member.UNIFIED));
        enable.add(p.v2Name());
      } else {
        throw new UnsupportedLimitException(fieldOf(p.v2Name(), limits), "no cgroup v1 hierarchy for "
            + p.v1Name() + " is mounted" + (unified == null ? "" : " and " + p.v2Name()
            + " is not enabled in " + unified.resolve("cgroup.subtree_control")));
      }
    }
    return new Plan(members, enable, Set.of(), true);
  }

  @Override
  Set<String> membership(Plan plan) {
    Set<String> keys = new LinkedHashSet<>();
    for (String k : ALWAYS) {
      if (plan.accounting() && parents.containsKey(k)) {
        keys.add(k);
      }
    }
    for (Member m : plan.limitMembers()) {
      keys.add(m.key());
    }
    if (parents.containsKey(Member.UNIFIED)) {
      keys.add(Member.UNIFIED);
    } else if (parents.containsKey("freezer")) {
      keys.add("freezer");
    }
    return keys;
  }

  @Override
  void prepareParent(Path dir, Plan plan, boolean isManagerParent, boolean leafParent) throws IOException {
    if (isManagerParent || plan.enableV2().isEmpty()) {
      return; // never touch the shared v2 parent; plan() used only what it enables already
    }
    Set<String> enabled = words(StatsCollector.readOrNull(fs, dir.resolve("cgroup.subtree_control")));
    StringBuilder sb = new StringBuilder();
    for (String c : plan.enableV2()) {
      if (!enabled.contains(c)) {
        sb.append(sb.length() == 0 ? "" : " ").append('+').append(c);
      }
    }
    if (sb.length() > 0) {
      fs.write(dir.resolve("cgroup.subtree_control"), sb.toString());
    }
  }

  @Override
  List<Member> statsMembers(Map<String, Path> dirs) {
    List<Member> out = new ArrayList<>();
    if (dirs.containsKey(Member.UNIFIED)) {
      Set<String> here = words(StatsCollector.readOrNull(fs, dirs.get(Member.UNIFIED).resolve("cgroup.controllers")));
      for (Controller c : V2Manager.CONTROLLERS) {
        if (here.contains(c.name()) || c.name().equals("cpu")) {
          out.add(new Member(c, Member.UNIFIED));
        }
      }
    }
    for (Map.Entry<String, Controller> e : V1_STATS.entrySet()) {
      if (dirs.containsKey(e.getKey())) {
        out.add(new Member(e.getValue(), e.getKey()));
      }
    }
    return out;
  }

  @Override
  BaseManager childManager(Map<String, Path> dirs) {
    return new HybridManager(hierarchy, fs, devices, dirs);
  }
}
