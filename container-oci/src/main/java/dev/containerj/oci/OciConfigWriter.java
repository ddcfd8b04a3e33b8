package dev.containerj.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.Rlimit;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Namespace;
import dev.containerj.oci.internal.JsonTrees;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Prints runtime-spec {@code config.json} text: {@link #defaultConfig()} (what {@code containerj-runtime
 * spec} prints, as {@code runc spec}) and {@link #write(OciConfig)}, whose output
 * {@link OciConfigReader} reads back to the same config.
 */
public final class OciConfigWriter {
  /** runc's default capabilities: those of a process that only needs to run. */
  private static final List<Capability> DEFAULT_CAPS =
      List.of(Capability.CAP_AUDIT_WRITE, Capability.CAP_KILL, Capability.CAP_NET_BIND_SERVICE);

  private OciConfigWriter() {}

  /**
   * A default config for a bundle whose root is {@code ./rootfs}: {@code sh} on a terminal as root with
   * runc's three capabilities, NOFILE 1024, no_new_privs, a read-only root, new pid, network, ipc, uts,
   * mount and cgroup namespaces, every device denied but ContainerJ's safe set, and ContainerJ's
   * masked and read-only paths. Every field is one {@link OciConfigReader} accepts.
   *
   * @return the {@code config.json} text
   */
  public static String defaultConfig() {
    ObjectNode c = JsonTrees.object();
    c.put("ociVersion", OciConfig.SPEC_VERSION);
    ObjectNode p = c.putObject("process");
    p.put("terminal", true);
    p.putObject("user").put("uid", 0).put("gid", 0);
    p.putArray("args").add("sh");
    p.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").add("TERM=xterm");
    p.put("cwd", "/");
    capabilities(p, DEFAULT_CAPS);
    p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
    p.put("noNewPrivileges", true);
    c.putObject("root").put("path", "rootfs").put("readonly", true);
    c.put("hostname", "containerj");
    mounts(c, List.of());
    ObjectNode linux = c.putObject("linux");
    linux.putObject("resources").putArray("devices").addObject().put("allow", false).put("access", "rwm");
    namespaces(linux, List.of(Namespace.PID, Namespace.NET, Namespace.IPC, Namespace.UTS, Namespace.MOUNT,
        Namespace.CGROUP), java.util.Map.of());
    strings(linux.putArray("maskedPaths"), ContainerSpec.DEFAULT_MASKED_PATHS);
    strings(linux.putArray("readonlyPaths"), ContainerSpec.DEFAULT_READONLY_PATHS);
    return print(c);
  }

  /**
   * The config as {@code config.json} text.
   *
   * @param config the config to print; not null
   * @return the {@code config.json} text
   * @throws IllegalArgumentException naming the field when the container has a setting the runtime
   *     spec form here cannot carry (per-device I/O limits, a root filesystem that is not a directory)
   */
  public static String write(OciConfig config) {
    ContainerSpec s = config.container();
    if (s.rootfs().directory() == null) {
      throw new IllegalArgumentException("rootfs must be a directory to be written as root.path: " + s.rootfs());
    }
    ObjectNode c = JsonTrees.object();
    c.put("ociVersion", config.ociVersion());
    ObjectNode p = c.putObject("process");
    p.put("terminal", config.terminal());
    ObjectNode user = p.putObject("user").put("uid", s.uid()).put("gid", s.gid());
    if (!s.supplementaryGroups().isEmpty()) {
      ArrayNode g = user.putArray("additionalGids");
      s.supplementaryGroups().forEach(g::add);
    }
    strings(p.putArray("args"), s.command());
    ArrayNode env = p.putArray("env");
    s.environment().forEach((k, v) -> env.add(k + "=" + v));
    p.put("cwd", s.workingDirectory());
    if (!s.capabilities().isEmpty()) {
      capabilities(p, s.capabilities());
    }
    if (!s.rlimits().isEmpty()) {
      ArrayNode rl = p.putArray("rlimits");
      for (Rlimit r : s.rlimits()) {
        ObjectNode o = rl.addObject().put("type", "RLIMIT_" + r.resource().name());
        rlimValue(o, "hard", r.hard());
        rlimValue(o, "soft", r.soft());
      }
    }
    p.put("noNewPrivileges", s.noNewPrivileges());
    if (s.oomScoreAdj() != null) {
      p.put("oomScoreAdj", s.oomScoreAdj());
    }
    c.putObject("root").put("path", config.rootPath()).put("readonly", !s.rootfs().writable());
    if (s.hostname() != null) {
      c.put("hostname", s.hostname());
    }
    mounts(c, s.mounts());
    if (!config.hooks().isEmpty()) {
      hooks(c.putObject("hooks"), config.hooks());
    }
    if (!config.annotations().isEmpty()) {
      ObjectNode a = c.putObject("annotations");
      config.annotations().forEach(a::put);
    }
    ObjectNode linux = c.putObject("linux");
    mappings(linux, "uidMappings", s.uidMappings());
    mappings(linux, "gidMappings", s.gidMappings());
    resources(linux.putObject("resources"), s.limits());
    if (config.cgroupsPath() != null) {
      linux.put("cgroupsPath", config.cgroupsPath());
    }
    namespaces(linux, s.namespaces(), s.joinedNamespaces());
    if (config.seccompJson() != null) {
      try {
        linux.set("seccomp", JsonTrees.read(config.seccompJson()));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("seccompJson is not JSON: " + e.getOriginalMessage(), e);
      }
    }
    if (!s.sysctls().isEmpty()) {
      ObjectNode sysctl = linux.putObject("sysctl");
      s.sysctls().forEach(sysctl::put);
    }
    if (!s.maskedPaths().isEmpty()) {
      strings(linux.putArray("maskedPaths"), s.maskedPaths());
    }
    if (!s.readonlyPaths().isEmpty()) {
      strings(linux.putArray("readonlyPaths"), s.readonlyPaths());
    }
    return print(c);
  }

  private static void capabilities(ObjectNode p, Collection<Capability> caps) {
    ObjectNode o = p.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode a = o.putArray(set);
      caps.stream().map(Capability::name).sorted().forEach(a::add); // as runc: by name
    }
  }

  private static void rlimValue(ObjectNode o, String key, long v) {
    if (v == Rlimit.UNLIMITED) {
      o.put(key, new java.math.BigInteger("18446744073709551615")); // RLIM_INFINITY, setrlimit(2)
    } else {
      o.put(key, v);
    }
  }

  /** ContainerJ's own kernel mounts (always there), then the user's binds and tmpfs mounts. */
  private static void mounts(ObjectNode c, List<MountSpec> extra) {
    ArrayNode mounts = c.putArray("mounts");
    for (StandardMount m : StandardMount.values()) {
      ObjectNode o = mounts.addObject().put("destination", m.destination).put("type", m.type).put("source", m.source);
      if (!m.written.isEmpty()) {
        strings(o.putArray("options"), m.written);
      }
    }
    for (MountSpec m : extra) {
      ObjectNode o = mounts.addObject().put("destination", m.target());
      ArrayNode opts;
      if (m.type() == MountSpec.Type.BIND) {
        o.put("type", "bind").put("source", String.valueOf(m.source()));
        opts = o.putArray("options").add("rbind");
        for (MountSpec.Flag flag : MountSpec.Flag.values()) {
          if (m.flags().contains(flag)) {
            opts.add(OciConfigReader.option(flag));
          }
        }
      } else {
        o.put("type", "tmpfs").put("source", "tmpfs");
        opts = o.putArray("options").add("nosuid").add("nodev").add("strictatime")
            .add("mode=" + Integer.toOctalString(m.tmpfsMode()));
        if (m.sizeBytes() > 0) {
          opts.add("size=" + m.sizeBytes());
        }
      }
      if (m.readOnly()) {
        opts.add("ro");
      }
    }
  }

  private static void hooks(ObjectNode h, OciHooks hooks) {
    Map<String, List<OciHook>> byName = new java.util.LinkedHashMap<>();
    byName.put("prestart", hooks.prestart());
    byName.put("createRuntime", hooks.createRuntime());
    byName.put("createContainer", hooks.createContainer());
    byName.put("startContainer", hooks.startContainer());
    byName.put("poststart", hooks.poststart());
    byName.put("poststop", hooks.poststop());
    byName.forEach((name, list) -> {
      if (list.isEmpty()) {
        return;
      }
      ArrayNode a = h.putArray(name);
      for (OciHook hook : list) {
        ObjectNode o = a.addObject().put("path", hook.path());
        if (!hook.args().isEmpty()) {
          strings(o.putArray("args"), hook.args());
        }
        if (!hook.env().isEmpty()) {
          strings(o.putArray("env"), hook.env());
        }
        if (hook.timeoutSeconds() != null) {
          o.put("timeout", hook.timeoutSeconds());
        }
      }
    });
  }

  private static void mappings(ObjectNode linux, String key, List<IdMapping> maps) {
    if (maps.isEmpty()) {
      return;
    }
    ArrayNode a = linux.putArray(key);
    for (IdMapping m : maps) {
      a.addObject().put("containerID", m.containerId()).put("hostID", m.hostId()).put("size", m.size());
    }
  }

  /** Limits as cgroup v2 file values ({@code unified}), which say exactly what ContainerJ writes. */
  private static void resources(ObjectNode r, CgroupLimits l) {
    if (!l.ioLimits().isEmpty()) {
      throw new IllegalArgumentException("limits.ioLimits cannot be written to config.json by ContainerJ: " + l.ioLimits());
    }
    ArrayNode devices = r.putArray("devices");
    devices.addObject().put("allow", false).put("access", "rwm");
    l.deviceAllowList().ifPresent(rules -> {
      for (DeviceRule d : rules) {
        if (!DeviceRule.containerDefaults().contains(d)) {
          ObjectNode o = devices.addObject().put("allow", true).put("type", String.valueOf(d.type()));
          if (d.major() != DeviceRule.ANY) {
            o.put("major", d.major());
          }
          if (d.minor() != DeviceRule.ANY) {
            o.put("minor", d.minor());
          }
          o.put("access", d.access());
        }
      }
    });
    if (!l.hugetlb().isEmpty()) {
      ArrayNode h = r.putArray("hugepageLimits");
      l.hugetlb().forEach((size, bytes) -> h.addObject().put("pageSize", size).put("limit", bytes));
    }
    ObjectNode u = JsonTrees.object();
    l.memoryMax().ifPresent(v -> u.put("memory.max", Long.toString(v)));
    l.memoryHigh().ifPresent(v -> u.put("memory.high", Long.toString(v)));
    l.memoryLow().ifPresent(v -> u.put("memory.low", Long.toString(v)));
    l.memoryMin().ifPresent(v -> u.put("memory.min", Long.toString(v)));
    l.memorySwapMax().ifPresent(v -> u.put("memory.swap.max", Long.toString(v)));
    if (l.oomGroup()) {
      u.put("memory.oom.group", "1");
    }
    l.effectiveCpuQuotaMicros().ifPresent(q -> u.put("cpu.max", q + " " + l.effectiveCpuPeriodMicros()));
    l.cpuWeight().ifPresent(v -> u.put("cpu.weight", Long.toString(v)));
    l.pidsMax().ifPresent(v -> u.put("pids.max", v == CgroupLimits.PIDS_UNLIMITED ? "max" : Long.toString(v)));
    l.ioWeight().ifPresent(v -> u.put("io.weight", Long.toString(v)));
    l.cpusetCpus().ifPresent(v -> u.put("cpuset.cpus", v));
    l.cpusetMems().ifPresent(v -> u.put("cpuset.mems", v));
    if (!u.isEmpty()) {
      r.set("unified", u);
    }
  }

  /** In runc's order (pid, network, ipc, uts, mount, cgroup, user, time). */
  private static void namespaces(ObjectNode linux, Collection<Namespace> set,
      java.util.Map<Namespace, java.nio.file.Path> joined) {
    ArrayNode a = linux.putArray("namespaces");
    for (Namespace n : List.of(Namespace.PID, Namespace.NET, Namespace.IPC, Namespace.UTS, Namespace.MOUNT,
        Namespace.CGROUP, Namespace.USER, Namespace.TIME)) {
      java.nio.file.Path path = joined.get(n);
      if (set.contains(n)) {
        a.addObject().put("type", typeName(n));
      } else if (path != null) {
        a.addObject().put("type", typeName(n)).put("path", path.toString());
      }
    }
  }

  /** The runtime-spec name of a namespace type (config-linux.md, "Namespaces"). */
  static String typeName(Namespace n) {
    return switch (n) {
      case NET -> "network";
      case MOUNT -> "mount";
      default -> n.procName();
    };
  }

  private static void strings(ArrayNode a, Collection<String> values) {
    values.forEach(a::add);
  }

  private static String print(JsonNode c) {
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter();
    pp.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    return JsonTrees.write(c, pp) + "\n";
  }
}
