package dev.containerj.examples.cli;

import dev.containerj.core.MountSpec;
import dev.containerj.core.Network;
import dev.containerj.namespaces.Capability;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The text forms of the {@code run} options that the library has no parser for. Each method throws
 * {@link IllegalArgumentException} with a message naming the option, the rule and the value, which
 * the tool prints as its one-line error (exit 125).
 */
final class OptionParsers {
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?");
  private static final Pattern USER = Pattern.compile("(\\d+)(?::(\\d+))?");

  private OptionParsers() {}

  /** The user and group ids of {@code -u UID[:GID]}. */
  record User(long uid, long gid) {}

  /**
   * {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 1d}, or a number of seconds as
   * timeout(1) takes it ({@code 1.5}).
   */
  static Duration duration(String option, String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          option + " must be a number with unit ms, s, m, h or d (as 500ms, 10s, 2m): " + text);
    }
    String unit = m.group(2) == null ? "s" : m.group(2);
    BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (unit) {
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> 86_400_000_000_000L;
    });
    BigDecimal nanos = new BigDecimal(m.group(1)).multiply(nanosPerUnit);
    if (nanos.signum() <= 0) {
      throw new IllegalArgumentException(option + " must be > 0: " + text);
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException(option + " is too large: " + text);
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** {@code UID[:GID]}, numeric; the gid defaults to 0 as with {@code docker run -u 1000}. */
  static User user(String text) {
    Matcher m = USER.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("--user must be UID[:GID] with numeric ids: " + text);
    }
    try {
      return new User(Long.parseLong(m.group(1)), m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--user ids must fit in 64 bits: " + text, e);
    }
  }

  /**
   * {@code -e NAME=VALUE}, or {@code -e NAME} taking the value from {@code hostEnv} (skipped when
   * unset there, as docker does). Returns null when skipped.
   */
  static Map.@Nullable Entry<String, String> env(String text, Function<String, @Nullable String> hostEnv) {
    int eq = text.indexOf('=');
    if (eq >= 0) {
      return Map.entry(text.substring(0, eq), text.substring(eq + 1));
    }
    String value = hostEnv.apply(text);
    return value == null ? null : Map.entry(text, value);
  }

  /** {@code PATH[:OPTIONS]} with options {@code size=N[k|m|g]}, {@code rw}, {@code ro}, comma-separated. */
  static MountSpec tmpfs(String text) {
    int colon = text.indexOf(':');
    String target = colon < 0 ? text : text.substring(0, colon);
    if (target.isEmpty()) {
      throw new IllegalArgumentException("--tmpfs must be PATH[:size=N,ro]: " + text);
    }
    long size = 0;
    boolean readOnly = false;
    if (colon >= 0) {
      for (String opt : text.substring(colon + 1).split(",", -1)) {
        if (opt.equals("ro")) {
          readOnly = true;
        } else if (opt.equals("rw")) {
          readOnly = false;
        } else if (opt.startsWith("size=")) {
          size = size("--tmpfs size", opt.substring(5));
        } else {
          throw new IllegalArgumentException("--tmpfs options must be size=N[k|m|g], ro or rw: " + text);
        }
      }
    }
    return new MountSpec(MountSpec.Type.TMPFS, null, target, readOnly, size);
  }

  /** A byte count with an optional binary suffix, by the library's one rule ({@code CgroupLimits.parseBytes}). */
  static long size(String what, String text) {
    return withOption(what, text, dev.containerj.cgroups.CgroupLimits::parseBytes);
  }

  /**
   * The network of {@code --network}: {@code none}, {@code loopback}, {@code host}, {@code bridge}
   * (in any case), {@code bridge:NAME}, {@code container:ID} or a user-mode network (see {@link
   * #userMode}).
   */
  static Network network(String text) {
    Network.UserMode user = userMode(text);
    if (user != null) {
      return user;
    } else if (text.startsWith("container:") && text.length() > 10) {
      return Network.sharedWith(text.substring(10));
    } else if (text.startsWith("bridge:") && text.length() > 7) {
      return Network.bridge(text.substring(7));
    }
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "none" -> Network.none();
      case "loopback" -> Network.loopback();
      case "host" -> Network.host();
      case "bridge" -> Network.bridge();
      default -> throw new IllegalArgumentException(
          "--network must be none, loopback, bridge, bridge:NAME, container:ID, host, pasta, slirp4netns or user: " + text);
    };
  }

  /**
   * The user-mode network of {@code --network pasta|slirp4netns|user[:allow_host_loopback=true]}
   * (Podman's option name), or null when {@code text} names another mode.
   */
  static Network.@org.jspecify.annotations.Nullable UserMode userMode(String text) {
    int colon = text.indexOf(':');
    String name = (colon < 0 ? text : text.substring(0, colon)).toLowerCase(Locale.ROOT);
    Network.Stack stack = switch (name) {
      case "pasta" -> Network.Stack.PASTA;
      case "slirp4netns" -> Network.Stack.SLIRP4NETNS;
      case "user" -> Network.Stack.AUTO;
      default -> null;
    };
    if (stack == null) {
      return null;
    }
    Network.UserMode n = Network.userMode().stack(stack);
    if (colon >= 0) {
      String option = text.substring(colon + 1);
      if (option.equals("allow_host_loopback=true")) {
        n = n.hostLoopback(true);
      } else if (!option.equals("allow_host_loopback=false")) {
        throw new IllegalArgumentException("--network " + name + " takes only allow_host_loopback=true|false: " + text);
      }
    }
    return n;
  }

  /**
   * The capability set from the default one, {@code --cap-drop} applied first and then {@code
   * --cap-add}, as docker does; {@code ALL} means every capability.
   */
  static Set<Capability> capabilities(Set<Capability> defaults, List<String> add, List<String> drop) {
    EnumSet<Capability> caps = defaults.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(defaults);
    for (String d : drop) {
      if (d.equalsIgnoreCase("ALL")) {
        caps.clear();
      } else {
        caps.remove(capability("--cap-drop", d));
      }
    }
    for (String a : add) {
      if (a.equalsIgnoreCase("ALL")) {
        caps.addAll(EnumSet.allOf(Capability.class));
      } else {
        caps.add(capability("--cap-add", a));
      }
    }
    return caps;
  }

  private static Capability capability(String option, String name) {
    try {
      return Capability.parse(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code --pids-limit}: a number of tasks &gt; 0, or {@code unlimited} (also {@code -1}, as docker
   * and podman spell it) for {@link dev.containerj.cgroups.CgroupLimits#PIDS_UNLIMITED}.
   */
  static long pidsLimit(String text) {
    String t = text.trim();
    if (t.equals("unlimited") || t.equals("-1")) {
      return dev.containerj.cgroups.CgroupLimits.PIDS_UNLIMITED;
    }
    try {
      long n = Long.parseLong(t);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new IllegalArgumentException("--pids-limit must be a number > 0, or unlimited (or -1): " + text);
  }

  /** Prefixes a library parser's message with the option it came from. */
  static <T> T withOption(String option, String text, Function<String, T> parser) {
    try {
      return parser.apply(text);
    } catch (dev.containerj.core.SpecValidationException e) {
      // The option names the spec, so the message names just the broken rules.
      throw new IllegalArgumentException(option + ": " + e.violations().stream().map(Object::toString)
          .collect(java.util.stream.Collectors.joining("; ")), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
    }
  }

  /** A duration as a person writes it: {@code 500ms}, {@code 10s}, {@code 2m30s}. */
  static String format(Duration d) {
    if (d.toMillis() < 1000) {
      return d.toMillis() + "ms";
    }
    if (d.toNanos() % 1_000_000_000L == 0 && d.getSeconds() < 60) {
      return d.getSeconds() + "s";
    }
    return d.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  /** {@code DEV:RATE} of --device-read-bps / --device-write-bps, as {@code /dev/vda:10m}. */
  static dev.containerj.cgroups.IoDeviceLimit deviceRate(String option, String text, boolean read) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(option + " must be DEVICE:RATE, as /dev/vda:10m: " + text);
    }
    long rate = withOption(option, text.substring(colon + 1), dev.containerj.cgroups.CgroupLimits::parseBytes);
    dev.containerj.cgroups.IoDeviceLimit.Builder b = dev.containerj.cgroups.IoDeviceLimit.builder(text.substring(0, colon));
    return (read ? b.readBps(rate) : b.writeBps(rate)).build();
  }

  /**
   * Docker's --security-opt values that ContainerJ knows; {@code capabilities} are the payload's (a
   * Docker seccomp profile allows some calls only with some capabilities).
   */
  static void securityOpt(String text, dev.containerj.core.ContainerSpec.Builder b, Set<Capability> capabilities) {
    if (text.equals("seccomp=unconfined") || text.equals("seccomp:unconfined")) {
      b.seccomp(dev.containerj.namespaces.seccomp.SeccompProfile.unconfined());
    } else if (text.startsWith("seccomp=") || text.startsWith("seccomp:")) {
      java.nio.file.Path file = java.nio.file.Path.of(text.substring(8));
      String json;
      try {
        json = java.nio.file.Files.readString(file);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("--security-opt seccomp: cannot read " + file + ": " + e.getMessage(), e);
      }
      try {
        // A Docker profile has "syscalls" with "names"; the OCI form is the same shape under linux.seccomp.
        b.seccomp(json.contains("\"archMap\"") || json.contains("\"includes\"")
            ? dev.containerj.namespaces.seccomp.SeccompProfile.fromDockerJson(json, capabilityNames(capabilities))
            : dev.containerj.namespaces.seccomp.SeccompProfile.fromOciJson(json));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--security-opt seccomp=" + file + ": " + e.getMessage(), e);
      }
    } else if (text.equals("no-new-privileges=false") || text.equals("no-new-privileges:false")) {
      b.noNewPrivileges(false);
    } else if (text.equals("no-new-privileges") || text.equals("no-new-privileges=true") || text.equals("no-new-privileges:true")) {
      b.noNewPrivileges(true);
    } else {
      throw new IllegalArgumentException("--security-opt must be seccomp=FILE, seccomp=unconfined or no-new-privileges=true|false: " + text);
    }
  }

  private static java.util.Set<String> capabilityNames(Set<Capability> capabilities) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (Capability c : capabilities) {
      names.add(c.name());
    }
    return names;
  }

  /** {@code 64m} for 67108864, as the flags are written. */
  static String formatBytes(long bytes) {
    String[] units = {"", "k", "m", "g"}; // what parseBytes takes back
    int u = 0;
    long v = bytes;
    while (u < units.length - 1 && v % 1024 == 0 && v >= 1024) {
      v /= 1024;
      u++;
    }
    return v + units[u];
  }
}
