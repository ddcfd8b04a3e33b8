package dev.containerj.cgroups;

import dev.containerj.linux.InvalidValueException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The resource limits of one cgroup, applied in one call by {@link CgroupManager#create(String,
 * CgroupLimits)} or {@link Cgroup#update(CgroupLimits)}. Plain declarative data; an unset field
 * leaves the kernel's default (unlimited). Immutable; build with {@link #builder()}.
 *
 * <p>Every field maps to a cgroup v2 file and, on v1 hosts, to its v1 counterpart. A field the host
 * cannot enforce (a v2-only field on v1, a controller that is not mounted or delegated) makes the
 * operation fail with {@link UnsupportedLimitException}; it is never dropped silently.
 *
 * <p>{@link Builder#build()} checks every field and reports all violations at once, as {@code
 * "memoryMax must be > 0: -1; cpuWeight must be in 1..10000: 0"}.
 */
public final class CgroupLimits {
  /** The CFS period used when only {@code cpus} is given: 100 ms, as Docker and the kernel default. */
  public static final long DEFAULT_CPU_PERIOD_MICROS = 100_000;

  /**
   * The {@link #pidsMax()} value that means an explicit "no limit": pids.max is written {@code max}
   * (set it with {@link Builder#pidsUnlimited()}). Unlike an unset field, it tells a caller that
   * adds a default limit (as container-core does) that the user asked for none.
   */
  public static final long PIDS_UNLIMITED = Long.MAX_VALUE;

  private static final CgroupLimits NONE = builder().build();
  private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
  private static final Pattern PAGE_SIZE = Pattern.compile("\\d+(KB|MB|GB)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg]?)b?", Pattern.CASE_INSENSITIVE);

  // memory: memory.max / limit_in_bytes, bytes
  private final OptionalLong memoryMax;
  // memory: memory.high (v2 only), bytes; throttling above it
  private final OptionalLong memoryHigh;
  // memory: memory.low (v2 only), bytes; best-effort protection
  private final OptionalLong memoryLow;
  // memory: memory.min (v2 only), bytes; hard protection
  private final OptionalLong memoryMin;
  // memory: memory.swap.max, bytes of swap (not memory+swap); v1 writes memsw = max + swap
  private final OptionalLong memorySwapMax;
  // memory: memory.oom.group (v2 only); the OOM killer kills the whole cgroup
  private final boolean oomGroup;
  // cpu: cpu.max quota / cfs_quota_us, microseconds per period
  private final OptionalLong cpuQuotaMicros;
  // cpu: cpu.max period / cfs_period_us, microseconds
  private final OptionalLong cpuPeriodMicros;
  // cpu: number of CPUs' worth of time (--cpus 1.5), turned into a quota
  private final OptionalDouble cpus;
  // cpu: cpu.weight 1..10000 (v1: cpu.shares converted as crun converts)
  private final OptionalLong cpuWeight;
  // pids: pids.max; PIDS_UNLIMITED writes "max"
  private final OptionalLong pidsMax;
  // devices: deny every device node but these (v1 devices.deny/allow, v2 a BPF device program)
  private final Optional<List<DeviceRule>> deviceAllowList;
  // io: io.max / blkio.throttle.*, per device
  private final List<IoDeviceLimit> ioLimits;
  // io: io.weight default 1..10000 (v2 only here)
  private final OptionalLong ioWeight;
  // cpuset: cpuset.cpus, as "0-2,4"
  private final Optional<String> cpusetCpus;
  // cpuset: cpuset.mems, as "0"
  private final Optional<String> cpusetMems;
  // hugetlb: hugetlb.<size>.max / limit_in_bytes, page size ("2MB") -> bytes
  private final Map<String, Long> hugetlb;

  private CgroupLimits(Builder b) {
    memoryMax = b.memoryMax;
    memoryHigh = b.memoryHigh;
    memoryLow = b.memoryLow;
    memoryMin = b.memoryMin;
    memorySwapMax = b.memorySwapMax;
    oomGroup = b.oomGroup;
    cpuQuotaMicros = b.cpuQuotaMicros;
    cpuPeriodMicros = b.cpuPeriodMicros;
    cpus = b.cpus;
    cpuWeight = b.cpuWeight;
    pidsMax = b.pidsMax;
    deviceAllowList = b.deviceAllowList;
    ioLimits = List.copyOf(b.ioLimits);
    ioWeight = b.ioWeight;
    cpusetCpus = b.cpusetCpus;
    cpusetMems = b.cpusetMems;
    hugetlb = Collections.unmodifiableMap(new LinkedHashMap<>(b.hugetlb));
  }

  /** {@return a new builder with nothing set} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return no limits at all: the cgroup is used for membership, stats, freezing and killing} */
  public static CgroupLimits none() {
    return NONE;
  }

  /** {@return a builder holding this value's fields} */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * {@return hard memory limit in bytes (v2 memory.max, v1 memory.limit_in_bytes); over it, OOM
   * kill}
   */
  public OptionalLong memoryMax() {
    return memoryMax;
  }

  /** {@return memory throttling threshold in bytes (v2 memory.high only)} */
  public OptionalLong memoryHigh() {
    return memoryHigh;
  }

  /** {@return best-effort memory protection in bytes (v2 memory.low only)} */
  public OptionalLong memoryLow() {
    return memoryLow;
  }

  /** {@return hard memory protection in bytes (v2 memory.min only)} */
  public OptionalLong memoryMin() {
    return memoryMin;
  }

  /**
   * {@return swap limit in bytes, swap only (v2 memory.swap.max); 0 forbids swap} On v1 it needs
   * {@link #memoryMax()} and is written as memory.memsw.limit_in_bytes = memoryMax + memorySwapMax.
   */
  public OptionalLong memorySwapMax() {
    return memorySwapMax;
  }

  /** {@return whether an OOM kill takes the whole cgroup (v2 memory.oom.group only)} */
  public boolean oomGroup() {
    return oomGroup;
  }

  /** {@return CPU time quota per period in microseconds, if set directly} */
  public OptionalLong cpuQuotaMicros() {
    return cpuQuotaMicros;
  }

  /** {@return CPU period in microseconds, if set} */
  public OptionalLong cpuPeriodMicros() {
    return cpuPeriodMicros;
  }

  /**
   * {@return CPUs' worth of time ({@code --cpus 1.5}), if set; turned into a quota over the period}
   */
  public OptionalDouble cpus() {
    return cpus;
  }

  /**
   * {@return the quota actually written, in microseconds: {@link #cpuQuotaMicros()}, else {@code
   * cpus * period} rounded, else empty (unlimited)}
   */
  public OptionalLong effectiveCpuQuotaMicros() {
    if (cpuQuotaMicros.isPresent()) {
      return cpuQuotaMicros;
    }
    if (cpus.isPresent()) {
      return OptionalLong.of(Math.round(cpus.getAsDouble() * effectiveCpuPeriodMicros()));
    }
    return OptionalLong.empty();
  }

  /**
   * {@return the period actually written: {@link #cpuPeriodMicros()} or {@link
   * #DEFAULT_CPU_PERIOD_MICROS}}
   */
  public long effectiveCpuPeriodMicros() {
    return cpuPeriodMicros.orElse(DEFAULT_CPU_PERIOD_MICROS);
  }

  /** {@return relative CPU weight 1..10000 (v2 cpu.weight; v1 cpu.shares as crun converts)} */
  public OptionalLong cpuWeight() {
    return cpuWeight;
  }

  /**
   * {@return maximum number of tasks (pids.max); {@link #PIDS_UNLIMITED} when explicitly unlimited}
   */
  public OptionalLong pidsMax() {
    return pidsMax;
  }

  /**
   * {@return the device policy, if any: every device node is denied (open, read, write and mknod)
   * but those the rules allow} Enforced by the kernel: the v1 devices controller, or on cgroup v2 a
   * {@code BPF_PROG_TYPE_CGROUP_DEVICE} program attached to the cgroup (which needs CAP_SYS_ADMIN
   * or CAP_BPF). Empty: no policy (the parent's applies).
   */
  public Optional<List<DeviceRule>> deviceAllowList() {
    return deviceAllowList;
  }

  /** {@return per-device I/O throttling} */
  public List<IoDeviceLimit> ioLimits() {
    return ioLimits;
  }

  /** {@return relative I/O weight 1..10000 (v2 io.weight)} */
  public OptionalLong ioWeight() {
    return ioWeight;
  }

  /** {@return CPUs the cgroup may run on, as {@code "0-2,4"} (cpuset.cpus)} */
  public Optional<String> cpusetCpus() {
    return cpusetCpus;
  }

  /** {@return memory nodes the cgroup may allocate from, as {@code "0"} (cpuset.mems)} */
  public Optional<String> cpusetMems() {
    return cpusetMems;
  }

  /** {@return huge page limits: page size ({@code "2MB"}, {@code "1GB"}) to bytes} */
  public Map<String, Long> hugetlb() {
    return hugetlb;
  }

  /** {@return whether any memory field is set} */
  public boolean hasMemory() {
    return memoryMax.isPresent() || memoryHigh.isPresent() || memoryLow.isPresent()
        || memoryMin.isPresent() || memorySwapMax.isPresent() || oomGroup;
  }

  /** {@return whether any cpu (not cpuset) field is set} */
  public boolean hasCpu() {
    return cpuQuotaMicros.isPresent() || cpuPeriodMicros.isPresent() || cpus.isPresent()
        || cpuWeight.isPresent();
  }

  /** {@return whether any io field is set} */
  public boolean hasIo() {
    return !ioLimits.isEmpty() || ioWeight.isPresent();
  }

  /** {@return whether any cpuset field is set} */
  public boolean hasCpuset() {
    return cpusetCpus.isPresent() || cpusetMems.isPresent();
  }

  /** {@return whether nothing is set} */
  public boolean isEmpty() {
    return equals(NONE);
  }

  /**
   * Parses a size as Docker's flags take it: {@code "64m"}, {@code "1g"}, {@code "512k"}, {@code
   * "100"} (bytes). The one size rule of the library and the {@code containerj} tool: a positive
   * decimal number of bytes, optionally followed by {@code k}, {@code m} or {@code g} (binary units,
   * any case) and a {@code b}. Refused: 0 (a limit of nothing; "unlimited" is said by leaving the
   * limit out), {@code t} and larger units, blanks, fractions, and sizes beyond 63 bits.
   *
   * @param text a size, as {@code "512m"}
   * @return the size in bytes
   * @throws InvalidValueException naming the text and the rule when it is not a size
   */
  public static long parseBytes(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new InvalidValueException("size", "\"" + text + "\"",
          "must be a number of bytes > 0 with optional k, m or g, as 64m, 1g, 512k, 100");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      default -> 0;
    };
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      n = -1; // more digits than a long holds
    }
    if (n == 0) {
      throw new InvalidValueException("size", "\"" + text + "\"", "must be a number of bytes > 0");
    }
    if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
      throw new InvalidValueException("size", "\"" + text + "\"", "must be at most 2^63-1 bytes");
    }
    return n << shift;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CgroupLimits)) {
      return false;
    }
    CgroupLimits x = (CgroupLimits) o;
    return memoryMax.equals(x.memoryMax) && memoryHigh.equals(x.memoryHigh)
        && memoryLow.equals(x.memoryLow) && memoryMin.equals(x.memoryMin)
        && memorySwapMax.equals(x.memorySwapMax) && oomGroup == x.oomGroup
        && cpuQuotaMicros.equals(x.cpuQuotaMicros) && cpuPeriodMicros.equals(x.cpuPeriodMicros)
        && cpus.equals(x.cpus) && cpuWeight.equals(x.cpuWeight) && pidsMax.equals(x.pidsMax)
        && deviceAllowList.equals(x.deviceAllowList)
        && ioLimits.equals(x.ioLimits) && ioWeight.equals(x.ioWeight)
        && cpusetCpus.equals(x.cpusetCpus) && cpusetMems.equals(x.cpusetMems)
        && hugetlb.equals(x.hugetlb);
  }

  @Override
  public int hashCode() {
    return Objects.hash(memoryMax, memoryHigh, memoryLow, memoryMin, memorySwapMax, oomGroup,
        cpuQuotaMicros, cpuPeriodMicros, cpus, cpuWeight, pidsMax, deviceAllowList, ioLimits, ioWeight,
        cpusetCpus, cpusetMems, hugetlb);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("CgroupLimits{");
    append(sb, "memoryMax", memoryMax);
    append(sb, "memoryHigh", memoryHigh);
    append(sb, "memoryLow", memoryLow);
    append(sb, "memoryMin", memoryMin);
    append(sb, "memorySwapMax", memorySwapMax);
    if (oomGroup) {
      sb.append("oomGroup=true ");
    }
    append(sb, "cpuQuotaMicros", cpuQuotaMicros);
    append(sb, "cpuPeriodMicros", cpuPeriodMicros);
    cpus.ifPresent(v -> sb.append("cpus=").append(v).append(' '));
    append(sb, "cpuWeight", cpuWeight);
    if (pidsMax.isPresent() && pidsMax.getAsLong() == PIDS_UNLIMITED) {
      sb.append("pidsMax=max ");
    } else {
      append(sb, "pidsMax", pidsMax);
    }
    deviceAllowList.ifPresent(v -> sb.append("deviceAllowList=").append(v).append(' '));
    if (!ioLimits.isEmpty()) {
      sb.append("ioLimits=").append(ioLimits).append(' ');
    }
    append(sb, "ioWeight", ioWeight);
    cpusetCpus.ifPresent(v -> sb.append("cpusetCpus=").append(v).append(' '));
    cpusetMems.ifPresent(v -> sb.append("cpusetMems=").append(v).append(' '));
    if (!hugetlb.isEmpty()) {
      sb.append("hugetlb=").append(hugetlb).append(' ');
    }
    return sb.toString().strip() + "}";
  }

  private static void append(StringBuilder sb, String name, OptionalLong v) {
    v.ifPresent(x -> sb.append(name).append('=').append(x).append(' '));
  }

  /**
   * Builds {@link CgroupLimits}. Setters record values; {@link #build()} checks them all together.
   */
  public static final class Builder {
    private OptionalLong memoryMax = OptionalLong.empty();
    private OptionalLong memoryHigh = OptionalLong.empty();
    private OptionalLong memoryLow = OptionalLong.empty();
    private OptionalLong memoryMin = OptionalLong.empty();
    private OptionalLong memorySwapMax = OptionalLong.empty();
    private boolean oomGroup;
    private OptionalLong cpuQuotaMicros = OptionalLong.empty();
    private OptionalLong cpuPeriodMicros = OptionalLong.empty();
    private OptionalDouble cpus = OptionalDouble.empty();
    private OptionalLong cpuWeight = OptionalLong.empty();
    private OptionalLong pidsMax = OptionalLong.empty();
    private Optional<List<DeviceRule>> deviceAllowList = Optional.empty();
    private final List<IoDeviceLimit> ioLimits = new ArrayList<>();
    private OptionalLong ioWeight = OptionalLong.empty();
    private Optional<String> cpusetCpus = Optional.empty();
    private Optional<String> cpusetMems = Optional.empty();
    private final Map<String, Long> hugetlb = new LinkedHashMap<>();

    private Builder() {}

    private Builder(CgroupLimits l) {
      memoryMax = l.memoryMax;
      memoryHigh = l.memoryHigh;
      memoryLow = l.memoryLow;
      memoryMin = l.memoryMin;
      memorySwapMax = l.memorySwapMax;
      oomGroup = l.oomGroup;
      cpuQuotaMicros = l.cpuQuotaMicros;
      cpuPeriodMicros = l.cpuPeriodMicros;
      cpus = l.cpus;
      cpuWeight = l.cpuWeight;
      pidsMax = l.pidsMax;
      deviceAllowList = l.deviceAllowList;
      ioLimits.addAll(l.ioLimits);
      ioWeight = l.ioWeight;
      cpusetCpus = l.cpusetCpus;
      cpusetMems = l.cpusetMems;
      hugetlb.putAll(l.hugetlb);
    }

    /**
     * Hard memory limit in bytes (&gt; 0).
     *
     * @param bytes hard memory limit in bytes (&gt; 0)
     * @return this builder
     */
    public Builder memoryMax(long bytes) {
      memoryMax = OptionalLong.of(bytes);
      return this;
    }

    /**
     * Memory throttling threshold in bytes (&gt; 0, &lt;= memoryMax); cgroup v2 only.
     *
     * @param bytes memory throttling threshold in bytes (&gt; 0, &lt;= memoryMax); cgroup v2 only
     * @return this builder
     */
    public Builder memoryHigh(long bytes) {
      memoryHigh = OptionalLong.of(bytes);
      return this;
    }

    /**
     * Best-effort memory protection in bytes (&gt; 0); cgroup v2 only.
     *
     * @param bytes best-effort memory protection in bytes (&gt; 0); cgroup v2 only
     * @return this builder
     */
    public Builder memoryLow(long bytes) {
      memoryLow = OptionalLong.of(bytes);
      return this;
    }

    /**
     * Hard memory protection in bytes (&gt; 0); cgroup v2 only.
     *
     * @param bytes hard memory protection in bytes (&gt; 0); cgroup v2 only
     * @return this builder
     */
    public Builder memoryMin(long bytes) {
      memoryMin = OptionalLong.of(bytes);
      return this;
    }

    /**
     * Swap allowed in bytes, swap only (&gt;= 0; 0 forbids swap).
     *
     * @param bytes swap allowed in bytes, not counting memory (&gt;= 0; 0 forbids swap)
     * @return this builder
     */
    public Builder memorySwapMax(long bytes) {
      memorySwapMax = OptionalLong.of(bytes);
      return this;
    }

    /**
     * Whether an OOM kill takes the whole cgroup; cgroup v2 only.
     *
     * @param on true for memory.oom.group 1
     * @return this builder
     */
    public Builder oomGroup(boolean on) {
      oomGroup = on;
      return this;
    }

    /**
     * CPU quota per period in microseconds (&gt;= 1000); exclusive with {@link #cpus(double)}.
     *
     * @param micros CPU quota per period in microseconds (&gt;= 1000); exclusive with {@link
     *     #cpus(double)}
     * @return this builder
     */
    public Builder cpuQuotaMicros(long micros) {
      cpuQuotaMicros = OptionalLong.of(micros);
      return this;
    }

    /**
     * CPU period in microseconds (1000..1000000); default 100000.
     *
     * @param micros CPU period in microseconds (1000..1000000); default 100000
     * @return this builder
     */
    public Builder cpuPeriodMicros(long micros) {
      cpuPeriodMicros = OptionalLong.of(micros);
      return this;
    }

    /**
     * CPUs' worth of time, as {@code --cpus 1.5} (&gt; 0, at most this machine's CPU count).
     *
     * @param cpus CPUs' worth of time, as {@code --cpus 1.5} (&gt; 0, at most this machine's CPU
     *     count)
     * @return this builder
     */
    public Builder cpus(double cpus) {
      this.cpus = OptionalDouble.of(cpus);
      return this;
    }

    /**
     * Relative CPU weight, 1..10000 (default of the kernel: 100).
     *
     * @param weight relative CPU weight, 1..10000 (default of the kernel: 100)
     * @return this builder
     */
    public Builder cpuWeight(long weight) {
      cpuWeight = OptionalLong.of(weight);
      return this;
    }

    /**
     * Maximum number of tasks (&gt; 0); {@link #pidsUnlimited()} for an explicit "no limit".
     *
     * @param max maximum number of tasks (&gt; 0); {@link #pidsUnlimited()} for an explicit "no
     *     limit"
     * @return this builder
     */
    public Builder pidsMax(long max) {
      pidsMax = OptionalLong.of(max);
      return this;
    }

    /**
     * An explicit "no limit" on tasks: pids.max {@code max} ({@link #PIDS_UNLIMITED}).
     *
     * @return this builder
     */
    public Builder pidsUnlimited() {
      pidsMax = OptionalLong.of(PIDS_UNLIMITED);
      return this;
    }

    /**
     * Denies every device node but those {@code rules} allow (an empty list denies all); {@code
     * null} removes the policy. See {@link CgroupLimits#deviceAllowList()}.
     *
     * @param rules the devices to allow, or null for no policy
     * @return this builder
     */
    public Builder deviceAllowList(@Nullable List<DeviceRule> rules) {
      deviceAllowList = rules == null ? Optional.empty() : Optional.of(List.copyOf(rules));
      return this;
    }

    /**
     * Adds throttling for one device; at most one entry per device.
     *
     * @param limit the throttling of one device
     * @return this builder
     */
    public Builder ioLimit(IoDeviceLimit limit) {
      ioLimits.add(Objects.requireNonNull(limit, "limit"));
      return this;
    }

    /**
     * Relative I/O weight, 1..10000.
     *
     * @param weight relative I/O weight, 1..10000
     * @return this builder
     */
    public Builder ioWeight(long weight) {
      ioWeight = OptionalLong.of(weight);
      return this;
    }

    /**
     * CPUs to run on, as {@code "0-2,4"}.
     *
     * @param cpus CPUs to run on, as {@code "0-2,4"}
     * @return this builder
     */
    public Builder cpusetCpus(String cpus) {
      cpusetCpus = Optional.of(cpus);
      return this;
    }

    /**
     * Memory nodes to allocate from, as {@code "0"}.
     *
     * @param mems memory nodes to allocate from, as {@code "0"}
     * @return this builder
     */
    public Builder cpusetMems(String mems) {
      cpusetMems = Optional.of(mems);
      return this;
    }

    /**
     * A huge page limit: page size as {@code "2MB"} or {@code "1GB"}, limit in bytes (&gt; 0).
     *
     * @param pageSize the huge page size, as {@code "2MB"}
     * @param bytes the limit in bytes (&gt; 0)
     * @return this builder
     */
    public Builder hugetlb(String pageSize, long bytes) {
      hugetlb.put(Objects.requireNonNull(pageSize, "pageSize"), bytes);
      return this;
    }

    /**
     * {@return the value}
     *
     * @throws InvalidValueException listing every violated rule, each naming the field, the value
     *     and the rule
     */
    public CgroupLimits build() {
      List<InvalidValueException.Violation> v = new ArrayList<>();
      positive(v, "memoryMax", memoryMax);
      positive(v, "memoryHigh", memoryHigh);
      positive(v, "memoryLow", memoryLow);
      positive(v, "memoryMin", memoryMin);
      if (memorySwapMax.isPresent() && memorySwapMax.getAsLong() < 0) {
        v.add(new InvalidValueException.Violation("memorySwapMax", Long.toString(memorySwapMax.getAsLong()), "must be >= 0"));
      }
      notAbove(v, "memoryHigh", memoryHigh, memoryMax);
      notAbove(v, "memoryLow", memoryLow, memoryMax);
      notAbove(v, "memoryMin", memoryMin, memoryMax);
      if (cpuQuotaMicros.isPresent() && cpuQuotaMicros.getAsLong() < 1000) {
        v.add(new InvalidValueException.Violation("cpuQuotaMicros", Long.toString(cpuQuotaMicros.getAsLong()),
            "must be >= 1000 (the kernel's minimum)"));
      }
      if (cpuPeriodMicros.isPresent()
          && (cpuPeriodMicros.getAsLong() < 1000 || cpuPeriodMicros.getAsLong() > 1_000_000)) {
        v.add(new InvalidValueException.Violation("cpuPeriodMicros", Long.toString(cpuPeriodMicros.getAsLong()), "must be in 1000..1000000"));
      }
      if (cpus.isPresent()) {
        double c = cpus.getAsDouble();
        int machine = Runtime.getRuntime().availableProcessors();
        if (!(c > 0) || Double.isInfinite(c)) {
          v.add(new InvalidValueException.Violation("cpus", Double.toString(c), "must be > 0"));
        } else if (c > machine) {
          v.add(new InvalidValueException.Violation("cpus", Double.toString(c), "must be <= " + machine + " (this machine's CPU count)"));
        } else if (Math.round(c * cpuPeriodMicros.orElse(DEFAULT_CPU_PERIOD_MICROS)) < 1000) {
          v.add(new InvalidValueException.Violation("cpus", Double.toString(c), "must give a quota >= 1000 us per period"));
        }
        if (cpuQuotaMicros.isPresent()) {
          v.add(new InvalidValueException.Violation("cpus", c + " and " + cpuQuotaMicros.getAsLong(), "and cpuQuotaMicros are exclusive"));
        }
      }
      range(v, "cpuWeight", cpuWeight, 1, 10_000);
      positive(v, "pidsMax", pidsMax);
      range(v, "ioWeight", ioWeight, 1, 10_000);
      List<String> devices = new ArrayList<>();
      for (IoDeviceLimit l : ioLimits) {
        if (devices.contains(l.device())) {
          v.add(new InvalidValueException.Violation("ioLimits", l.device(), "must name each device once"));
        }
        devices.add(l.device());
      }
      cpusetCpus.ifPresent(s -> {
        if (!CPU_LIST.matcher(s).matches()) {
          v.add(new InvalidValueException.Violation("cpusetCpus", "\"" + s + "\"", "must be a CPU list as \"0-2,4\""));
        }
      });
      cpusetMems.ifPresent(s -> {
        if (!CPU_LIST.matcher(s).matches()) {
          v.add(new InvalidValueException.Violation("cpusetMems", "\"" + s + "\"", "must be a node list as \"0\" or \"0-1\""));
        }
      });
      hugetlb.forEach((size, bytes) -> {
        if (!PAGE_SIZE.matcher(size).matches()) {
          v.add(new InvalidValueException.Violation("hugetlb page size", "\"" + size + "\"", "must be as \"2MB\" or \"1GB\""));
        }
        if (bytes <= 0) {
          v.add(new InvalidValueException.Violation("hugetlb[" + size + "]", Long.toString(bytes), "must be > 0"));
        }
      });
      if (!v.isEmpty()) {
        throw new InvalidValueException(v);
      }
      return new CgroupLimits(this);
    }

    private static void positive(List<InvalidValueException.Violation> v, String name, OptionalLong value) {
      if (value.isPresent() && value.getAsLong() <= 0) {
        v.add(new InvalidValueException.Violation(name, Long.toString(value.getAsLong()), "must be > 0"));
      }
    }

    private static void range(List<InvalidValueException.Violation> v, String name, OptionalLong value, long lo, long hi) {
      if (value.isPresent() && (value.getAsLong() < lo || value.getAsLong() > hi)) {
        v.add(new InvalidValueException.Violation(name, Long.toString(value.getAsLong()), "must be in " + lo + ".." + hi));
      }
    }

    private static void notAbove(List<InvalidValueException.Violation> v, String name, OptionalLong value, OptionalLong max) {
      if (value.isPresent() && max.isPresent() && value.getAsLong() > 0
          && value.getAsLong() > max.getAsLong() && max.getAsLong() > 0) {
        v.add(new InvalidValueException.Violation(name, Long.toString(value.getAsLong()),
            "must be <= memoryMax (" + max.getAsLong() + ")"));
      }
    }
  }
}
