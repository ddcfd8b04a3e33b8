package dev.containerj.cgroups;

import dev.containerj.linux.internal.ProcFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the host offers, read once from /proc/self/mountinfo and /proc/self/cgroup (proc(5),
 * cgroups(7)): which hierarchies are mounted where, and which cgroup the calling process is in in
 * each. {@link #parse(String, String)} classifies given texts, for tests and for other processes.
 */
public final class CgroupEnvironment {
  /** The v1 controllers ContainerJ knows; named hierarchies (name=systemd) are ignored. */
  private static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory",
      "devices", "freezer", "net_cls", "blkio", "perf_event", "net_prio", "hugetlb", "pids", "rdma",
      "misc");

  private final CgroupHierarchy hierarchy;
  private final Optional<Mount> unified;
  private final Map<String, Mount> v1;
  private final Optional<String> ownUnified;
  private final Map<String, String> ownV1;

  /**
   * One mounted hierarchy.
   *
   * @param mountPoint where it is mounted, as {@code /sys/fs/cgroup/memory}
   * @param root the cgroup path the mount shows at its mount point (not "/" inside a cgroup
   *     namespace or for a bind mount of a sub-tree)
   */
  public record Mount(Path mountPoint, String root) {
    /**
     * {@return the directory of {@code cgroupPath} in this mount}
     *
     * @param cgroupPath a cgroup path as /proc/PID/cgroup spells it, starting with {@code /}
     */
    public Path directory(String cgroupPath) {
      String rel = cgroupPath;
      if (!root.equals("/") && (rel.equals(root) || rel.startsWith(root + "/"))) {
        rel = rel.substring(root.length());
      }
      rel = rel.replaceAll("^/+", "");
      return rel.isEmpty() ? mountPoint : mountPoint.resolve(rel);
    }
  }

  private CgroupEnvironment(CgroupHierarchy hierarchy, Optional<Mount> unified, Map<String, Mount> v1,
      Optional<String> ownUnified, Map<String, String> ownV1) {
    this.hierarchy = hierarchy;
    this.unified = unified;
    this.v1 = Collections.unmodifiableMap(new TreeMap<>(v1));
    this.ownUnified = ownUnified;
    this.ownV1 = Collections.unmodifiableMap(new TreeMap<>(ownV1));
  }

  /**
   * Reads this process's /proc/self/mountinfo and /proc/self/cgroup.
   *
   * @return the layout of the calling process's cgroup hierarchies
   * @throws IOException when either file cannot be read, or no cgroup hierarchy is mounted ({@link
   *     CgroupException})
   */
  public static CgroupEnvironment detect() throws IOException {
    return parse(Files.readString(Path.of("/proc/self/mountinfo")),
        Files.readString(Path.of("/proc/self/cgroup")));
  }

  /**
   * Classifies a mountinfo text and a /proc/PID/cgroup text.
   *
   * @param mountinfo the text of /proc/PID/mountinfo
   * @param procCgroup the text of /proc/PID/cgroup
   * @return the classified layout
   * @throws CgroupException when no cgroup hierarchy is mounted
   */
  public static CgroupEnvironment parse(String mountinfo, String procCgroup) throws CgroupException {
    Mount unified = null;
    Map<String, Mount> v1 = new LinkedHashMap<>();
    for (String line : mountinfo.split("\n")) {
      int sep = line.indexOf(" - ");
      if (sep < 0) {
        continue;
      }
      String[] pre = line.substring(0, sep).split(" ");
      String[] post = line.substring(sep + 3).split(" ");
      if (pre.length < 5 || post.length < 3) {
        continue;
      }
      Mount m = new Mount(Path.of(ProcFiles.unescapeMountinfo(pre[4])), ProcFiles.unescapeMountinfo(pre[3]));
      if (post[0].equals("cgroup2")) {
        if (unified == null) {
          unified = m;
        }
      } else if (post[0].equals("cgroup")) {
        for (String opt : post[2].split(",")) {
          if (V1_CONTROLLERS.contains(opt)) {
            v1.putIfAbsent(opt, m);
          }
        }
      }
    }
    String ownUnified = null;
    Map<String, String> ownV1 = new LinkedHashMap<>();
    for (String line : procCgroup.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length < 3) {
        continue;
      }
      if (f[0].equals("0") && f[1].isEmpty()) {
        ownUnified = f[2];
      } else {
        for (String c : f[1].split(",")) {
          if (V1_CONTROLLERS.contains(c)) {
            ownV1.put(c, f[2]);
          }
        }
      }
    }
    CgroupHierarchy h;
    if (!v1.isEmpty()) {
      h = unified != null ? CgroupHierarchy.HYBRID : CgroupHierarchy.LEGACY;
    } else if (unified != null) {
      h = CgroupHierarchy.UNIFIED;
    } else {
      throw new CgroupException("no cgroup hierarchy is mounted (no cgroup or cgroup2 in mountinfo)");
    }
    v1.keySet().retainAll(ownV1.keySet());
    return new CgroupEnvironment(h, Optional.ofNullable(unified), v1,
        Optional.ofNullable(unified == null ? null : ownUnified == null ? "/" : ownUnified), ownV1);
  }



  /** {@return the host's layout} */
  public CgroupHierarchy hierarchy() {
    return hierarchy;
  }

  /** {@return the cgroup2 mount, if any} */
  public Optional<Mount> unifiedMount() {
    return unified;
  }

  /** {@return the v1 controller mounts, controller name to mount} */
  public Map<String, Mount> v1Mounts() {
    return v1;
  }

  /** {@return the calling process's cgroup path in the v2 hierarchy, if one is mounted} */
  public Optional<String> ownUnifiedCgroup() {
    return ownUnified;
  }

  /** {@return the calling process's cgroup path per v1 controller} */
  public Map<String, String> ownV1Cgroups() {
    return ownV1;
  }

  /**
   * {@return the directory of the calling process's own v2 cgroup, if a v2 hierarchy is mounted}
   */
  public Optional<Path> ownUnifiedDirectory() {
    return unified.map(m -> m.directory(ownUnified.orElse("/")));
  }

  /**
   * {@return the directory of the calling process's own cgroup for v1 {@code controller}, if
   * mounted}
   *
   * @param controller a v1 controller name, as {@code "memory"}
   */
  public Optional<Path> ownV1Directory(String controller) {
    Mount m = v1.get(controller);
    return m == null ? Optional.empty() : Optional.of(m.directory(ownV1.getOrDefault(controller, "/")));
  }

  @Override
  public String toString() {
    return "CgroupEnvironment{" + hierarchy + " unified=" + unified + " own=" + ownUnified + " v1="
        + v1.keySet() + " ownV1=" + ownV1 + "}";
  }
}
