package dev.containerj.examples.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.core.Container;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.examples.cli.VersionText;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Signal;
import dev.containerj.oci.OciConfig;
import dev.containerj.oci.OciConfigReader;
import dev.containerj.oci.OciConfigWriter;
import dev.containerj.oci.OciHook;
import dev.containerj.oci.OciHooks;
import dev.containerj.oci.internal.JsonTrees;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code containerj-runtime}: ContainerJ with runc's command line, for clients that drive an OCI
 * runtime (Podman's {@code --runtime}, containerd's {@code --runc-binary}).
 *
 * <p>Done: the global flags ({@code --root}, {@code --log}, {@code --log-format text|json},
 * {@code --systemd-cgroup} refused, {@code --version}), {@code spec}, {@code features}, {@code run}
 * as a create and a start in one process (in the foreground with the payload's exit status, or
 * {@code --detach}), {@code create} and {@code start} as two calls (the process waits before its
 * execve on ROOT/ID/exec.fifo), {@code --preserve-fds N} (fds 3..3+N-1 of the caller, never one of
 * this JVM's own), {@code --no-pivot} and {@code --no-new-keyring} (accepted; ContainerJ always
 * pivots and never makes a session keyring), all six hook kinds ({@code createRuntime}, {@code prestart}
 * and {@code createContainer} at the library's stop before the pivot, {@code createContainer} and
 * {@code startContainer} in the container's namespaces, see {@code ContainerHooks}), {@code exec},
 * {@code state}, {@code list}, {@code kill}, {@code delete}, and {@code ps}, {@code pause},
 * {@code resume}, {@code update --resources FILE|-} on created containers, {@code --console-socket}
 * of {@code create} and {@code exec --tty} (ConsoleSocketOption). Not yet: runc's {@code update}
 * flags other than {@code --resources}; they fail with a message that says so.
 */
public final class RuntimeMain {
  private final RuntimeArgs args;
  private final Path root;
  private final PrintStream out;
  /** The caller's fds of {@code --preserve-fds}, checked when this JVM's main began. */
  private final List<Integer> preserved;
  /** The library's id of the container {@code run} started (its record in ROOT/ID/lib). */
  private String libraryId = "";

  private RuntimeMain(RuntimeArgs args, PrintStream out) {
    this.args = args;
    this.out = out;
    String r = args.globals.get("root");
    this.root = r != null ? Path.of(r).toAbsolutePath() : defaultRoot();
    this.preserved = PreservedFds.atEntry(args); // first: before this runtime opens files of its own
  }

  /** runc's {@code /run/runc} for root; {@code $XDG_RUNTIME_DIR/containerj-runtime} for another user. */
  private static Path defaultRoot() {
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    boolean rootUser = "root".equals(System.getProperty("user.name"));
    return !rootUser && xdg != null ? Path.of(xdg, "containerj-runtime") : Path.of("/run/containerj-runtime");
  }

  /** Runs one command and exits with its status. */
  public static void main(String[] argv) {
    System.exit(run(argv, System.out));
  }

  /** Runs one command; returns the exit status (the payload's for {@code run}). */
  static int run(String[] argv, PrintStream out) {
    RuntimeArgs a;
    try {
      a = RuntimeArgs.parse(argv);
    } catch (IllegalArgumentException e) {
      return fail(null, e.getMessage());
    }
    try {
      return new RuntimeMain(a, out).dispatch();
    } catch (Exception e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      return fail(a, msg);
    }
  }

  /**
   * Reports an error on stderr and, with {@code --log}, in the log file: as runc, a JSON line
   * {@code {"level":"error","msg":...,"time":...}} with {@code --log-format json} (containerd's shim
   * reads the last one as the reason of a failed call), else a text line.
   */
  private static int fail(RuntimeArgs a, String msg) {
    System.err.println("containerj-runtime: " + msg);
    if (a != null && a.globals.get("log") != null) {
      String line;
      if ("json".equals(a.globals.get("log-format"))) {
        ObjectNode o = JsonTrees.object().put("level", "error").put("msg", msg).put("time", Instant.now().toString());
        line = JsonTrees.write(o);
      } else {
        line = "time=\"" + Instant.now() + "\" level=error msg=\"" + msg.replace("\"", "\\\"") + "\"";
      }
      try {
        Files.writeString(Path.of(a.globals.get("log")), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException ignored) {
        // stderr has it already
      }
    }
    return 1;
  }

  private int dispatch() throws Exception {
    String format = args.globals.getOrDefault("log-format", "text");
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("--log-format must be text or json: " + format);
    }
    if (args.globals.containsKey("systemd-cgroup") && !"false".equals(args.globals.get("systemd-cgroup"))) {
      throw new IllegalArgumentException("--systemd-cgroup is not supported: ContainerJ manages cgroupfs "
          + "directly below its own cgroup and has no systemd driver (use cgroupfs, e.g. podman --cgroup-manager cgroupfs)");
    }
    if (args.globals.containsKey("version") || args.command.equals("--version")) {
      out.println("containerj-runtime version " + VersionText.version());
      out.println("spec: " + OciConfig.SPEC_VERSION);
      return 0;
    }
    return switch (args.command) {
      case "spec" -> spec();
      case "features" -> features();
      case "run" -> runForeground();
      case "state" -> state();
      case "list" -> list();
      case "kill" -> kill();
      case "delete" -> delete();
      case "exec" -> exec();
      case "create" -> create();
      case "start" -> start();
      case "ps" -> ps();
      case "pause" -> pause(true);
      case "resume" -> pause(false);
      case "update" -> update();
      case "checkpoint", "restore", "events" ->
          throw new UnsupportedOperationException(args.command + " is not implemented yet by containerj-runtime");
      case "" -> throw new IllegalArgumentException("no command given (spec, run, state, kill, delete, list, features)");
      default -> throw new IllegalArgumentException("unknown command: " + args.command);
    };
  }

  /** {@code spec [--bundle DIR]}: writes a default config.json, refusing to overwrite one, as runc. */
  private int spec() throws IOException {
    Path bundle = Path.of(args.flags.getOrDefault("bundle", "."));
    Path file = bundle.resolve("config.json");
    if (Files.exists(file)) {
      throw new FileAlreadyExistsException(file + " exists: remove it first");
    }
    Files.writeString(file, OciConfigWriter.defaultConfig());
    return 0;
  }

  /** The runtime-spec features document (features.md). */
  private int features() {
    ObjectNode f = JsonTrees.object();
    f.put("ociVersionMin", "1.0.0").put("ociVersionMax", OciConfig.SPEC_VERSION);
    ArrayNode hooks = f.putArray("hooks");
    hooks.add("prestart").add("createRuntime").add("createContainer").add("startContainer").add("poststart")
        .add("poststop");
    ArrayNode opts = f.putArray("mountOptions");
    for (String o : List.of("bind", "rbind", "ro", "rw", "nodev", "nosuid", "noexec", "private", "rprivate",
        "size", "mode")) {
      opts.add(o);
    }
    ObjectNode linux = f.putObject("linux");
    ArrayNode ns = linux.putArray("namespaces");
    for (String n : List.of("cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time")) {
      ns.add(n);
    }
    ArrayNode caps = linux.putArray("capabilities");
    for (Capability c : Capability.values()) {
      caps.add(c.name());
    }
    linux.putObject("cgroup").put("v1", true).put("v2", true).put("systemd", false).put("systemdUser", false);
    linux.putObject("seccomp").put("enabled", true);
    linux.putObject("apparmor").put("enabled", false);
    linux.putObject("selinux").put("enabled", false);
    out.println(JsonTrees.pretty(f));
    return 0;
  }

  private Path stateFile(String id) {
    return root.resolve(id).resolve("state.json");
  }

  /**
   * {@code run [--bundle DIR] [--pid-file F] [--detach] [--preserve-fds N] ID}: a create and a start
   * in this one process, by the same code as the two commands. With {@code --detach} it returns once
   * the payload runs and prints nothing, as {@code runc run -d}; else it waits for the payload,
   * passing on the signals it gets, removes the container (poststop hooks too) and returns the
   * payload's exit status (128+N for signal N, as a shell), as {@code runc run}.
   */
  private int runForeground() throws Exception {
    String id = args.id();
    boolean detach = args.flag("detach");
    Container c = createContainer(id, !detach);
    startCreated(id);
    if (detach) {
      return 0;
    }
    forwardSignals(c);
    ExitStatus status = c.waitFor();
    try {
      c.close(); // its processes and cgroups, by the JVM that started it
    } catch (RuntimeException e) {
      // a delete --force is removing it at the same time
    }
    removeOnce(id, c.pid());
    return status.shellCode();
  }

  /**
   * linux.cgroupsPath, resolved below the runtime's own cgroup: ContainerJ creates cgroups only
   * below the cgroup of the process that starts the container (/proc/self/cgroup), never at a path
   * from the hierarchy's root, which would touch cgroups that belong to others. A relative path
   * ({@code a/b}, runtime-spec config-linux.md: "relative to the cgroups mount point") and an
   * absolute one are treated alike: the container's cgroup is {@code containerj/<library id>}
   * below the runtime's cgroup (the same place as without cgroupsPath), and the resources of the
   * config are enforced there. Only a path with {@code ..} is refused, since it names a place
   * above the runtime's cgroup.
   */
  private static void checkCgroupsPath(OciConfig config) {
    String path = config.cgroupsPath();
    if (path != null && (path.equals("..") || path.startsWith("../") || path.contains("/../") || path.endsWith("/.."))) {
      throw new IllegalArgumentException("linux.cgroupsPath " + path + " is refused: ContainerJ makes cgroups only "
          + "below the runtime's own cgroup, and '..' leads above it");
    }
  }

  @SuppressWarnings("removal")
  private static void forwardSignals(Container c) {
    // runc run passes the signals it gets on to the container's process.
    for (String name : List.of("TERM", "INT", "HUP", "USR1", "USR2")) {
      sun.misc.Signal.handle(new sun.misc.Signal(name), s -> c.signal(Signal.parse(name)));
    }
  }

  private void writeState(String id, String status, int pid, Path bundle, OciConfig config) throws IOException {
    ObjectNode s = stateJson(id, status, pid, bundle, config);
    s.put("startTime", startTime(pid));
    s.put("containerjId", libraryId);
    Path tmp = stateFile(id).resolveSibling("state.json.tmp");
    Files.writeString(tmp, JsonTrees.write(s));
    Files.move(tmp, stateFile(id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The runtime-spec state (runtime.md, "State"). */
  private static ObjectNode stateJson(String id, String status, int pid, Path bundle, OciConfig config) {
    ObjectNode s = JsonTrees.object();
    s.put("ociVersion", OciConfig.SPEC_VERSION).put("id", id).put("status", status).put("pid", pid)
        .put("bundle", bundle.toString());
    ObjectNode a = s.putObject("annotations");
    config.annotations().forEach(a::put);
    return s;
  }

  /** Field 22 of /proc/PID/stat (proc(5)): with the pid, it names one process, not a reused pid. */
  private static String startTime(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return f[19];
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Runs hooks in order with the state on stdin (runtime-spec config.md, "POSIX-platform Hooks"), as
   * the caller, never inside the container. A failure fails the step when {@code fatal}, else it is
   * logged (poststart, poststop).
   */
  private void runHooks(List<OciHook> hooks, String id, String status, int pid, Path bundle, OciConfig config,
      boolean fatal) throws IOException, InterruptedException {
    byte[] state = JsonTrees.write(stateJson(id, status, pid, bundle, config)).getBytes(StandardCharsets.UTF_8);
    for (OciHook h : hooks) {
      // The spec runs execv(path, args): ProcessBuilder executes argv[0], so the path takes the
      // place of args[0] (the hook sees its path as argv[0]).
      List<String> argv = new ArrayList<>(h.argv());
      argv.set(0, h.path());
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.environment().clear();
      for (String e : h.env()) {
        int eq = e.indexOf('=');
        if (eq > 0) {
          pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
      }
      pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
      String problem = null;
      try {
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
          in.write(state);
        } catch (IOException ignored) {
          // the hook need not read its stdin
        }
        boolean done = h.timeoutSeconds() == null ? p.waitFor() >= Integer.MIN_VALUE
            : p.waitFor(h.timeoutSeconds(), TimeUnit.SECONDS);
        if (!done) {
          p.destroyForcibly();
          problem = "hook " + h.path() + " timed out after " + h.timeoutSeconds() + "s";
        } else if (p.exitValue() != 0) {
          problem = "hook " + h.path() + " exited with " + p.exitValue();
        }
      } catch (IOException e) {
        problem = "hook " + h.path() + " could not run: " + e.getMessage();
      }
      if (problem != null) {
        if (fatal) {
          throw new IllegalStateException(problem);
        }
        fail(args, problem);
      }
    }
  }

  /**
   * The record's key that says whether the config has startContainer, poststart or poststop hooks;
   * a record without it (written before it existed) counts as having them.
   */
  private static final String LATE_HOOKS = "lateHooks";

  /**
   * The bundle's config for the hooks of {@code start} and {@code delete}; null when the create
   * recorded that it has none of theirs, so no config.json is read.
   */
  private @org.jspecify.annotations.Nullable OciConfig lateHooksConfig(String id, Path bundle) throws IOException {
    ObjectNode record = JsonTrees.readObject(Files.readString(stateFile(id)));
    return record.path(LATE_HOOKS).asBoolean(true) ? OciConfigReader.read(bundle) : null;
  }

  private ObjectNode readState(String id) throws IOException {
    Path f = stateFile(id);
    if (!Files.exists(f)) {
      throw new IllegalArgumentException("container " + id + " does not exist");
    }
    ObjectNode s = JsonTrees.readObject(Files.readString(f));
    int pid = s.path("pid").asInt();
    String recorded = s.path("startTime").asText();
    // A payload that has ended is stopped, whatever the record still says.
    if (!s.path("status").asText().equals("stopped") && (pid <= 0 || !isAlive(pid, recorded))) {
      s.put("status", "stopped");
    }
    if (s.path("status").asText().equals("running") && s.path("created").asBoolean(false)) {
      try {
        if (containerCgroup(id).isFrozen()) {
          s.put("status", "paused");
        }
      } catch (IOException | RuntimeException e) {
        // no cgroup to ask: running
      }
    }
    s.remove("startTime");
    s.remove("cgroupParent");
    s.remove("containerjId");
    s.remove("created");
    s.remove("foreground");
    s.remove("cgroupSelf");
    s.remove(LATE_HOOKS);
    return s;
  }

  /** The fifo a created container waits on (ROOT/ID/exec.fifo, as runc's). */
  private Path fifo(String id) {
    return root.resolve(id).resolve("exec.fifo");
  }

  /**
   * {@code create --bundle DIR [--pid-file F] ID}: builds the container completely and leaves its
   * process waiting just before its execve (on ROOT/ID/exec.fifo, read-write in the process), then
   * exits; the process outlives this JVM and is reaped by the caller's subreaper (conmon, the shim).
   * createRuntime and prestart hooks run here, with the state on stdin, once the namespaces exist.
   */
  private int create() throws Exception {
    createContainer(args.id(), false);
    return 0;
  }

  /**
   * The create of {@code create} and {@code run}: returns the container, its process waiting on
   * ROOT/ID/exec.fifo; {@code foreground} marks a {@code run} that waits for it (its JVM then
   * removes it when the payload ends, unless a {@code delete} did first).
   */
  private Container createContainer(String id, boolean foreground) throws Exception {
    // --no-pivot (runc: MS_MOVE instead of pivot_root, for a root on a ramfs) and --no-new-keyring
    // (runc: no new session keyring) are accepted and change nothing: ContainerJ always pivots (the
    // old root is then unmounted, which MS_MOVE cannot do) and never makes a session keyring.
    Path bundle = Path.of(args.flags.getOrDefault("bundle", ".")).toAbsolutePath().normalize();
    OciConfig config = OciConfigReader.read(bundle);
    Path consoleSocket = ConsoleSocketOption.check(config.terminal(), args.flags.get("console-socket"));
    checkCgroupsPath(config);
    Files.createDirectories(root);
    Path dir = root.resolve(id);
    try {
      Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException("container " + id + " already exists (" + dir + ")", e);
    }
    boolean done = false;
    try {
      mkfifo(fifo(id));
      ContainerRuntime runtime = libraryRuntime(id);
      // As root, a cgroup in every hierarchy (not only those of its limits), so that update can set
      // any limit later, as runc's cgroups do.
      var builder = PreservedFds.apply(config.container().toBuilder().detached(true).startFifo(fifo(id)), preserved)
          .cgroup(config.container().cgroup() || "root".equals(System.getProperty("user.name")));
      if (consoleSocket != null) {
        builder.stdin(ConsoleSocketOption.tty()).stdout(ConsoleSocketOption.tty()).stderr(ConsoleSocketOption.tty());
      }
      OciHooks h = config.hooks();
      if (!h.createRuntime().isEmpty() || !h.prestart().isEmpty() || !h.createContainer().isEmpty()) {
        // runc's order and place: createRuntime (and the deprecated prestart) on the host, then
        // createContainer in the container's namespaces, all before the pivot (runtime-spec config.md,
        // "POSIX-platform Hooks"). Without these hooks the start has no stop.
        builder.beforePivot(stop -> {
          runHooks(h.createRuntime(), id, "created", stop.pid(), bundle, config, true);
          runHooks(h.prestart(), id, "created", stop.pid(), bundle, config, true);
          ContainerHooks.runBeforePivot(h.createContainer(), stop,
              JsonTrees.write(stateJson(id, "created", stop.pid(), bundle, config)).getBytes(StandardCharsets.UTF_8));
        });
      }
      var spec = builder.build();
      Container c = runtime.start(spec); // returns with the process waiting for start; never closed here
      libraryId = c.id();
      writeState(id, "created", c.pid(), bundle, config);
      markCreated(id, foreground, config);
      try {
        if (consoleSocket != null) {
          c.sendTerminal(consoleSocket);
        }
        writePidFile(args.flags.get("pid-file"), c.pid());
      } catch (Exception e) {
        // This JVM started it: the library's close kills every process of it, reaps its pid 1 (a
        // zombie child of this JVM would keep it "running" for a reaper) and removes its cgroups.
        c.close();
        try {
          removeCreated(id, c.pid());
        } catch (IllegalStateException kept) {
          e.addSuppressed(kept); // ROOT/ID stays with what names the cgroup: a delete --force retries
          done = true;
        }
        throw e;
      }
      done = true;
      return c;
    } finally {
      if (!done) {
        try {
          removeLibraryState(id);
        } catch (IllegalStateException kept) {
          // ROOT/ID stays with what names the cgroup left: a delete --force removes it later
        }
      }
    }
  }

  /**
   * Writes {@code pid} to the {@code --pid-file} (none when null): into a new temporary file of the
   * same directory (O_EXCL with a random name, so no link planted there is followed), then renamed
   * over the name (rename(2) replaces a link there instead of writing through it), so a client
   * polling for it never reads half a pid. The runtime often runs as root and the directory is the
   * caller's choice: writing through a link would let whoever can write there overwrite any file.
   */
  private static void writePidFile(@org.jspecify.annotations.Nullable String pidFile, int pid) throws IOException {
    if (pidFile == null) {
      return;
    }
    Path pf = Path.of(pidFile).toAbsolutePath();
    Path dir = java.util.Objects.requireNonNull(pf.getParent(), "the directory of --pid-file");
    Path tmp = Files.createTempFile(dir, "." + pf.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, Integer.toString(pid));
      Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, pf, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * SIGKILL to {@code pid} unless it has ended. Through {@link ProcessHandle} (kill(2) from the JDK's
   * own native code, after it checked the process's start time), not JNA: a cold {@code delete}
   * would load and register JNA for this one call.
   */
  private static void killQuietly(int pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  /**
   * Marks the record as made by create (delete then owns its removal), and records whether the
   * config has hooks that {@code start} or {@code delete} run: only then do they read config.json
   * again (the OCI reader and its mapper, most of a cold call's work otherwise).
   */
  private void markCreated(String id, boolean foreground, OciConfig config) throws IOException {
    ObjectNode record = JsonTrees.readObject(Files.readString(stateFile(id)));
    record.put("created", true);
    record.put("foreground", foreground);
    record.put(LATE_HOOKS, !(config.hooks().startContainer().isEmpty() && config.hooks().poststart().isEmpty()
        && config.hooks().poststop().isEmpty()));
    record.put("cgroupParent", ownCgroup());
    record.put("cgroupSelf", Files.readString(Path.of("/proc/self/cgroup")));
    Path tmp = stateFile(id).resolveSibling("state.json.tmp");
    Files.writeString(tmp, JsonTrees.write(record));
    Files.move(tmp, stateFile(id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** This process's cgroup as /proc/self/cgroup spells it (the v2 line, else the first). */
  private static String ownCgroup() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/self/cgroup"));
    for (String l : lines) {
      if (l.startsWith("0::")) {
        return l.substring(3);
      }
    }
    return lines.get(0).substring(lines.get(0).indexOf(':', lines.get(0).indexOf(':') + 1) + 1);
  }

  /**
   * The cgroup the create made for the container: containerj/LIBRARY-ID below the create's own
   * cgroup (recorded at create), opened, never created or removed here.
   */
  private dev.containerj.cgroups.Cgroup containerCgroup(String id) throws IOException {
    ObjectNode record = JsonTrees.readObject(Files.readString(stateFile(id)));
    if (!record.path("created").asBoolean(false)) {
      throw new UnsupportedOperationException(args.command + " works on containers made by create (" + id
          + " runs in the foreground of its run)");
    }
    var manager = dev.containerj.cgroups.CgroupManager.builder();
    if (!Files.readString(Path.of("/proc/self/cgroup")).equals(record.path("cgroupSelf").asText())) {
      // Called from another cgroup than the create: its v2 path stands for every hierarchy. From the
      // same cgroup, each hierarchy's own parent (v1 hierarchies may place a process elsewhere).
      manager.parent(record.path("cgroupParent").asText());
    }
    return manager.build().open("containerj/" + record.path("containerjId").asText());
  }

  /** {@code ps [--format table|json] ID}: the processes of the container's cgroup (host pids). */
  private int ps() throws IOException {
    String id = args.id();
    readState(id);
    List<Long> pids = containerCgroup(id).processes();
    if ("json".equals(args.flags.get("format"))) {
      ArrayNode a = JsonTrees.array();
      pids.forEach(a::add);
      out.println(JsonTrees.write(a));
    } else {
      out.printf("%-8s %s%n", "PID", "CMD");
      for (long pid : pids) {
        String cmd;
        try {
          cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').trim();
        } catch (IOException e) {
          cmd = "";
        }
        out.printf("%-8d %s%n", pid, cmd);
      }
    }
    return 0;
  }

  /** {@code pause ID} / {@code resume ID}: freezes or thaws the container's cgroup (state "paused"). */
  private int pause(boolean freeze) throws IOException {
    String id = args.id();
    ObjectNode s = readState(id);
    String status = s.path("status").asText();
    if (freeze ? !status.equals("running") : !status.equals("paused")) {
      throw new IllegalStateException("container " + id + " is " + status + ": " + args.command + " needs a "
          + (freeze ? "running" : "paused") + " one");
    }
    var cg = containerCgroup(id);
    if (freeze) {
      cg.freeze();
    } else {
      cg.thaw();
    }
    return 0;
  }

  /**
   * {@code update --resources FILE|- ID}: new limits for a created, running or paused container
   * (runtime-spec LinuxResources JSON, from a file or stdin), written to its cgroup by the library's
   * {@code Cgroup.update}, which checks every field first. A field ContainerJ cannot apply fails the
   * call naming its JSON path before anything is written; fields not given keep their values.
   */
  private int update() throws Exception {
    String id = args.id();
    String file = args.flags.get("resources");
    for (String f : args.flags.keySet()) {
      if (!f.equals("resources")) {
        // runc's --memory, --pids-limit, ... spell the same as the JSON; only the JSON is read here.
        throw new UnsupportedOperationException("update --" + f + " is not supported by containerj-runtime: give "
            + "the limits as LinuxResources JSON with --resources FILE|-");
      }
    }
    if (file == null) {
      throw new IllegalArgumentException("update needs --resources FILE|- (runtime-spec LinuxResources JSON)");
    }
    ObjectNode s = readState(id);
    if (s.path("status").asText().equals("stopped")) {
      throw new IllegalStateException("container " + id + " is stopped: update needs a created or running one");
    }
    String json = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
        : Files.readString(Path.of(file));
    containerCgroup(id).update(OciConfigReader.resources(json));
    return 0;
  }

  private static void mkfifo(Path path) {
    // mkfifo(3), mode 0600: only this user may open it, so only this user can start the container.
    int rc = com.sun.jna.Function.getFunction("c", "mkfifo").invokeInt(new Object[] {path.toString(), 0600});
    if (rc != 0) {
      throw new IllegalStateException("mkfifo " + path + " failed (errno " + com.sun.jna.Native.getLastError() + ")");
    }
  }

  /**
   * {@code start ID}: releases a created container's process (one byte into its fifo, opened
   * non-blocking: ENXIO when nobody holds it, i.e. the process is gone) and runs poststart hooks.
   */
  private int start() throws Exception {
    startCreated(args.id());
    return 0;
  }

  /**
   * One byte into the fifo of created container {@code id}, whose process reads it and goes on to
   * its execve. The caller has just seen the process alive (readState); a process that ends right
   * after does not make this fail: its byte stays unread and {@code state} says "stopped".
   *
   * <p>Opened read-write from Java, not write-only and non-blocking through JNA (ENXIO when no
   * process holds the fifo): fifo(7), a read-write open never blocks, and a one-byte write into an
   * empty pipe neither; the byte stays in the pipe while the container's process holds its end. A
   * cold {@code start} so loads no JNA (its registration was about a third of the call).
   */
  private void release(String id) throws IOException {
    try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(fifo(id), StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      if (f.write(java.nio.ByteBuffer.wrap(new byte[] {'0'})) != 1) {
        throw new IllegalStateException("container " + id + ": short write to " + fifo(id));
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalStateException("container " + id + " cannot be started: " + fifo(id) + " is gone", e);
    }
  }

  /** The start of {@code start} and {@code run}. */
  private void startCreated(String id) throws Exception {
    ObjectNode s = readState(id);
    if (!s.path("status").asText().equals("created")) {
      throw new IllegalStateException("container " + id + " is " + s.path("status").asText() + ", not created");
    }
    Path bundle = Path.of(s.path("bundle").asText());
    OciConfig config = lateHooksConfig(id, bundle);
    int pid = s.path("pid").asInt();
    if (config != null && !config.hooks().startContainer().isEmpty()) {
      try {
        ContainerHooks.run("startContainer", config.hooks().startContainer(), libraryRuntime(id),
            JsonTrees.read(Files.readString(stateFile(id))).path("containerjId").asText(), config,
            JsonTrees.write(stateJson(id, "created", pid, bundle, config)).getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        // runtime.md, "Lifecycle": a failed startContainer hook stops the container; delete removes it.
        killQuietly(pid);
        throw e;
      }
    }
    release(id);
    Files.deleteIfExists(fifo(id));
    ObjectNode record = JsonTrees.readObject(Files.readString(stateFile(id)));
    record.put("status", "running");
    Path tmp = stateFile(id).resolveSibling("state.json.tmp");
    Files.writeString(tmp, JsonTrees.write(record));
    Files.move(tmp, stateFile(id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    if (config != null) {
      runHooks(config.hooks().poststart(), id, "running", pid, bundle, config, false);
    }
  }

  /**
   * Removes what a create left of a container whose process is gone (or killed): the library's
   * state, the cgroup the start made for it, the container's directory. A cgroup that cannot be
   * removed fails the call and keeps it all (as runc's delete): the state of ROOT/ID, and the
   * library's record and owner file that name the cgroup, so that a second delete retries.
   */
  private void removeCreated(String id, int pid) throws Exception {
    ObjectNode record = JsonTrees.readObject(Files.readString(stateFile(id)));
    for (int i = 0; i < 500 && isAlive(pid, record.path("startTime").asText()); i++) {
      Thread.sleep(10);
    }
    // The container of the record, removed by name with its cgroups, whoever owns it: delete owns
    // the removal of what create made, and the create's JVM may be this very one (the launcher's
    // RuntimeCacheTraining makes and deletes a container in one JVM). The reaper alone is not
    // enough: it leaves the containers of a live owner to that owner, and ROOT/ID then went with
    // its owner file while the cgroups stayed, in every hierarchy.
    String libId = record.path("containerjId").asText();
    List<Path> left = libId.isEmpty() ? List.of() : libraryStore(id).removeWithCgroups(libId);
    if (!left.isEmpty()) {
      throw new IllegalStateException("container " + id + ": its cgroup " + left + " could not be removed (a "
          + "process or a mount left in it?); its state stays: delete it again once that is gone");
    }
    removeLibraryState(id);
  }

  /**
   * The library's store of container {@code id} (ROOT/ID/lib) alone, as libraryRuntime(id) makes
   * it but without the runtime around it: building a ContainerRuntime probes the host and, in the
   * reap, opens the user's layer store for image roots, which a bundle's container never has
   * (about 0.1 s of a cold delete).
   */
  private dev.containerj.core.internal.StateStore libraryStore(String id) {
    return new dev.containerj.core.internal.StateStore(libraryStateDirectory(id),
        dev.containerj.core.internal.ContainerStarter.DEFAULT_CGROUP_PARENT, () -> {
          throw new IOException("an OCI bundle's root is the bundle's, never a root of the layer store");
        });
  }

  /**
   * Removes ROOT/ID once the library's reaper removed what a dead JVM left in ROOT/ID/lib (a create
   * killed before it wrote its record: its cgroups, named by the owner file the start wrote
   * first). What the reaper could not remove keeps ROOT/ID, and the call fails.
   */
  private void removeLibraryState(String id) throws IOException {
    Path lib = libraryStateDirectory(id);
    if (Files.isDirectory(lib)) {
      libraryStore(id).reapOrphans();
      List<Path> kept;
      try (Stream<Path> s = Files.list(lib)) {
        kept = s.filter(d -> !libraryStore(id).cgroupDirectories(d.getFileName().toString()).isEmpty()).toList();
      }
      if (!kept.isEmpty()) {
        throw new IllegalStateException("container " + id + ": the cgroups of " + kept + " could not be removed; "
            + "its state stays: delete it again once that is gone");
      }
    }
    deleteTree(root.resolve(id));
  }

  /**
   * Removes a container made by create, then runs its poststop hooks, once: a {@code delete} and
   * the foreground {@code run} that waits for the payload may both get there, and the first to
   * create ROOT/ID/removing does it (the other returns at once).
   */
  private void removeOnce(String id, int pid) throws Exception {
    ObjectNode s;
    boolean hooks;
    try {
      s = readState(id);
      hooks = JsonTrees.readObject(Files.readString(stateFile(id))).path(LATE_HOOKS).asBoolean(true);
      Files.createFile(root.resolve(id).resolve("removing"));
    } catch (FileAlreadyExistsException | java.nio.file.NoSuchFileException | IllegalArgumentException e) {
      return; // the other one removes it, or has
    }
    try {
      removeCreated(id, pid);
    } catch (Exception e) {
      Files.deleteIfExists(root.resolve(id).resolve("removing")); // a second delete tries again
      throw e;
    }
    Path bundle = Path.of(s.path("bundle").asText());
    if (!hooks) {
      return;
    }
    try {
      OciConfig config = OciConfigReader.read(bundle);
      runHooks(config.hooks().poststop(), id, "stopped", pid, bundle, config, false);
    } catch (IOException | RuntimeException e) {
      fail(args, "poststop hooks of " + id + " not run: " + e.getMessage());
    }
  }

  /** Alive: the same process (start time) and not a zombie waiting for its reaper (proc(5) state Z). */
  private static boolean isAlive(int pid, String startTime) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return f[19].equals(startTime) && !f[0].equals("Z");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * {@code exec [--process FILE] [--detach] [--pid-file F] ID [-- CMD...]}: one more process in the
   * running container, confined as the bundle's config says; {@code --process} is a runtime-spec
   * {@code process} object, read by the same reader as the config (it takes the config's place).
   */
  private int exec() throws Exception {
    String id = args.id();
    Path f = stateFile(id);
    ObjectNode s = readState(id);
    if (!s.path("status").asText().equals("running")) {
      throw new IllegalStateException("container " + id + " is not running");
    }
    String libId = JsonTrees.read(Files.readString(f)).path("containerjId").asText();
    Path bundle = Path.of(s.path("bundle").asText());
    ObjectNode config = JsonTrees.readObject(Files.readString(bundle.resolve("config.json")));
    String processFile = args.flags.get("process");
    if (processFile != null) {
      config.set("process", JsonTrees.read(Files.readString(Path.of(processFile))));
    } else {
      List<String> cmd = args.positional.subList(1, args.positional.size());
      if (cmd.isEmpty()) {
        throw new IllegalArgumentException("exec needs --process FILE or a command after the id");
      }
      ArrayNode argv = config.with("process").putArray("args");
      cmd.forEach(argv::add);
      config.with("process").put("terminal", args.flag("tty"));
    }
    OciConfig oci = OciConfigReader.parse(JsonTrees.write(config), bundle);
    Path consoleSocket = ConsoleSocketOption.check(oci.terminal(), args.flags.get("console-socket"));
    ContainerRuntime runtime = libraryRuntime(id);
    // --detach: the process outlives this JVM (no parent-death signal), and only the caller's
    // subreaper reaps it (it reads the exit status there, as runc's exec'd child's).
    if (args.flag("detach")) {
      dev.containerj.namespaces.internal.Reaper.leaveChildrenUnreaped();
    }
    Container c = runtime.attach(libId, oci.container().toBuilder().detached(args.flag("detach")).build());
    var process = dev.containerj.core.ProcessSpec.builder().command(oci.process().command());
    oci.process().environment().forEach(process::env);
    oci.process().workingDirectory().ifPresent(process::workingDirectory);
    oci.process().uid().ifPresent(process::uid);
    oci.process().gid().ifPresent(process::gid);
    oci.process().groups().ifPresent(process::groups);
    oci.process().capabilities().ifPresent(process::capabilities);
    process.noNewPrivileges(oci.process().noNewPrivileges());
    var redirect = consoleSocket != null ? ConsoleSocketOption.tty() : dev.containerj.namespaces.Redirect.INHERIT;
    process.stdin(redirect).stdout(redirect).stderr(redirect);
    var p = c.exec(process.build());
    if (consoleSocket != null) {
      try {
        p.sendTerminal(consoleSocket);
      } catch (RuntimeException e) {
        p.close();
        throw e;
      }
    }
    writePidFile(args.flags.get("pid-file"), p.pid());
    if (args.flag("detach")) {
      return 0;
    }
    return p.waitFor().shellCode();
  }

  /** {@code state ID}: the runtime-spec state JSON. */
  private int state() throws IOException {
    out.println(JsonTrees.pretty(readState(args.id())));
    return 0;
  }

  /** {@code list [--format json]}. */
  private int list() throws IOException {
    List<ObjectNode> states = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path d : dirs.sorted().toList()) {
          if (Files.exists(d.resolve("state.json"))) {
            states.add(readState(d.getFileName().toString()));
          }
        }
      }
    }
    if ("json".equals(args.flags.get("format"))) {
      ArrayNode a = JsonTrees.array();
      states.forEach(a::add);
      out.println(JsonTrees.write(a));
    } else {
      out.printf("%-20s %-8s %-10s %s%n", "ID", "PID", "STATUS", "BUNDLE");
      for (ObjectNode s : states) {
        out.printf("%-20s %-8d %-10s %s%n", s.path("id").asText(), s.path("pid").asInt(), s.path("status").asText(),
            s.path("bundle").asText());
      }
    }
    return 0;
  }

  /** {@code kill [--all] ID [SIGNAL]}: SIGTERM by default, as runc. */
  private int kill() throws IOException {
    String id = args.id();
    ObjectNode s = readState(id);
    Signal sig = args.positional.size() > 1 ? Signal.parse(args.positional.get(1)) : Signal.SIGTERM;
    if (s.path("status").asText().equals("stopped")) {
      throw new IllegalStateException("container " + id + " is not running");
    }
    if (args.flag("all") && JsonTrees.read(Files.readString(stateFile(id))).path("created").asBoolean(false)) {
      // --all: every process of the container's cgroup, as runc (containerd's `ctr task kill --all`);
      // a SIGTERM to pid 1 alone is ignored by a pid 1 without a handler (pid_namespaces(7)).
      return KillAll.signal(containerCgroup(id), s.path("pid").asInt(), sig);
    }
    // The payload is pid 1 of its pid namespace: when it dies the kernel kills the rest.
    LibC.kill(s.path("pid").asInt(), sig.number());
    return 0;
  }

  /** {@code delete [--force] ID}. */
  private int delete() throws Exception {
    String id = args.id();
    if (args.flag("force") && !Files.exists(stateFile(id))) {
      // As runc: a forced delete of a container that is gone (or whose create failed halfway)
      // removes what is left and succeeds; containerd's shim cleanup relies on it. A create killed
      // halfway may have made cgroups already: its owner file names them.
      removeLibraryState(id);
      return 0;
    }
    ObjectNode s = readState(id);
    ObjectNode record = JsonTrees.readObject(Files.readString(stateFile(id)));
    if (record.path("created").asBoolean(false)) {
      // Made by create: no run process owns it, so delete kills it (with --force) and removes it all.
      if (!s.path("status").asText().equals("stopped")) {
        // runtime.md, "delete": a container that is not stopped is an error (unless forced).
        if (!args.flag("force")) {
          throw new IllegalStateException("container " + id + " is " + s.path("status").asText()
              + ": stop it or use --force");
        }
        if (s.path("status").asText().equals("paused")) {
          containerCgroup(id).thaw(); // a task frozen by the v1 freezer dies only once thawed
        }
        killQuietly(s.path("pid").asInt());
      }
      removeOnce(id, s.path("pid").asInt());
      return 0;
    }
    if (!s.path("status").asText().equals("stopped")) {
      if (!args.flag("force")) {
        throw new IllegalStateException("container " + id + " is " + s.path("status").asText()
            + ": stop it or use --force");
      }
      int pid = s.path("pid").asInt();
      LibC.kill(pid, Signal.SIGKILL.number());
      // the run process that owns it removes its directory when the payload is gone
      for (int i = 0; i < 500 && Files.exists(root.resolve(id)); i++) {
        Thread.sleep(10);
      }
    }
    deleteTree(root.resolve(id));
    return 0;
  }

  /**
   * The library runtime of container {@code id}: its state under ROOT/ID/lib, no reap at start, and
   * removal inline at close (not on the teardown lane): this JVM deletes ROOT/ID right after, and a
   * client reads {@code state}/{@code delete} as soon as the call returns.
   */
  private ContainerRuntime libraryRuntime(String id) {
    return ContainerRuntime.builder().stateDirectory(libraryStateDirectory(id)).reapOnStart(false)
        .backgroundTeardown(false).build();
  }

  /** The library's state directory of container {@code id}: ROOT/ID/lib. */
  private Path libraryStateDirectory(String id) {
    return root.resolve(id).resolve("lib");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
