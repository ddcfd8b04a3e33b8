package dev.containerj.cgroups;

import dev.containerj.linux.InvalidValueException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Throttling of one block device: bytes and operations per second, for reads and writes (cgroup v2
 * {@code io.max}, v1 {@code blkio.throttle.*_device}). The device is a {@code "major:minor"} pair or
 * the path of a block device node ({@code "/dev/sda"}); it is resolved, and must exist, when the
 * cgroup is created, before anything is written. Immutable; build with {@link #builder(String)}.
 */
public final class IoDeviceLimit {
  private static final Pattern MAJOR_MINOR = Pattern.compile("\\d+:\\d+");

  private final String device;
  private final OptionalLong readBps;
  private final OptionalLong writeBps;
  private final OptionalLong readIops;
  private final OptionalLong writeIops;

  private IoDeviceLimit(Builder b) {
    this.device = b.device;
    this.readBps = b.readBps;
    this.writeBps = b.writeBps;
    this.readIops = b.readIops;
    this.writeIops = b.writeIops;
  }

  /**
   * A builder for the limits of {@code device} ({@code "8:0"} or {@code "/dev/sda"}).
   *
   * @param device {@code "major:minor"} or a device node path
   * @return a builder with no limit set
   */
  public static Builder builder(String device) {
    return new Builder(device);
  }

  /** {@return the device as given: {@code "major:minor"} or a device node path} */
  public String device() {
    return device;
  }

  /** {@return read bytes per second, if limited} */
  public OptionalLong readBps() {
    return readBps;
  }

  /** {@return write bytes per second, if limited} */
  public OptionalLong writeBps() {
    return writeBps;
  }

  /** {@return read operations per second, if limited} */
  public OptionalLong readIops() {
    return readIops;
  }

  /** {@return write operations per second, if limited} */
  public OptionalLong writeIops() {
    return writeIops;
  }

  /** {@return a builder holding this value's fields} */
  public Builder toBuilder() {
    Builder b = new Builder(device);
    b.readBps = readBps;
    b.writeBps = writeBps;
    b.readIops = readIops;
    b.writeIops = writeIops;
    return b;
  }

  private List<InvalidValueException.Violation> violations(String field) {
    List<InvalidValueException.Violation> out = new ArrayList<>();
    if (device.isEmpty() || !(MAJOR_MINOR.matcher(device).matches() || device.startsWith("/"))) {
      out.add(new InvalidValueException.Violation(field + ".device", "\"" + device + "\"",
          "must be \"major:minor\" or an absolute device path"));
    }
    check(out, field + ".readBps", readBps);
    check(out, field + ".writeBps", writeBps);
    check(out, field + ".readIops", readIops);
    check(out, field + ".writeIops", writeIops);
    if (readBps.isEmpty() && writeBps.isEmpty() && readIops.isEmpty() && writeIops.isEmpty()) {
      out.add(new InvalidValueException.Violation(field, device, "must set at least one of readBps, writeBps, readIops, writeIops"));
    }
    return out;
  }

  private static void check(List<InvalidValueException.Violation> out, String name, OptionalLong v) {
    if (v.isPresent() && v.getAsLong() <= 0) {
      out.add(new InvalidValueException.Violation(name, Long.toString(v.getAsLong()), "must be > 0"));
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof IoDeviceLimit)) {
      return false;
    }
    IoDeviceLimit x = (IoDeviceLimit) o;
    return device.equals(x.device) && readBps.equals(x.readBps) && writeBps.equals(x.writeBps)
        && readIops.equals(x.readIops) && writeIops.equals(x.writeIops);
  }

  @Override
  public int hashCode() {
    return Objects.hash(device, readBps, writeBps, readIops, writeIops);
  }

  @Override
  public String toString() {
    return "IoDeviceLimit{" + device + " rbps=" + readBps + " wbps=" + writeBps + " riops=" + readIops
        + " wiops=" + writeIops + "}";
  }

  /** Builds an {@link IoDeviceLimit}. */
  public static final class Builder {
    private final String device;
    private OptionalLong readBps = OptionalLong.empty();
    private OptionalLong writeBps = OptionalLong.empty();
    private OptionalLong readIops = OptionalLong.empty();
    private OptionalLong writeIops = OptionalLong.empty();

    private Builder(String device) {
      this.device = Objects.requireNonNull(device, "device");
    }

    /**
     * Read bytes per second (&gt; 0).
     *
     * @param v read bytes per second (&gt; 0)
     * @return this builder
     */
    public Builder readBps(long v) {
      readBps = OptionalLong.of(v);
      return this;
    }

    /**
     * Write bytes per second (&gt; 0).
     *
     * @param v write bytes per second (&gt; 0)
     * @return this builder
     */
    public Builder writeBps(long v) {
      writeBps = OptionalLong.of(v);
      return this;
    }

    /**
     * Read operations per second (&gt; 0).
     *
     * @param v read operations per second (&gt; 0)
     * @return this builder
     */
    public Builder readIops(long v) {
      readIops = OptionalLong.of(v);
      return this;
    }

    /**
     * Write operations per second (&gt; 0).
     *
     * @param v write operations per second (&gt; 0)
     * @return this builder
     */
    public Builder writeIops(long v) {
      writeIops = OptionalLong.of(v);
      return this;
    }

    /**
     * {@return the value}
     *
     * @throws InvalidValueException listing every violation: a malformed device, a rate &lt;= 0, or
     *     no rate at all
     */
    public IoDeviceLimit build() {
      IoDeviceLimit v = new IoDeviceLimit(this);
      List<InvalidValueException.Violation> violations = v.violations("ioLimit(" + device + ")");
      if (!violations.isEmpty()) {
        throw new InvalidValueException(violations);
      }
      return v;
    }
  }
}
