package dev.containerj.cgroups;

import dev.containerj.linux.InvalidValueException;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a device allow-list ({@link CgroupLimits#deviceAllowList()}): which device nodes a
 * cgroup's processes may open or create. Written as the v1 devices controller spells it, {@code
 * "c 1:3 rwm"} (Documentation/admin-guide/cgroup-v1/devices.rst); on cgroup v2 the same rules become
 * a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program.
 *
 * @param type {@code 'c'} (character), {@code 'b'} (block) or {@code 'a'} (both)
 * @param major the major number (0..4095), or {@link #ANY}
 * @param minor the minor number (0..1048575), or {@link #ANY}
 * @param access a non-empty subset of {@code "rwm"}: read, write, mknod
 */
public record DeviceRule(char type, long major, long minor, String access) {
  /** A wildcard major or minor number, {@code *} in the v1 syntax. */
  public static final long ANY = -1;

  /**
   * Checks every field.
   *
   * @param type {@code 'c'} (character), {@code 'b'} (block) or {@code 'a'} (both)
   * @param major the major number (0..4095), or {@link #ANY}
   * @param minor the minor number (0..1048575), or {@link #ANY}
   * @param access a non-empty subset of {@code "rwm"}: read, write, mknod
   * @throws InvalidValueException naming each field that breaks its rule, with its value
   */
  public DeviceRule {
    List<InvalidValueException.Violation> v = new ArrayList<>();
    if (type != 'c' && type != 'b' && type != 'a') {
      v.add(new InvalidValueException.Violation("device rule type", "'" + type + "'", "must be c, b or a"));
    }
    // The kernel's dev_t has 12 bits of major and 20 of minor (include/linux/kdev_t.h).
    if (major < ANY || major > 4095) {
      v.add(new InvalidValueException.Violation("device rule major", Long.toString(major), "must be ANY (-1) or in 0..4095"));
    }
    if (minor < ANY || minor > 1048575) {
      v.add(new InvalidValueException.Violation("device rule minor", Long.toString(minor), "must be ANY (-1) or in 0..1048575"));
    }
    if (access == null || access.isEmpty() || !access.matches("r?w?m?")) {
      v.add(new InvalidValueException.Violation("device rule access", "\"" + access + "\"",
          "must be a non-empty subset of \"rwm\" in that order"));
    }
    if (!v.isEmpty()) {
      throw new InvalidValueException(v);
    }
  }

  /**
   * {@return a character device, as {@code DeviceRule.chr(1, 3, "rwm")} for /dev/null}
   *
   * @param major the major number, or {@link #ANY}
   * @param minor the minor number, or {@link #ANY}
   * @param access a non-empty subset of {@code "rwm"}
   */
  public static DeviceRule chr(long major, long minor, String access) {
    return new DeviceRule('c', major, minor, access);
  }

  /**
   * {@return the allow-list a container gets by default: only the nodes ContainerJ binds into its
   * /dev (null 1:3, zero 1:5, full 1:7, random 1:8, urandom 1:9, tty 5:0, ptmx 5:2 and the ptys of
   * its devpts, 136:*), read and write, no mknod} runc's default list is the same set plus mknod of
   * any node, which a container here cannot use (its /dev and image layers are nodev).
   */
  public static List<DeviceRule> containerDefaults() {
    return DEFAULTS;
  }

  private static final List<DeviceRule> DEFAULTS = List.of(chr(1, 3, "rw"), chr(1, 5, "rw"),
      chr(1, 7, "rw"), chr(1, 8, "rw"), chr(1, 9, "rw"), chr(5, 0, "rw"), chr(5, 2, "rw"),
      chr(136, ANY, "rw"));

  /** The v1 syntax, as {@code "c 136:* rw"}. */
  @Override
  public String toString() {
    return type + " " + (major == ANY ? "*" : Long.toString(major)) + ":"
        + (minor == ANY ? "*" : Long.toString(minor)) + " " + access;
  }
}
