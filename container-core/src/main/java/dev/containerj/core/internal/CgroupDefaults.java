package dev.containerj.core.internal;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.core.ContainerSpec;
import java.io.IOException;

/**
 * What a container's cgroup gets beyond the limits the user asked for: a device policy as root, and
 * a pids limit ({@link ContainerSpec.Builder#DEFAULT_PIDS_MAX}) where the host can enforce one.
 * The defaults are not user requests: a pids limit this host cannot enforce (rootless without a
 * delegated cgroup subtree) is left out, logged once per JVM, rather than failing the start. The
 * device policy is left out only by {@code privileged()}: as root a host that cannot enforce it
 * (neither a v1 devices hierarchy nor a cgroup v2 BPF device program) fails the start.
 */
public final class CgroupDefaults {
  private CgroupDefaults() {}

  /** The limits the cgroup of a container of {@code spec} gets; empty when it needs no cgroup. */
  public static CgroupLimits limits(ContainerSpec spec, boolean rootless) {
    CgroupLimits user = spec.limits();
    boolean devices = !rootless && !spec.privileged() && user.deviceAllowList().isEmpty();
    boolean pids = user.pidsMax().isEmpty() && PidsProbe.ENFORCEABLE;
    if (!devices && !pids) {
      return user;
    }
    CgroupLimits.Builder b = user.toBuilder();
    if (devices) {
      b.deviceAllowList(DeviceRule.containerDefaults());
    }
    if (pids) {
      b.pidsMax(ContainerSpec.Builder.DEFAULT_PIDS_MAX);
    }
    return b.build();
  }

  /** Whether {@code limits} carries the device policy {@link #limits} added (for error messages). */
  static boolean addedDevicePolicy(ContainerSpec spec, CgroupLimits limits) {
    return spec.limits().deviceAllowList().isEmpty() && limits.deviceAllowList().isPresent();
  }

  /** Asked once per JVM: the answer changes only when the host's cgroup setup does. */
  private static final class PidsProbe {
    static final boolean ENFORCEABLE = probe();

    private static boolean probe() {
      CgroupLimits pids = CgroupLimits.builder().pidsMax(ContainerSpec.Builder.DEFAULT_PIDS_MAX).build();
      try {
        ContainerStarter.cgroups().checkEnforceable(pids);
        return true;
      } catch (IOException | RuntimeException e) {
        System.getLogger("dev.containerj").log(System.Logger.Level.INFO, "containers start without the default "
            + "pids limit (" + ContainerSpec.Builder.DEFAULT_PIDS_MAX + ") in this JVM: this host cannot enforce it ("
            + e.getMessage() + "). An explicit limit (CgroupLimits pidsMax, --pids-limit) still fails the start"
            + " where it cannot be enforced");
        return false;
      }
    }
  }
}
