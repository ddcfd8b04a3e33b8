package dev.containerj.core.internal;

import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.ProcessSpec;
import dev.containerj.core.SpecValidationException.Violation;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Namespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The rules of a {@link ContainerSpec}, as runc's {@code configs/validate}: a list of small named
 * checks, each adding violations; all run, so the user sees every problem at once. Only reads the
 * host (does a path exist?); creates nothing.
 */
public final class SpecValidator {
  private static final Pattern HOSTNAME_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final long MAX_ID = IdMapping.ID_LIMIT - 1;

  private SpecValidator() {}

  /** One check: looks at the spec, adds what it finds wrong. */
  private interface Check extends BiConsumer<ContainerSpec, List<Violation>> {}

  private static final List<Check> CHECKS = List.of(
      (s, v) -> v.addAll(validate(s.process())),
      SpecValidator::rootfs,
      SpecValidator::hostname,
      SpecValidator::ids,
      SpecValidator::namespaces,
      SpecValidator::mounts,
      SpecValidator::paths,
      SpecValidator::security,
      SpecValidator::network,
      SpecValidator::sysctls,
      JoinedNamespaces::validate,
      SpecValidator::rootless);

  /** The rules of one process (a container's first or an exec'd one), on what it sets. */
  private static final List<BiConsumer<ProcessSpec, List<Violation>>> PROCESS_CHECKS = List.of(
      SpecValidator::command,
      SpecValidator::environment,
      SpecValidator::workingDirectory,
      SpecValidator::processIds);

  /**
   * Every violation of {@code process}'s own rules (argv, environment, working directory, id ranges);
   * empty when it is valid. What it does not set is not checked here: a container's defaults are
   * valid, and an exec'd process inherits the container's values.
   */
  public static List<Violation> validate(ProcessSpec process) {
    List<Violation> out = new ArrayList<>();
    for (BiConsumer<ProcessSpec, List<Violation>> c : PROCESS_CHECKS) {
      c.accept(process, out);
    }
    return out;
  }

  /** Every violation of {@code spec}; empty when it is valid. */
  public static List<Violation> validate(ContainerSpec spec) {
    List<Violation> out = new ArrayList<>();
    for (Check c : CHECKS) {
      c.accept(spec, out);
    }
    return out;
  }

  private static void command(ProcessSpec s, List<Violation> v) {
    if (s.command().isEmpty()) {
      v.add(new Violation("command", "[]", "must not be empty"));
      return;
    }
    if (s.command().get(0).isEmpty()) {
      v.add(new Violation("command[0]", "\"\"", "must name a program"));
    }
    for (int i = 0; i < s.command().size(); i++) {
      if (s.command().get(i).indexOf('\0') >= 0) {
        v.add(new Violation("command[" + i + "]", s.command().get(i).replace("\0", "\\0"), "must not contain NUL"));
      }
    }
  }

  private static void environment(ProcessSpec s, List<Violation> v) {
    for (Map.Entry<String, String> e : s.environment().entrySet()) {
      String k = e.getKey();
      if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0) {
        v.add(new Violation("environment", k.replace("\0", "\\0"), "names must be non-empty without '=' or NUL"));
      }
      if (e.getValue().indexOf('\0') >= 0) {
        v.add(new Violation("environment[" + k + "]", e.getValue().replace("\0", "\\0"), "must not contain NUL"));
      }
    }
  }

  private static void workingDirectory(ProcessSpec s, List<Violation> v) {
    s.workingDirectory().filter(d -> !d.startsWith("/"))
        .ifPresent(d -> v.add(new Violation("workingDirectory", d, "must be an absolute path")));
  }

  private static void processIds(ProcessSpec s, List<Violation> v) {
    s.uid().filter(id -> id < 0 || id > MAX_ID)
        .ifPresent(id -> v.add(new Violation("uid", Long.toString(id), "must be in [0, 4294967294]")));
    s.gid().filter(id -> id < 0 || id > MAX_ID)
        .ifPresent(id -> v.add(new Violation("gid", Long.toString(id), "must be in [0, 4294967294]")));
    List<Long> groups = s.groups().orElse(List.of());
    for (int i = 0; i < groups.size(); i++) {
      long g = groups.get(i);
      if (g < 0 || g > MAX_ID) {
        v.add(new Violation("supplementaryGroups[" + i + "]", Long.toString(g), "must be in [0, 4294967294]"));
      }
    }
    if (groups.size() > 256) {
      v.add(new Violation("supplementaryGroups", Integer.toString(groups.size()), "must have at most 256 entries"));
    }
  }

  private static void rootfs(ContainerSpec s, List<Violation> v) {
    Path dir = s.rootfs().directory();
    if (s.rootfs().image() != null && !s.namespaces().contains(Namespace.MOUNT)) {
      v.add(new Violation("rootfs", s.rootfs().toString(), "an image root needs the MOUNT namespace"));
    }
    dev.containerj.layers.LayerStore store = s.rootfs().layerStore();
    boolean rootless = dev.containerj.linux.internal.LibC.geteuid() != 0;
    if (store != null && store.rootless() != rootless) {
      // Its layers carry the other overlay xattr namespace, which this caller's overlay would not read.
      v.add(new Violation("rootfs", s.rootfs().toString(), rootless
          ? "must be in a rootless layer store when the JVM is not root (this store's layers carry trusted.overlay.* xattrs)"
          : "must be in a root layer store when the JVM is root (this store's layers carry user.overlay.* xattrs)"));
    }
    if (dir == null) {
      return;
    }
    if (!dir.isAbsolute()) {
      v.add(new Violation("rootfs", dir.toString(), "must be an absolute path"));
    } else if (!Files.exists(dir)) {
      v.add(new Violation("rootfs", dir.toString(), "does not exist"));
    } else if (!Files.isDirectory(dir)) {
      v.add(new Violation("rootfs", dir.toString(), "must be a directory"));
    } else if (dir.normalize().equals(Path.of("/"))) {
      v.add(new Violation("rootfs", dir.toString(), "must not be / (use RootFs.host() for the host's root, read-only)"));
    }
  }

  private static void hostname(ContainerSpec s, List<Violation> v) {
    String h = s.hostname();
    if (h == null) {
      return;
    }
    boolean ok = !h.isEmpty() && h.length() <= 64;
    for (String label : h.split("\\.", -1)) {
      ok &= HOSTNAME_LABEL.matcher(label).matches();
    }
    if (!ok) {
      v.add(new Violation("hostname", h, "must be at most 64 characters of dot-separated labels of letters, digits and '-', not starting or ending with '-' (RFC 1123)"));
    }
    if (!s.namespaces().contains(Namespace.UTS)) {
      v.add(new Violation("hostname", h, "needs the UTS namespace"));
    }
  }

  private static void ids(ContainerSpec s, List<Violation> v) {
    if (!s.uidMappings().isEmpty() && s.uidMappings().stream().noneMatch(m -> m.coversContainerId(s.uid()))) {
      v.add(new Violation("uid", Long.toString(s.uid()), "must be mapped by uidMappings " + s.uidMappings()));
    }
    if (!s.gidMappings().isEmpty() && s.gidMappings().stream().noneMatch(m -> m.coversContainerId(s.gid()))) {
      v.add(new Violation("gid", Long.toString(s.gid()), "must be mapped by gidMappings " + s.gidMappings()));
    }
    // A root JVM's default map on the host's root covers only ContainerStarter.ROOT_ID_COUNT ids:
    // beyond it setresuid(2) would fail with a bare EINVAL.
    if (s.rootfs().isHost() && s.namespaces().contains(Namespace.USER)
        && dev.containerj.linux.internal.LibC.geteuid() == 0) {
      long last = ContainerStarter.ROOT_ID_COUNT - 1;
      String rule = "is outside the container's id map (container ids 0-" + last + ", the default of a root JVM on "
          + "the host's root filesystem); widen the map with uidMappings and gidMappings (as new IdMapping(0, "
          + ContainerStarter.ROOT_ID_BASE + ", N)) or use IdMapping.identity() (containerj run --userns host)";
      if (s.uidMappings().isEmpty() && s.uid() > last && s.uid() <= MAX_ID) {
        v.add(new Violation("uid", Long.toString(s.uid()), rule));
      }
      if (s.gidMappings().isEmpty()) {
        if (s.gid() > last && s.gid() <= MAX_ID) {
          v.add(new Violation("gid", Long.toString(s.gid()), rule));
        }
        for (int i = 0; i < s.supplementaryGroups().size(); i++) {
          long g = s.supplementaryGroups().get(i);
          if (g > last && g <= MAX_ID) {
            v.add(new Violation("supplementaryGroups[" + i + "]", Long.toString(g), rule));
          }
        }
      }
    }
  }

  private static void namespaces(ContainerSpec s, List<Violation> v) {
    if (!s.namespaces().contains(Namespace.MOUNT)) {
      v.add(new Violation("namespaces", s.namespaces().toString(), "must contain MOUNT (the root filesystem is set up in it)"));
    }
    boolean ownNetns = NetKind.of(s) != NetKind.HOST && NetKind.of(s) != NetKind.CONTAINER
        && !s.joinedNamespaces().containsKey(Namespace.NET);
    if (ownNetns && !s.namespaces().contains(Namespace.NET)) {
      v.add(new Violation("network", s.network().toString(), "needs the NET namespace (or Network.host())"));
    }
    if (!ownNetns && s.namespaces().contains(Namespace.NET)) {
      v.add(new Violation("network", s.network().toString(), "cannot be combined with a new NET namespace"));
    }
    if ((!s.uidMappings().isEmpty() || !s.gidMappings().isEmpty()) && !s.namespaces().contains(Namespace.USER)) {
      v.add(new Violation("uidMappings", s.uidMappings().toString(), "need the USER namespace"));
    }
  }

  /** Kernel parameters: only the container's own namespaces' ({@link dev.containerj.core.Sysctl}). */
  private static void sysctls(ContainerSpec s, List<Violation> v) {
    s.sysctls().forEach((name, value) -> dev.containerj.core.Sysctl.refusal(name, value, s.namespaces(), s.network())
        .ifPresent(rule -> v.add(new Violation("sysctls[" + name + "]", value, rule))));
  }

  private static void mounts(ContainerSpec s, List<Violation> v) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < s.mounts().size(); i++) {
      MountSpec m = s.mounts().get(i);
      String field = "mounts[" + i + "]";
      String target = m.target();
      if (!target.startsWith("/")) {
        v.add(new Violation(field + ".target", target, "must be an absolute path"));
      } else if (Path.of(target).normalize().toString().equals("/")) {
        v.add(new Violation(field + ".target", target, "must not be / (set the rootfs instead)"));
      } else if (!Path.of(target).normalize().toString().equals(stripSlash(target))) {
        v.add(new Violation(field + ".target", target, "must be a normalized path (no '.', '..' or '//')"));
      } else {
        Integer prev = seen.putIfAbsent(stripSlash(target), i);
        if (prev != null) {
          v.add(new Violation(field + ".target", target, "duplicates mounts[" + prev + "].target"));
        }
      }
      if (m.type() == MountSpec.Type.BIND) {
        Path src = m.source();
        if (src == null) {
          v.add(new Violation(field + ".source", "null", "is required for a bind mount"));
        } else if (!src.isAbsolute()) {
          v.add(new Violation(field + ".source", src.toString(), "must be an absolute path"));
        } else if (!Files.exists(src)) {
          v.add(new Violation(field + ".source", src.toString(), "does not exist"));
        }
      } else if (m.sizeBytes() < 0) {
        v.add(new Violation(field + ".sizeBytes", Long.toString(m.sizeBytes()), "must be >= 0"));
      } else if (m.type() == MountSpec.Type.TMPFS && (m.tmpfsMode() < 0 || m.tmpfsMode() > 07777)) {
        v.add(new Violation(field + ".tmpfsMode", Integer.toOctalString(m.tmpfsMode()), "must be octal 0-7777"));
      }
    }
    if (s.tmpfsSize() <= 0) {
      v.add(new Violation("tmpfsSize", Long.toString(s.tmpfsSize()), "must be > 0 (bytes)"));
    }
    if (new java.util.HashSet<>(s.passFds()).size() != s.passFds().size() || s.passFds().stream().anyMatch(fd -> fd < 0)) {
      v.add(new Violation("passFds", s.passFds().toString(), "must list each fd (0 or more) once"));
    }
  }

  private static void paths(ContainerSpec s, List<Violation> v) {
    for (int i = 0; i < s.maskedPaths().size(); i++) {
      if (!s.maskedPaths().get(i).startsWith("/")) {
        v.add(new Violation("maskedPaths[" + i + "]", s.maskedPaths().get(i), "must be an absolute path"));
      }
    }
    for (int i = 0; i < s.readonlyPaths().size(); i++) {
      if (!s.readonlyPaths().get(i).startsWith("/")) {
        v.add(new Violation("readonlyPaths[" + i + "]", s.readonlyPaths().get(i), "must be an absolute path"));
      }
    }
  }

  private static void security(ContainerSpec s, List<Violation> v) {
    Integer adj = s.oomScoreAdj();
    if (adj != null && (adj < -1000 || adj > 1000)) {
      v.add(new Violation("oomScoreAdj", adj.toString(), "must be in [-1000, 1000]"));
    }
    if (s.seccomp() != null && !s.seccomp().isUnconfined()
        && s.seccomp().compile(dev.containerj.namespaces.seccomp.SeccompArch.current()).needsListener()) {
      v.add(new Violation("seccomp", "SCMP_ACT_NOTIFY", "is not supported yet (no listener API)"));
    }
    initSyscalls(s, v);
  }

  /**
   * The calls the helper's init (op 50) makes after the payload's filter is installed, with the
   * arguments it passes: it blocks signals, forks (glibc's fork is clone(2) with these flags), gives
   * the child its process group, closes its fds, then waits for signals, forwards them, reaps and
   * exits with the payload's status.
   */
  private static final Map<String, long[]> INIT_SYSCALLS = initSyscalls();

  private static Map<String, long[]> initSyscalls() {
    Map<String, long[]> m = new java.util.LinkedHashMap<>();
    m.put("rt_sigprocmask", new long[] {2, 0, 0, 8, 0, 0}); // SIG_SETMASK
    m.put("clone", new long[] {0x01200011L, 0, 0, 0, 0, 0}); // CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD
    m.put("setpgid", new long[] {0, 0, 0, 0, 0, 0});
    m.put("close", new long[] {3, 0, 0, 0, 0, 0});
    m.put("rt_sigtimedwait", new long[] {0, 0, 0, 8, 0, 0});
    m.put("kill", new long[] {2, 15, 0, 0, 0, 0}); // forwards SIGTERM to its child
    m.put("wait4", new long[] {-1L, 0, 1, 0, 0, 0}); // any child, WNOHANG
    m.put("exit_group", new long[] {143, 0, 0, 0, 0, 0});
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * init(true) under a filter that denies what the init needs would leave a pid 1 that cannot fork,
   * reap or forward signals (it runs under the payload's filter, installed before its fork): refused
   * here, naming each call, rather than failing at run time.
   */
  private static void initSyscalls(ContainerSpec s, List<Violation> v) {
    var profile = s.seccomp();
    if (!s.process().init() || s.privileged() || profile == null || profile.isUnconfined()
        || ProtectionsOff.initSyscallRule) {
      return;
    }
    var arch = dev.containerj.namespaces.seccomp.SeccompArch.current();
    for (Map.Entry<String, long[]> call : INIT_SYSCALLS.entrySet()) {
      var action = profile.evaluate(arch, call.getKey(), call.getValue());
      if (action.kind() != dev.containerj.namespaces.seccomp.SeccompAction.Kind.ALLOW
          && action.kind() != dev.containerj.namespaces.seccomp.SeccompAction.Kind.LOG) {
        v.add(new Violation("seccomp", call.getKey() + " -> " + action,
            "denies a call the init of init(true) makes (it runs under the payload's filter: fork, reap, "
                + "forward signals); allow " + call.getKey() + " or drop init(true)"));
      }
    }
  }

  private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

  private static void network(ContainerSpec s, List<Violation> v) {
    if (NetKind.of(s) == NetKind.BRIDGE && !IFNAME.matcher(NetKind.bridge(s)).matches()) {
      v.add(new Violation("network.name", NetKind.bridge(s), "must be 1-15 letters, digits, '_', '.' or '-' (IFNAMSIZ)"));
    }
    String address = NetKind.address(s);
    if (address != null) {
      if (!isIpLiteral(address)) {
        v.add(new Violation("network.address", address, "must be an IPv4 or IPv6 address"));
      }
    }
    for (int i = 0; i < s.dns().size(); i++) {
      if (!isIpLiteral(s.dns().get(i))) {
        v.add(new Violation("dns[" + i + "]", s.dns().get(i), "must be an IPv4 or IPv6 address"));
      }
    }
    SharedUserNetwork.validate(s, v);
    if (!s.dns().isEmpty() && NetKind.of(s) != NetKind.BRIDGE && NetKind.of(s) != NetKind.USER_MODE) {
      v.add(new Violation("dns", s.dns().toString(), "needs Network.bridge or Network.userMode() (no other network reaches a name server)"));
    }
    if (!s.ports().isEmpty() && (NetKind.of(s) == NetKind.NONE || NetKind.of(s) == NetKind.HOST
        || NetKind.of(s) == NetKind.CONTAINER)) {
      v.add(new Violation("ports", s.ports().toString(), "need Network.loopback(), Network.bridge or Network.userMode() (published into the container's own network namespace)"));
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < s.ports().size(); i++) {
      var m = s.ports().get(i);
      String key = m.protocol() + " " + m.hostAddress().getHostAddress() + ":" + m.hostPort()
          + (m.isEphemeral() ? " -> " + m.containerPort() : ""); // ephemeral ports never collide
      if (!seen.add(key)) {
        v.add(new Violation("ports[" + i + "]", m.toString(), "publishes a host port twice"));
      }
    }
    String shared = NetKind.sharedWith(s);
    if (shared != null && shared.isEmpty()) {
      v.add(new Violation("network.containerId", shared, "is required for Network.sharedWith"));
    }
    for (Map.Entry<String, String> e : s.extraHosts().entrySet()) {
      if (!isIpLiteral(e.getValue())) {
        v.add(new Violation("extraHosts[" + e.getKey() + "]", e.getValue(), "must be an IPv4 or IPv6 address"));
      }
      if (e.getKey().isEmpty() || e.getKey().chars().anyMatch(c -> c <= ' ' || c == '#')) {
        v.add(new Violation("extraHosts", e.getKey(), "names must be non-empty without spaces or '#'"));
      }
    }
  }

  private static boolean isIpLiteral(String s) {
    try {
      dev.containerj.net.IpPrefix.parseAddress(s); // literals only, never DNS
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** What an ordinary user cannot have without newuidmap and subordinate ids. */
  private static void rootless(ContainerSpec s, List<Violation> v) {
    if (dev.containerj.linux.internal.LibC.geteuid() == 0) {
      return;
    }
    if (!s.namespaces().contains(Namespace.USER)) {
      v.add(new Violation("namespaces", s.namespaces().toString(), "must contain USER when not running as root"));
    }
    if (NetKind.of(s) == NetKind.BRIDGE) {
      v.add(new Violation("network", s.network().toString(), "needs CAP_NET_ADMIN on the host (run as root); an ordinary user has Network.userMode(), loopback() and none()"));
    }
    if (!s.ports().isEmpty() && NetKind.of(s) != NetKind.USER_MODE) {
      v.add(new Violation("ports", s.ports().toString(), "need root, or Network.userMode() whose stack forwards them"));
    }
    if (NetKind.of(s) == NetKind.USER_MODE) {
      int unprivileged = UserModeNetwork.unprivilegedPortStart();
      for (int i = 0; i < s.ports().size(); i++) {
        var m = s.ports().get(i);
        if (!m.isEphemeral() && m.hostPort() < unprivileged) {
          v.add(new Violation("ports[" + i + "]", m.toString(), "host port " + m.hostPort() + " is below "
              + "net.ipv4.ip_unprivileged_port_start (" + unprivileged + "): an ordinary user cannot bind it"));
        }
      }
    }
    if (!s.supplementaryGroups().isEmpty() && s.gidMappings().isEmpty()) {
      v.add(new Violation("supplementaryGroups", s.supplementaryGroups().toString(),
          "need gidMappings with subordinate ids (newgidmap) when not running as root: setgroups(2) is denied in a single-id user namespace"));
    }
  }

  private static String stripSlash(String p) {
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
