package dev.containerj.cgroups;

import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a cgroup's accounting, read from the kernel by {@link Cgroup#stats()}. A value the
 * host does not report (a controller not bound, a file older kernels lack) is empty, never zero.
 *
 * @param memory memory.current/peak/stat/events, or v1 usage_in_bytes/max_usage_in_bytes/oom_control
 * @param cpu cpu.stat, or v1 cpuacct usage and cpu.stat throttling
 * @param pids pids.current/peak
 * @param io io.stat (v2) or blkio.throttle.io_service_bytes/io_serviced (v1), per device
 * @param pressure PSI per resource, where the host has it (cgroup v2 files, also on hybrid hosts)
 */
public record CgroupStats(
    Memory memory, Cpu cpu, Pids pids, Map<String, Map<String, Long>> io,
    Map<PressureResource, Pressure> pressure) {

  /**
   * Defensive copies.
   *
   * @param memory memory.current/peak/stat/events, or v1
   *     usage_in_bytes/max_usage_in_bytes/oom_control
   * @param cpu cpu.stat, or v1 cpuacct usage and cpu.stat throttling
   * @param pids pids.current/peak
   * @param io io.stat (v2) or blkio.throttle.io_service_bytes/io_serviced (v1), per device
   * @param pressure PSI per resource, where the host has it (cgroup v2 files, also on hybrid hosts)
   */
  public CgroupStats {
    io = Map.copyOf(io);
    pressure = Map.copyOf(pressure);
  }

  /**
   * Memory accounting.
   *
   * @param current bytes in use now
   * @param peak the highest usage seen (v2 memory.peak from Linux 5.19, v1 max_usage_in_bytes)
   * @param oomEvents times the limit was hit and the OOM killer invoked (v2 "oom"; v1 failcnt is not
   *     the same and is reported in {@code stat} as "failcnt")
   * @param oomKills processes killed by the OOM killer in this cgroup ("oom_kill")
   * @param stat memory.stat, key to value
   */
  public record Memory(OptionalLong current, OptionalLong peak, OptionalLong oomEvents,
      OptionalLong oomKills, Map<String, Long> stat) {
    /**
     * Defensive copy.
     *
     * @param current bytes in use now
     * @param peak the highest usage seen (v2 memory.peak from Linux 5.19, v1 max_usage_in_bytes)
     * @param oomEvents times the limit was hit and the OOM killer invoked (v2 "oom"; v1 failcnt is
     *     not the same and is reported in {@code stat} as "failcnt")
     * @param oomKills processes killed by the OOM killer in this cgroup ("oom_kill")
     * @param stat memory.stat, key to value
     */
    public Memory {
      stat = Map.copyOf(stat);
    }
  }

  /**
   * CPU accounting, in microseconds.
   *
   * @param usageMicros total CPU time used
   * @param userMicros user time
   * @param systemMicros system time
   * @param periods CFS periods elapsed with a quota set
   * @param throttledPeriods periods in which the quota ran out
   * @param throttledMicros time spent throttled
   */
  public record Cpu(OptionalLong usageMicros, OptionalLong userMicros, OptionalLong systemMicros,
      OptionalLong periods, OptionalLong throttledPeriods, OptionalLong throttledMicros) {}

  /**
   * Task counts.
   *
   * @param current tasks now
   * @param peak the highest count seen (pids.peak, Linux 6.1)
   */
  public record Pids(OptionalLong current, OptionalLong peak) {}

  /**
   * One pressure file: {@code some} and {@code full} lines.
   *
   * @param some at least one task stalled
   * @param full all non-idle tasks stalled at once; null where the kernel has no full line
   */
  public record Pressure(PressureLine some, @Nullable PressureLine full) {}

  /**
   * One PSI line.
   *
   * @param avg10 percentage of time stalled over the last 10 s
   * @param avg60 over 60 s
   * @param avg300 over 300 s
   * @param totalMicros total stall time
   */
  public record PressureLine(double avg10, double avg60, double avg300, long totalMicros) {}
}
