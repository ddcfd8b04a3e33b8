package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupEnvironment;
import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Picks the manager for a host's hierarchy version; the entry point of {@link CgroupManager.Builder}. */
public final class Managers {
  private Managers() {}

  /** The manager for {@code env} on the real filesystem. */
  public static CgroupManager create(CgroupEnvironment env, Optional<String> parent,
      boolean enableControllers, Optional<String> leaf) throws IOException {
    return create(env, parent, enableControllers, leaf, CgroupFs.real(), DeviceResolver.real());
  }

  static BaseManager create(CgroupEnvironment env, Optional<String> parent, boolean enableControllers,
      Optional<String> leaf, CgroupFs fs, DeviceResolver devices) {
    if (env.hierarchy() == CgroupHierarchy.UNIFIED) {
      CgroupEnvironment.Mount m = env.unifiedMount().orElseThrow();
      Path dir = parent.map(m::directory).orElseGet(() -> env.ownUnifiedDirectory().orElseThrow());
      if (parent.isEmpty() && leaf.isPresent() && dir.getFileName() != null
          && dir.getFileName().toString().equals(leaf.get()) && dir.getParent() != null) {
        // This process sits in a leaf that an earlier manager (this JVM's parent JVM, say) moved
        // its cgroup's processes into: the cgroups belong next to the leaf, not below it, or every
        // generation of JVMs would move everyone one leaf deeper.
        dir = dir.getParent();
      }
      return new V2Manager(fs, devices, dir, enableControllers, leaf);
    }
    Map<String, Path> parents = new LinkedHashMap<>();
    env.unifiedMount().ifPresent(m -> parents.put(Member.UNIFIED,
        parent.map(m::directory).orElseGet(() -> env.ownUnifiedDirectory().orElseThrow())));
    for (Map.Entry<String, CgroupEnvironment.Mount> e : env.v1Mounts().entrySet()) {
      parents.put(e.getKey(), parent.map(e.getValue()::directory)
          .orElseGet(() -> env.ownV1Directory(e.getKey()).orElseThrow()));
    }
    return new HybridManager(env.hierarchy(), fs, devices, parents);
  }
}
