package dev.containerj.core.internal;

import dev.containerj.cgroups.CgroupManager;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What one {@code ContainerRuntime} fixes for every start: where its state and images live, whose
 * process this is, where its cgroups go and which host ids a root JVM's containers get. Built by the
 * runtime; the starter reads nothing of the host that this record gives.
 *
 * @param store the state directory (its records, and its networks' leases under {@code networks/})
 * @param euid this process's effective uid (0: a root runtime; else rootless)
 * @param egid this process's effective gid
 * @param cgroups the cgroup manager, asked for only by starts that need a cgroup
 * @param rootIdBase the first host id of a root runtime's default map on the host's root
 * @param rootIdCount how many ids that map has
 * @param defaultBridge the bridge of specs that ask for bridge mode without naming one
 * @param reapOnStart whether the first start runs the orphan sweep in the background
 * @param host what the planner knows of the host: the runtime's {@code HostProfile}'s, detected
 *     once per runtime
 */
public record RuntimeConfig(StateStore store, int euid, int egid, Supplier<CgroupManager> cgroups,
    long rootIdBase, long rootIdCount, String defaultBridge, boolean reapOnStart, Supplier<PlanHost> host) {

  /** A configuration whose host facts are detected when a start first needs them. */
  public RuntimeConfig(StateStore store, int euid, int egid, Supplier<CgroupManager> cgroups,
      long rootIdBase, long rootIdCount, String defaultBridge, boolean reapOnStart) {
    this(store, euid, egid, cgroups, rootIdBase, rootIdCount, defaultBridge, reapOnStart,
        PlanHost.memoize(() -> PlanHost.detect(euid, egid)));
  }

  /** This configuration over another host profile's facts. */
  public RuntimeConfig withHost(Supplier<PlanHost> host) {
    return new RuntimeConfig(store, euid, egid, cgroups, rootIdBase, rootIdCount, defaultBridge, reapOnStart, host);
  }

  /** What the planner knows of this runtime's host. */
  public PlanHost planHost() {
    return host.get();
  }

  /** Whether this is an ordinary user's runtime. */
  public boolean rootless() {
    return euid != 0;
  }

  /** Where the networks' IPAM directories live: {@code STATE_ROOT/networks/NAME}. */
  public Path networksDir() {
    return store.root().resolve("networks");
  }
}
