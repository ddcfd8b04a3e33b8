package dev.containerj.core.internal;

import dev.containerj.cgroups.CgroupEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The v1 hierarchies a container sees under its {@code /sys/fs/cgroup} on a v1 or hybrid host, laid
 * out as Docker lays them out: one directory per hierarchy the container's cgroup is in, named as
 * the host's mount point ({@code memory}, {@code cpu,cpuacct}, {@code net_cls,net_prio}), with a
 * symbolic link per controller of a co-mounted hierarchy ({@code cpu -> cpu,cpuacct}). See
 * docs/architecture.md, "What a container sees of its cgroup".
 */
final class CgroupView {
  /**
   * One hierarchy of the view.
   *
   * @param directory its directory below /sys/fs/cgroup
   * @param options the mount options naming its controllers: mount(2) of a v1 hierarchy that exists
   *     must name exactly its controllers, or it fails with EBUSY
   * @param links the controllers that get a symbolic link to {@code directory}
   */
  record Hierarchy(String directory, String options, List<String> links) {}

  private CgroupView() {}

  /**
   * The hierarchies of a cgroup whose directories are {@code cgroupPaths} (as
   * {@code Cgroup.paths()}: controller to directory, plus "unified"), in a stable order; empty on a
   * pure v2 host or for a cgroup without v1 directories. {@code mounts}: the host's v1 hierarchies by
   * controller ({@link PlanHost#cgroupV1Mounts()}).
   */
  static List<Hierarchy> v1(Map<String, Path> cgroupPaths, Map<String, CgroupEnvironment.Mount> mounts) {
    Map<Path, TreeSet<String>> byMount = new TreeMap<>();
    for (Map.Entry<String, CgroupEnvironment.Mount> e : mounts.entrySet()) {
      byMount.computeIfAbsent(e.getValue().mountPoint(), k -> new TreeSet<>()).add(e.getKey());
    }
    TreeMap<String, Hierarchy> view = new TreeMap<>();
    for (String controller : cgroupPaths.keySet()) {
      CgroupEnvironment.Mount m = mounts.get(controller);
      if (m == null || m.mountPoint().getFileName() == null) {
        continue;
      }
      String directory = m.mountPoint().getFileName().toString();
      TreeSet<String> controllers = byMount.getOrDefault(m.mountPoint(), new TreeSet<>());
      List<String> links = new ArrayList<>();
      if (controllers.size() > 1) {
        for (String c : controllers) {
          if (!c.equals(directory)) {
            links.add(c);
          }
        }
      }
      view.putIfAbsent(directory, new Hierarchy(directory, String.join(",", controllers), List.copyOf(links)));
    }
    return List.copyOf(view.values());
  }
}
