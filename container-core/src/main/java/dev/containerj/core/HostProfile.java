package dev.containerj.core;

import dev.containerj.cgroups.CgroupManager;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.PlanHost;
import dev.containerj.linux.internal.LibC;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a {@link ContainerRuntime} knows of its host: whose process it is (effective uid and gid, so
 * whether it runs rootless), its cgroup manager, and the facts its containers' programs are planned
 * from (the highest capability number, this process's permitted capabilities, the cgroup layout and
 * v1 hierarchies, the host root's entries and mounts, which /proc and /sys paths are directories).
 * Detected once per runtime ({@link #detect()}, the planning facts on the first start); tests give a
 * runtime a profile of their own ({@link #of}). The kernel's features (user and time namespaces,
 * mount_setattr, pidfd) are probed once per JVM by the layers below and checked by each start
 * against what its spec asks for.
 */
public final class HostProfile {
  private final int euid;
  private final int egid;
  private final Supplier<CgroupManager> cgroups;
  private final Supplier<PlanHost> plan;

  private HostProfile(int euid, int egid, Supplier<CgroupManager> cgroups, Supplier<PlanHost> plan) {
    this.euid = euid;
    this.egid = egid;
    this.cgroups = cgroups;
    this.plan = plan;
  }

  /**
   * {@return this process's profile: its effective ids, and the JVM's cgroup manager, discovered
   * when the first container that needs a cgroup starts (on a pure cgroup v2 host that discovery
   * moves this JVM's processes into a leaf cgroup {@code containerj-jvm}, as container engines do)}
   */
  public static HostProfile detect() {
    int euid = LibC.geteuid();
    int egid = LibC.getegid();
    return new HostProfile(euid, egid, ContainerStarter::cgroups, PlanHost.memoize(() -> PlanHost.detect(euid, egid)));
  }

  /**
   * {@return a profile given by the caller (tests): the ids that the runtime's id maps use, and the
   * manager that creates its containers' cgroups; the planning facts are this host's, detected on
   * the first start}
   *
   * @param euid the effective uid the runtime maps from, 0 for root
   * @param egid the effective gid the runtime maps from
   * @param cgroups creates the cgroup manager when the runtime first needs one; not null
   * @throws SpecValidationException for a negative id
   */
  public static HostProfile of(int euid, int egid, Supplier<CgroupManager> cgroups) {
    if (euid < 0 || egid < 0) {
      throw SpecValidationException.of("euid/egid", euid + "/" + egid, "must be >= 0");
    }
    return new HostProfile(euid, egid, Objects.requireNonNull(cgroups, "cgroups"),
        PlanHost.memoize(() -> PlanHost.detect(euid, egid)));
  }

  /** A made-up host (tests): the planning facts and ids of {@code plan}, the cgroups of {@code cgroups}. */
  static HostProfile of(PlanHost plan, Supplier<CgroupManager> cgroups) {
    return new HostProfile(plan.euid(), plan.egid(), Objects.requireNonNull(cgroups, "cgroups"), () -> plan);
  }

  /** What the planner knows of this host; detected on the first call. */
  PlanHost plan() {
    return plan.get();
  }

  /** {@return the effective uid of the runtime's process} */
  public int euid() {
    return euid;
  }

  /** {@return the effective gid of the runtime's process} */
  public int egid() {
    return egid;
  }

  /**
   * {@return whether the runtime runs as an ordinary user (its containers then need a user
   * namespace)}
   */
  public boolean rootless() {
    return euid != 0;
  }

  /**
   * {@return the cgroup manager of the runtime's containers}
   *
   * @throws UnsupportedHostException when this host has no usable cgroup hierarchy, saying why
   */
  public CgroupManager cgroups() {
    return cgroups.get();
  }

  @Override
  public String toString() {
    return "HostProfile[euid " + euid + ", egid " + egid + "]";
  }
}
