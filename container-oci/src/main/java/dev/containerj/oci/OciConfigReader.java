package dev.containerj.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.Network;
import dev.containerj.core.ProcessSpec;
import dev.containerj.core.RootFs;
import dev.containerj.core.Rlimit;
import dev.containerj.core.SpecValidationException;
import dev.containerj.core.SpecValidationException.Violation;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import dev.containerj.oci.internal.JsonTrees;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads a runtime-spec 1.2 {@code config.json} into an {@link OciConfig}.
 *
 * <p>Every field is either applied or refused: a field ContainerJ does not support (or a value it
 * cannot honour, as a namespace {@code path}, a sysctl, an option that would loosen a mount) fails the
 * whole read with one {@link SpecValidationException} that lists every such field by its JSON path
 * ({@code linux.namespaces[2].path}), its value and the rule, so nothing is silently ignored.
 *
 * <p>What the spec leaves out means "none" there, not ContainerJ's secure default: no
 * {@code process.capabilities} is no capability, no {@code linux.seccomp} no filter, no
 * {@code maskedPaths} nothing masked, no network namespace the host's network.
 */
public final class OciConfigReader {
  private static final BigInteger RLIM_INFINITY = new BigInteger("18446744073709551615");
  private static final String UNSUPPORTED = "not supported by ContainerJ";
  /** The flag options of a bind (mount(8)), each a flag set by the remount after the bind. */
  private static final Map<String, MountSpec.Flag> BIND_FLAGS = Map.of(option(MountSpec.Flag.NOSUID),
      MountSpec.Flag.NOSUID, option(MountSpec.Flag.NODEV), MountSpec.Flag.NODEV, option(MountSpec.Flag.NOEXEC),
      MountSpec.Flag.NOEXEC);
  /** The options that clear one of those flags, and the flag each clears. */
  private static final Map<String, String> CLEARED = Map.of("suid", "nosuid", "dev", "nodev", "exec", "noexec");

  private final Path bundle;
  private final List<Violation> violations = new ArrayList<>();

  private OciConfigReader(Path bundle) {
    this.bundle = bundle;
  }

  /**
   * Reads {@code BUNDLE/config.json}.
   *
   * @param bundle the bundle directory, holding {@code config.json}
   * @return the config, its relative paths resolved against {@code bundle}
   * @throws SpecValidationException naming the JSON path of every field that is invalid or unsupported
   * @throws IOException when the file cannot be read or is not JSON
   */
  public static OciConfig read(Path bundle) throws IOException {
    return parse(Files.readString(bundle.resolve("config.json")), bundle);
  }

  /**
   * Reads a {@code config.json} text whose relative paths ({@code root.path}) are relative to
   * {@code bundle}.
   *
   * @param json the text of a {@code config.json}
   * @param bundle the directory that relative paths are relative to
   * @return the config
   * @throws SpecValidationException naming the JSON path of every field that is invalid or unsupported
   * @throws IOException when the text is not JSON
   */
  public static OciConfig parse(String json, Path bundle) throws IOException {
    return new OciConfigReader(bundle.toAbsolutePath()).config(object(json, "config.json", "$", "must be a JSON object"));
  }

  /** {@code json} as a JSON object; else an IOException (not JSON) or a violation at {@code path}. */
  private static JsonNode object(String json, String what, String path, String rule) throws IOException {
    JsonNode root;
    try {
      root = JsonTrees.read(json);
    } catch (JsonProcessingException e) {
      throw new IOException(what + " is not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SpecValidationException(List.of(new Violation(path, String.valueOf(root), rule)));
    }
    return root;
  }

  /**
   * Reads a runtime-spec {@code LinuxResources} object alone (the file of an OCI runtime's
   * {@code update --resources}), with the same rules as {@code linux.resources} of a config.
   *
   * @param json the text of a {@code LinuxResources} JSON object
   * @return the limits it asks for; fields it does not name stay unset
   * @throws SpecValidationException naming the JSON path ({@code resources.memory.limit}, ...) of
   *     every field that is invalid or that ContainerJ cannot apply
   * @throws IOException when the text is not JSON
   */
  public static CgroupLimits resources(String json) throws IOException {
    JsonNode root = object(json, "the LinuxResources text", "resources", "must be a JSON object (runtime-spec LinuxResources)");
    List<Violation> violations = new ArrayList<>();
    CgroupLimits limits = OciResources.read(root, "resources", violations);
    if (!violations.isEmpty()) {
      throw new SpecValidationException(violations);
    }
    return limits;
  }

  /** A JSON object being read: tracks the keys read so that the others can be refused. */
  private final class Obj {
    final JsonNode node;
    final String path;
    final Set<String> read = new HashSet<>();

    Obj(JsonNode node, String path) {
      this.node = node;
      this.path = path;
    }

    @Nullable JsonNode get(String key) {
      read.add(key);
      JsonNode n = node.get(key);
      return n == null || n.isNull() ? null : n;
    }

    String at(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    @Nullable String text(String key) {
      JsonNode n = get(key);
      if (n == null) {
        return null;
      }
      if (!n.isTextual()) {
        bad(at(key), n, "must be a string");
        return null;
      }
      return n.asText();
    }

    boolean bool(String key) {
      JsonNode n = get(key);
      if (n != null && !n.isBoolean()) {
        bad(at(key), n, "must be true or false");
        return false;
      }
      return n != null && n.asBoolean();
    }

    @Nullable BigInteger integer(String key) {
      JsonNode n = get(key);
      if (n == null) {
        return null;
      }
      if (!n.isIntegralNumber()) {
        bad(at(key), n, "must be an integer");
        return null;
      }
      return n.bigIntegerValue();
    }

    @Nullable Long number(String key, long min, long max) {
      BigInteger v = integer(key);
      if (v == null) {
        return null;
      }
      if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
        bad(at(key), v, "must be in " + min + ".." + max);
        return null;
      }
      return v.longValue();
    }

    List<String> strings(String key) {
      JsonNode n = get(key);
      List<String> out = new ArrayList<>();
      if (n == null) {
        return out;
      }
      if (!n.isArray()) {
        bad(at(key), n, "must be an array of strings");
        return out;
      }
      for (int i = 0; i < n.size(); i++) {
        if (!n.get(i).isTextual()) {
          bad(at(key) + "[" + i + "]", n.get(i), "must be a string");
        } else {
          out.add(n.get(i).asText());
        }
      }
      return out;
    }

    @Nullable Obj obj(String key) {
      JsonNode n = get(key);
      if (n == null) {
        return null;
      }
      if (!n.isObject()) {
        bad(at(key), n, "must be an object");
        return null;
      }
      return new Obj(n, at(key));
    }

    List<Obj> objs(String key) {
      JsonNode n = get(key);
      List<Obj> out = new ArrayList<>();
      if (n == null) {
        return out;
      }
      if (!n.isArray()) {
        bad(at(key), n, "must be an array of objects");
        return out;
      }
      for (int i = 0; i < n.size(); i++) {
        if (!n.get(i).isObject()) {
          bad(at(key) + "[" + i + "]", n.get(i), "must be an object");
        } else {
          out.add(new Obj(n.get(i), at(key) + "[" + i + "]"));
        }
      }
      return out;
    }

    /** Refuses a key that was read but whose value ContainerJ cannot honour. */
    void refuseIfSet(String key) {
      JsonNode n = get(key);
      if (n != null && !(n.isTextual() && n.asText().isEmpty()) && !(n.isContainerNode() && n.isEmpty())
          && !(n.isBoolean() && !n.asBoolean())) {
        bad(at(key), n, UNSUPPORTED);
      }
    }

    /** Refuses every key not read: the file asks for something this reader does not know. */
    void refuseRest() {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!read.contains(k)) {
          bad(at(k), node.get(k), UNSUPPORTED);
        }
      }
    }
  }

  private void bad(String path, @Nullable Object value, String rule) {
    String v = String.valueOf(value);
    violations.add(new Violation(path, v.length() > 80 ? v.substring(0, 77) + "..." : v, rule));
  }

  private OciConfig config(JsonNode node) {
    Obj top = new Obj(node, "");
    String version = top.text("ociVersion");
    if (version == null) {
      bad("ociVersion", null, "is required");
      version = "";
    } else if (!version.startsWith("1.")) {
      bad("ociVersion", version, "must be a 1.x runtime-spec version");
    }
    ContainerSpec.Builder b = ContainerSpec.builder()
        // What the spec does not ask for is not there (see the class comment).
        .privateTmp(false).capabilities(EnumSet.noneOf(Capability.class)).noNewPrivileges(false)
        .seccomp(SeccompProfile.unconfined()).maskedPaths(List.of()).readonlyPaths(List.of())
        .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT).cgroup(true);
    ProcessSpec.Builder p = ProcessSpec.builder();
    boolean terminal = false;
    long uid = 0;
    Obj process = top.obj("process");
    if (process == null) {
      bad("process", null, "is required (ContainerJ starts the container's process at create)");
    } else {
      terminal = process.bool("terminal");
      uid = process(process, b, p);
    }
    String rootPath = "";
    Obj root = top.obj("root");
    if (root == null) {
      bad("root", null, "is required");
    } else {
      String path = root.text("path");
      boolean ro = root.bool("readonly");
      root.refuseRest();
      if (path == null || path.isEmpty()) {
        bad("root.path", path, "is required");
      } else {
        rootPath = path;
        Path dir = bundle.resolve(path).normalize();
        if (isHostRoot(dir)) {
          bad("root.path", path, "must not be the host's / (" + dir + " leads there): the container "
              + "would write the host's files; RootFs.host() gives the host root under an overlay");
        }
        b.rootfs(ro ? RootFs.directory(dir) : RootFs.writableDirectory(dir));
      }
    }
    String hostname = top.text("hostname");
    if (hostname != null && !hostname.isEmpty()) {
      b.hostname(hostname);
    }
    top.refuseIfSet("domainname");
    for (Obj m : top.objs("mounts")) {
      mount(m, b);
    }
    OciHooks hooks = OciHooks.NONE;
    Obj h = top.obj("hooks");
    if (h != null) {
      hooks = hooks(h);
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    Obj a = top.obj("annotations");
    if (a != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = a.node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          bad(a.at(e.getKey()), e.getValue(), "must be a string");
        } else {
          annotations.put(e.getKey(), e.getValue().asText());
        }
      }
    }
    String cgroupsPath = null;
    String seccompJson = null;
    Obj linux = top.obj("linux");
    EnumSet<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
    if (linux == null) {
      bad("linux", null, "is required (ContainerJ runs Linux containers only)");
    } else {
      cgroupsPath = linux.text("cgroupsPath");
      seccompJson = linux(linux, b, namespaces, uid);
    }
    top.refuseRest();
    if (!violations.isEmpty()) {
      throw new SpecValidationException(violations);
    }
    ContainerSpec spec = b.build();
    return new OciConfig(version, spec, p.build(), rootPath, terminal, cgroupsPath, hooks, annotations, seccompJson);
  }

  /** Reads {@code process}; returns its uid. */
  private long process(Obj process, ContainerSpec.Builder b, ProcessSpec.Builder p) {
    process.refuseIfSet("consoleSize");
    List<String> args = process.strings("args");
    if (args.isEmpty()) {
      bad("process.args", args, "must name a program");
    } else {
      b.command(args);
      p.command(args);
    }
    List<String> env = process.strings("env");
    for (int i = 0; i < env.size(); i++) {
      int eq = env.get(i).indexOf('=');
      if (eq <= 0) {
        bad("process.env[" + i + "]", env.get(i), "must be NAME=value");
      } else {
        b.env(env.get(i).substring(0, eq), env.get(i).substring(eq + 1));
        p.env(env.get(i).substring(0, eq), env.get(i).substring(eq + 1));
      }
    }
    String cwd = process.text("cwd");
    if (cwd == null || !cwd.startsWith("/")) {
      bad("process.cwd", cwd, "is required and must be absolute");
    } else {
      b.workingDirectory(cwd);
      p.workingDirectory(cwd);
    }
    long uid = 0;
    long gid = 0;
    Obj user = process.obj("user");
    if (user != null) {
      Long u = user.number("uid", 0, IdMapping.ID_LIMIT - 1);
      Long g = user.number("gid", 0, IdMapping.ID_LIMIT - 1);
      uid = u == null ? 0 : u;
      gid = g == null ? 0 : g;
      List<Long> groups = new ArrayList<>();
      JsonNode ag = user.get("additionalGids");
      if (ag != null) {
        for (int i = 0; i < ag.size(); i++) {
          if (!ag.get(i).canConvertToLong() || ag.get(i).asLong() < 0) {
            bad("process.user.additionalGids[" + i + "]", ag.get(i), "must be a gid");
          } else {
            groups.add(ag.get(i).asLong());
          }
        }
      }
      b.supplementaryGroups(groups);
      p.groups(groups);
      JsonNode umask = user.get("umask");
      if (umask != null) {
        // The payload gets the umask of the process that starts it (the helper restores the
        // caller's before execve): accepted when it is that one, refused otherwise, never ignored.
        int own = ownUmask();
        if (!umask.canConvertToInt() || umask.asInt() != own) {
          bad(user.at("umask"), umask, "must be this runtime's own umask " + own + " (0" + Integer.toOctalString(own)
              + "), which the payload inherits; another one is " + UNSUPPORTED);
        }
      }
      user.refuseIfSet("username");
      user.refuseRest();
    }
    b.user(uid, gid);
    p.uid(uid).gid(gid);
    Obj caps = process.obj("capabilities");
    if (caps != null) {
      Set<Capability> set = capabilities(caps, uid);
      b.capabilities(set);
      p.capabilities(set);
    }
    for (Obj r : process.objs("rlimits")) {
      rlimit(r, b);
    }
    boolean nnp = process.bool("noNewPrivileges");
    b.noNewPrivileges(nnp);
    p.noNewPrivileges(nnp);
    Long oom = process.number("oomScoreAdj", -1000, 1000);
    if (oom != null) {
      b.oomScoreAdj(oom.intValue());
    }
    // An empty string is "no profile" (runc and Podman write it so); a named one is not enforced here.
    process.refuseIfSet("apparmorProfile");
    process.refuseIfSet("selinuxLabel");
    process.refuseRest();
    return uid;
  }

  /**
   * ContainerJ gives its process one capability set: bounding, permitted and effective. The spec's
   * five sets are accepted when they say the same: bounding, effective and permitted equal, and
   * inheritable and ambient either empty or (for uid 0, where they change nothing: capabilities(7),
   * "Capabilities and execution of programs by root") equal to them.
   */
  private Set<Capability> capabilities(Obj caps, long uid) {
    Map<String, Set<Capability>> sets = new LinkedHashMap<>();
    for (String name : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
      EnumSet<Capability> s = EnumSet.noneOf(Capability.class);
      List<String> names = caps.strings(name);
      for (int i = 0; i < names.size(); i++) {
        try {
          s.add(Capability.parse(names.get(i)));
        } catch (IllegalArgumentException e) {
          bad(caps.at(name) + "[" + i + "]", names.get(i), "must be a capability of capabilities(7)");
        }
      }
      sets.put(name, s);
    }
    caps.refuseRest();
    Set<Capability> set = java.util.Objects.requireNonNull(sets.get("bounding"), "bounding");
    for (String name : List.of("effective", "permitted")) {
      if (!set.equals(sets.get(name))) {
        bad(caps.at(name), sets.get(name), "must equal process.capabilities.bounding "
            + "(ContainerJ gives one set: bounding = permitted = effective)");
      }
    }
    for (String name : List.of("inheritable", "ambient")) {
      Set<Capability> s = java.util.Objects.requireNonNull(sets.get(name), name);
      if (!s.isEmpty() && !(uid == 0 && s.equals(set))) {
        bad(caps.at(name), s, "must be empty, or for uid 0 equal to bounding (ContainerJ raises no "
            + "inheritable or ambient capability)");
      }
    }
    return set;
  }

  private void rlimit(Obj r, ContainerSpec.Builder b) {
    String type = r.text("type");
    BigInteger soft = r.integer("soft");
    BigInteger hard = r.integer("hard");
    r.refuseRest();
    if (type == null || soft == null || hard == null) {
      bad(r.path, r.node, "must have type, soft and hard");
      return;
    }
    Rlimit.Resource res;
    try {
      res = Rlimit.Resource.valueOf(type.startsWith("RLIMIT_") ? type.substring(7) : "?");
    } catch (IllegalArgumentException e) {
      bad(r.at("type"), type, "must be an RLIMIT_ name of setrlimit(2)");
      return;
    }
    try {
      b.rlimit(new Rlimit(res, rlimValue(soft), rlimValue(hard)));
    } catch (IllegalArgumentException e) {
      bad(r.path, r.node, String.valueOf(e.getMessage()));
    }
  }

  private static long rlimValue(BigInteger v) {
    // RLIM_INFINITY is (rlim_t) -1: setrlimit(2).
    if (v.equals(RLIM_INFINITY) || v.signum() < 0 || v.bitLength() > 63) {
      return Rlimit.UNLIMITED;
    }
    return v.longValue();
  }

  private void mount(Obj m, ContainerSpec.Builder b) {
    String dest = m.text("destination");
    String type = m.text("type");
    String source = m.text("source");
    List<String> options = m.strings("options");
    m.refuseIfSet("uidMappings");
    m.refuseIfSet("gidMappings");
    m.refuseRest();
    if (dest == null || !dest.startsWith("/")) {
      bad(m.at("destination"), dest, "must be an absolute path");
      return;
    }
    if (hasDotDot(dest)) {
      bad(m.at("destination"), dest, "must not contain '..'");
      return;
    }
    StandardMount std = StandardMount.at(dest);
    if (std != null && type != null && std.typeMatches(type)) {
      for (String o : options) {
        if (!std.accepted.contains(o) && !StandardMount.PROPAGATION.contains(o)) {
          bad(m.at("options"), options, "ContainerJ mounts " + dest + " itself with " + std.accepted
              + "; option " + o + " is " + UNSUPPORTED);
        }
      }
      return;
    }
    boolean bind = "bind".equals(type) || options.contains("bind") || options.contains("rbind");
    boolean ro = false;
    long size = 0;
    EnumSet<MountSpec.Flag> flags = EnumSet.noneOf(MountSpec.Flag.class);
    int mode = MountSpec.DEFAULT_TMPFS_MODE;
    for (String o : options) {
      if (o.equals("ro")) {
        ro = true;
      } else if (o.equals("rw") || StandardMount.PROPAGATION.contains(o)) {
        continue;
      } else if (bind && (o.equals("bind") || o.equals("rbind"))) {
        continue; // ContainerJ binds recursively
      } else if (bind && BIND_FLAGS.containsKey(o)) {
        // Set by a remount after the bind, as runc does (a bind ignores them in its own mount(2)).
        flags.add(BIND_FLAGS.get(o));
      } else if (bind && CLEARED.containsKey(o)) {
        String cleared = CLEARED.get(o);
        if (o.equals("dev") || (source != null && SourceMount.options(bundle.resolve(source)).contains(cleared))) {
          bad(m.at("options"), options, "option " + o + " would clear " + cleared + (o.equals("dev")
              ? ", which ContainerJ sets on every bind (device nodes of a volume open nothing)"
              : " of the mount " + source + " lies on; ContainerJ never loosens a host mount's flags (in a "
              + "user namespace the kernel locks them: mount_namespaces(7))"));
        }
        // else: the source's mount has no such flag, the bind keeps it so: nothing to clear
      } else if (!bind && "tmpfs".equals(type) && (o.equals("nosuid") || o.equals("nodev") || o.equals("strictatime"))) {
        continue; // what ContainerJ's tmpfs mounts have
      } else if (!bind && "tmpfs".equals(type) && o.startsWith("mode=")) {
        // tmpfs(5): the root directory's permission bits, in octal (containerd's /run: mode=755)
        if (!o.matches("mode=0?[0-7]{1,4}")) {
          bad(m.at("options"), o, "mode must be octal permission bits, at most 7777");
        } else {
          mode = Integer.parseInt(o.substring(5), 8);
        }
      } else if (!bind && "tmpfs".equals(type) && o.startsWith("size=")) {
        try {
          size = CgroupLimits.parseBytes(o.substring(5));
        } catch (IllegalArgumentException e) {
          bad(m.at("options"), o, "size must be a byte count");
        }
      } else {
        bad(m.at("options"), options, "option " + o + " of a " + (bind ? "bind" : type) + " mount is " + UNSUPPORTED);
      }
    }
    if (bind) {
      if (source == null || source.isEmpty()) {
        bad(m.at("source"), source, "a bind mount needs a source");
        return;
      }
      Path src = bundle.resolve(source).normalize();
      b.mount(new MountSpec(MountSpec.Type.BIND, src, dest, ro, 0, flags));
    } else if ("tmpfs".equals(type)) {
      b.mount(new MountSpec(MountSpec.Type.TMPFS, null, dest, ro, size, mode));
    } else {
      bad(m.at("type"), type, "must be bind or tmpfs, or a kernel filesystem at its standard place "
          + "(ContainerJ mounts those itself)");
    }
  }

  /** The mount(8) option of a flag: nosuid, nodev, noexec. */
  static String option(MountSpec.Flag flag) {
    return flag.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** This process's umask: the "Umask:" line of /proc/self/status (proc(5), Linux 4.7), else 022. */
  static int ownUmask() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring(6).trim(), 8);
        }
      }
    } catch (java.io.IOException | NumberFormatException e) {
      // fall through
    }
    return 022;
  }

  /**
   * Test-only: accept a root.path that leads to the host's {@code /}, so that a test can show what
   * the refusal stops. Never set in production.
   */
  static volatile boolean hostRootAllowedForTests;

  /** Whether {@code dir}, its symbolic links followed, is the host's {@code /} (same device and inode). */
  private static boolean isHostRoot(Path dir) {
    if (hostRootAllowedForTests) {
      return false;
    }
    try {
      return Files.isSameFile(dir, Path.of("/"));
    } catch (IOException e) {
      return false; // a missing root is reported by ContainerSpec's validation
    }
  }

  private static boolean hasDotDot(String path) {
    for (String part : path.split("/")) {
      if (part.equals("..")) {
        return true;
      }
    }
    return false;
  }

  private OciHooks hooks(Obj h) {
    Function<String, List<OciHook>> list = name -> {
      List<OciHook> out = new ArrayList<>();
      for (Obj o : h.objs(name)) {
        String path = o.text("path");
        List<String> args = o.strings("args");
        List<String> env = o.strings("env");
        Long timeout = o.number("timeout", 1, Integer.MAX_VALUE);
        o.refuseRest();
        if (path == null || !path.startsWith("/")) {
          bad(o.at("path"), path, "must be an absolute path on the host");
          continue;
        }
        out.add(new OciHook(path, args, env, timeout == null ? null : timeout.intValue()));
      }
      return out;
    };
    OciHooks hooks = new OciHooks(list.apply("prestart"), list.apply("createRuntime"), list.apply("createContainer"),
        list.apply("startContainer"), list.apply("poststart"), list.apply("poststop"));
    h.refuseRest();
    return hooks;
  }

  /** Reads {@code linux}; returns the seccomp JSON as written, or null. */
  private @Nullable String linux(Obj linux, ContainerSpec.Builder b, EnumSet<Namespace> namespaces, long uid) {
    List<Obj> nsList = linux.objs("namespaces");
    Map<Namespace, String> joined = new java.util.EnumMap<>(Namespace.class);
    for (Obj ns : nsList) {
      String type = ns.text("type");
      Namespace n = type == null ? null : switch (type) {
        case "pid" -> Namespace.PID;
        case "network" -> Namespace.NET;
        case "mount" -> Namespace.MOUNT;
        case "ipc" -> Namespace.IPC;
        case "uts" -> Namespace.UTS;
        case "user" -> Namespace.USER;
        case "cgroup" -> Namespace.CGROUP;
        case "time" -> Namespace.TIME;
        default -> null;
      };
      if (n == null) {
        bad(ns.at("type"), type, "must be a namespace type of the runtime spec (pid, network, mount, ...)");
      } else if (!namespaces.add(n)) {
        bad(ns.at("type"), type, "is listed twice");
      }
      // A path joins that namespace (a Kubernetes pod's sandbox's): the start checks that the path is
      // a namespace file of the type and joins through the descriptor it checked (joinNamespace).
      String path = ns.text("path");
      if (n != null && path != null && !path.isEmpty()) {
        if (!ContainerSpec.JOINABLE_NAMESPACES.contains(n)) {
          bad(ns.at("path"), path, "joins an existing " + type + " namespace, which ContainerJ does not do (it joins "
              + "only pid, network, ipc, uts and cgroup namespaces; see ContainerSpec.Builder.joinNamespace)");
        } else if (!path.startsWith("/")) {
          bad(ns.at("path"), path, "must be an absolute path");
        } else {
          joined.put(n, path);
        }
      }
      ns.refuseRest();
    }
    if (!namespaces.contains(Namespace.MOUNT)) {
      bad("linux.namespaces", "no mount", "must include mount (ContainerJ always builds the root in its own mount namespace)");
    }
    namespaces.removeAll(joined.keySet()); // joined, not created
    b.namespaces(namespaces);
    joined.forEach((n, path) -> b.joinNamespace(n, java.nio.file.Path.of(path)));
    b.network(namespaces.contains(Namespace.NET) || joined.containsKey(Namespace.NET) ? Network.loopback()
        : Network.host());
    b.uidMappings(mappings(linux, "uidMappings"));
    b.gidMappings(mappings(linux, "gidMappings"));
    Obj res = linux.obj("resources");
    if (res != null) {
      b.limits(OciResources.read(res.node, res.path, violations));
      res.read.addAll(OciResources.KEYS);
    }
    for (Obj d : linux.objs("devices")) {
      bad(d.path, d.node, UNSUPPORTED + " (ContainerJ's /dev holds its fixed safe set: null, zero, full, "
          + "random, urandom, tty, ptmx, pts)");
      d.read.addAll(List.of("path", "type", "major", "minor", "fileMode", "uid", "gid"));
    }
    String prop = linux.text("rootfsPropagation");
    if (prop != null && !prop.isEmpty() && !StandardMount.PROPAGATION.contains(prop)) {
      bad("linux.rootfsPropagation", prop, "must be private or rprivate (ContainerJ's mounts never propagate to the host)");
    }
    String seccompJson = null;
    JsonNode seccomp = linux.get("seccomp");
    if (seccomp != null) {
      seccompJson = JsonTrees.write(seccomp);
      try {
        b.seccomp(SeccompProfile.fromOciJson(seccompJson));
      } catch (IllegalArgumentException e) {
        bad("linux.seccomp", "...", String.valueOf(e.getMessage()));
      }
    }
    Obj sysctl = linux.obj("sysctl");
    if (sysctl != null) {
      dev.containerj.core.Network network = namespaces.contains(Namespace.NET) ? dev.containerj.core.Network.loopback() : dev.containerj.core.Network.host();
      for (Iterator<Map.Entry<String, JsonNode>> it = sysctl.node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        sysctl.read.add(e.getKey());
        if (!e.getValue().isTextual()) {
          bad("linux.sysctl[\"" + e.getKey() + "\"]", e.getValue(), "must be a string");
          continue;
        }
        String value = e.getValue().asText();
        java.util.Optional<String> refusal = dev.containerj.core.Sysctl.refusal(e.getKey(), value, namespaces, network);
        if (refusal.isPresent()) {
          bad("linux.sysctl[\"" + e.getKey() + "\"]", e.getKey() + "=" + value, refusal.get());
        } else {
          b.sysctl(e.getKey(), value);
        }
      }
    }
    JsonNode masked = linux.get("maskedPaths");
    if (masked != null) {
      b.maskedPaths(absolutePaths(linux, "maskedPaths"));
    }
    JsonNode ro = linux.get("readonlyPaths");
    if (ro != null) {
      b.readonlyPaths(absolutePaths(linux, "readonlyPaths"));
    }
    linux.refuseIfSet("mountLabel");
    linux.refuseRest();
    return seccompJson;
  }

  private List<String> absolutePaths(Obj linux, String key) {
    List<String> paths = linux.strings(key);
    for (int i = 0; i < paths.size(); i++) {
      if (!paths.get(i).startsWith("/") || hasDotDot(paths.get(i))) {
        bad(linux.at(key) + "[" + i + "]", paths.get(i), "must be an absolute path without '..'");
      }
    }
    return paths;
  }

  private List<IdMapping> mappings(Obj linux, String key) {
    List<IdMapping> out = new ArrayList<>();
    for (Obj m : linux.objs(key)) {
      Long c = m.number("containerID", 0, IdMapping.ID_LIMIT - 1);
      Long h = m.number("hostID", 0, IdMapping.ID_LIMIT - 1);
      Long s = m.number("size", 1, IdMapping.ID_LIMIT);
      m.refuseRest();
      if (c != null && h != null && s != null) {
        try {
          out.add(new IdMapping(c, h, s));
        } catch (IllegalArgumentException e) {
          bad(m.path, m.node, String.valueOf(e.getMessage()));
        }
      }
    }
    return out;
  }
}
