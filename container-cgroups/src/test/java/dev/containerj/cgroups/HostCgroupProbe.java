package dev.containerj.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the kernel tests skip on, read straight from /proc/self/mountinfo and /proc/self/cgroup
 * (proc(5), cgroups(7)), never from {@link CgroupEnvironment}: a bug in the library's discovery
 * must fail the tests, not turn them into skips.
 */
public final class HostCgroupProbe {
  private HostCgroupProbe() {}

  /** The mount points of cgroup2 file systems. */
  public static List<Path> cgroup2Mounts() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.split(" - ", 2)[1].startsWith("cgroup2 "))
        .map(l -> Path.of(l.split(" ")[4]))
        .toList();
  }

  /** Whether a cgroup v1 hierarchy with {@code controller} is mounted. */
  public static boolean v1ControllerMounted(String controller) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(l -> l.split(" - ", 2)[1].split(" "))
        .anyMatch(f -> f[0].equals("cgroup") && Set.of(f[2].split(",")).contains(controller));
  }

  /** Pure cgroup v2: /sys/fs/cgroup itself is the cgroup2 mount and no v1 hierarchy is mounted. */
  public static boolean pureV2() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    boolean v1 = lines.stream().anyMatch(l -> l.split(" - ", 2)[1].startsWith("cgroup "));
    return !v1 && cgroup2Mounts().contains(Path.of("/sys/fs/cgroup"));
  }

  /** This process's cgroup v2 path ("0::/path" in /proc/self/cgroup), if it has one. */
  public static Optional<String> ownV2Cgroup() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
        .filter(l -> l.startsWith("0::"))
        .map(l -> l.substring(3))
        .findFirst();
  }
}
