package dev.containerj.core;

import dev.containerj.cgroups.CgroupManager;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.linux.internal.LibC;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a {@link ContainerRuntime} knows of its host: whose process it is (effective uid and gid, so
 * whether it runs rootless) and its cgroup manager. Detected once per runtime ({@link #detect()});
 * tests give a runtime a profile of their own ({@link #of}). The kernel's features (user and time
 * namespaces, mount_setattr, pidfd) are probed once per JVM by the layers below and checked by each
 * start against what its spec asks for.
 */
public final class HostProfile {
  private final int euid;
  private final int egid;
  private final Supplier<CgroupManager> cgroups;

  private HostProfile(int euid, int egid, Supplier<CgroupManager> cgroups) {
    this.euid = euid;
    this.egid = egid;
    this.cgroups = cgroups;
  }

  /**
   * {@return this process's profile: its effective ids, and the JVM's cgroup manager, discovered
   * when the first container that needs a cgroup starts (on a pure cgroup v2 host that discovery
   * moves this JVM's processes into a leaf cgroup {@code containerj-jvm}, as container engines do)}
   */
  public static HostProfile detect() {
    return new HostProfile(LibC.geteuid(), LibC.getegid(), ContainerStarter::cgroups);
  }

  /**
   * {@return a profile given by the caller (tests): the ids that the runtime's id maps use, and the
   * manager that creates its containers' cgroups}
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
    return new HostProfile(euid, egid, Objects.requireNonNull(cgroups, "cgroups"));
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
