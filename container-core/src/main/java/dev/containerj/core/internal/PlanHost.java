package dev.containerj.core.internal;

import dev.containerj.cgroups.CgroupEnvironment;
import dev.containerj.linux.internal.KernelFeatures;
import dev.containerj.namespaces.Capability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Everything the planner ({@link RootfsProgram}) knows of its host, read by the caller so that the
 * planner itself reads nothing: no euid, no mountinfo, no capability, no stat. A start gives it the
 * runtime's ({@code HostProfile}, detected once per runtime by {@link #detect}); golden tests give it a made-up host (root or rootless,
 * hybrid or pure cgroup v2) and compare the program it plans.
 *
 * @param euid the effective uid of the process that starts the helper
 * @param egid its effective gid
 * @param lastCap the highest capability number the kernel knows ({@code /proc/sys/kernel/cap_last_cap})
 * @param permittedCapabilities the starting process's permitted set, as a bit mask (without a user
 *     namespace a container can keep no more)
 * @param cgroup2 whether a cgroup2 hierarchy is mounted (unified or hybrid host)
 * @param cgroupV1Mounts the host's v1 hierarchies by controller; empty on a pure v2 host
 * @param hostRoot the host root's entries and mounts, for a writable host root's overlays
 * @param isDirectory whether a host path is a directory (masked paths, bind sources)
 */
public record PlanHost(int euid, int egid, int lastCap, long permittedCapabilities, boolean cgroup2,
    Map<String, CgroupEnvironment.Mount> cgroupV1Mounts, Supplier<HostRoot.Snapshot> hostRoot,
    Predicate<String> isDirectory) {

  public PlanHost {
    cgroupV1Mounts = Map.copyOf(cgroupV1Mounts);
  }

  /** Whether the starting process is an ordinary user. */
  public boolean rootless() {
    return euid != 0;
  }

  /**
   * This host, as the process with effective ids {@code euid} and {@code egid} sees it: read now, once
   * per runtime (its {@code HostProfile} keeps the result), since these facts change only when the
   * host is reconfigured. Directories under /proc and /sys are looked up once each per profile.
   */
  public static PlanHost detect(int euid, int egid) {
    ConcurrentHashMap<String, Boolean> kernelDirectories = new ConcurrentHashMap<>();
    Predicate<String> isDirectory = path -> {
      if (path.startsWith("/proc/") || path.startsWith("/sys/")) {
        // /proc and /sys show the same kinds of entries in every container
        return kernelDirectories.computeIfAbsent(path, k -> Files.isDirectory(Path.of(k)));
      }
      return Files.isDirectory(Path.of(path)); // a user's bind source: it may change between starts
    };
    KernelFeatures.CgroupLayout layout = KernelFeatures.cgroupLayout();
    return new PlanHost(euid, egid,
        (int) dev.containerj.linux.internal.ProcFiles.readLong("/proc/sys/kernel/cap_last_cap", Capability.values().length - 1),
        CallerCapabilities.permitted(),
        layout == KernelFeatures.CgroupLayout.UNIFIED || layout == KernelFeatures.CgroupLayout.HYBRID,
        v1Mounts(), HostRoot::snapshot, isDirectory);
  }

  private static Map<String, CgroupEnvironment.Mount> v1Mounts() {
    try {
      return CgroupEnvironment.detect().v1Mounts();
    } catch (IOException e) {
      return Map.of(); // no cgroup mounted: no cgroup either, nothing to show
    }
  }

  /** {@code source}, read on the first call only (thread-safe): a profile detected once. */
  public static Supplier<PlanHost> memoize(Supplier<PlanHost> source) {
    return new Supplier<>() {
      private volatile @org.jspecify.annotations.Nullable PlanHost value;

      @Override
      public PlanHost get() {
        PlanHost v = value;
        if (v == null) {
          synchronized (this) {
            v = value;
            if (v == null) {
              v = source.get();
              value = v;
            }
          }
        }
        return v;
      }
    };
  }
}
