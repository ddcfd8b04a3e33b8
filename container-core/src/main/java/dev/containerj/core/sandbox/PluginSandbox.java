package dev.containerj.core.sandbox;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.core.Container;
import dev.containerj.core.ContainerException;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.Network;
import dev.containerj.core.RootFs;
import dev.containerj.namespaces.Redirect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Runs untrusted JVM code (a main class on the plugin's jars) or a command in a hardened container,
 * as build and test tools run plugins:
 *
 * <ul>
 *   <li>its root is an empty read-only directory with the host's {@code /usr} (programs and
 *       libraries: the JDK needs them) and the JDK ({@code java.home}) bound read-only, the
 *       plugin's class path at {@code /plugin/N.jar}, and {@code /scratch}, its only writable
 *       place (a host directory, or a tmpfs). No {@code /etc}, no home, no {@code /tmp}, nothing
 *       else of the host exists in it;
 *   <li>{@link ContainerSpec.Builder#hardened()}: no capabilities, the hardened seccomp profile,
 *       no_new_privs, no network (unless {@link Builder#network(boolean)} allows the host's);
 *   <li>limits: memory (no swap), cpu, pids, and a time limit after which it is killed;
 *   <li>stdin and stdout are pipes for a request/response protocol; stderr is captured into the
 *       {@link PluginResult}, with the reason it ended (exit, timeout, OOM, signal).
 * </ul>
 *
 * <pre>{@code
 * PluginSandbox sandbox = PluginSandbox.builder()
 *     .classPath(List.of(pluginJar)).mainClass("com.example.Plugin")
 *     .memory(256 << 20).pids(64).timeout(Duration.ofSeconds(10))
 *     .build();
 * try (PluginProcess p = sandbox.start("--mode", "check")) {
 *   p.stdin().write(request); p.stdin().close();
 *   byte[] response = p.stdout().readAllBytes();
 *   PluginResult r = p.waitFor();
 * }
 * }</pre>
 *
 * <p>Limits need root or a delegated cgroup subtree: where they cannot be enforced the start fails
 * (ContainerJ never runs without a limit that was asked for). Immutable; one sandbox starts any
 * number of plugins.
 */
public final class PluginSandbox {
  /** How much of a plugin's stderr its result keeps (the last bytes). */
  public static final int STDERR_LIMIT = 64 * 1024;
  /** The JVM options a plugin's JVM always gets: a fast start, and its temp files in /scratch. */
  public static final List<String> BASE_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Xshare:auto", "-Djava.io.tmpdir=/scratch",
      // the JVM's own warnings (a thread it could not start) on stderr, never in the plugin's protocol
      "-Xlog:disable", "-Xlog:all=warning:stderr");

  private final Path javaHome;
  private final List<Path> classPath;
  private final @Nullable String mainClass;
  private final List<String> command;
  private final List<String> jvmOptions;
  private final @Nullable Path scratch;
  private final long scratchSize;
  private final boolean network;
  private final long memory;
  private final double cpus;
  private final long pids;
  private final Duration timeout;
  private final List<Path> readOnlyPaths;
  /** Files outside the JDK and /usr that its links lead to (Debian: conf/ into /etc/java-N-openjdk). */
  private final List<Path> jdkLinkTargets;
  private final @Nullable ContainerRuntime runtime;

  private PluginSandbox(Builder b) {
    javaHome = b.javaHome;
    classPath = List.copyOf(b.classPath);
    mainClass = b.mainClass;
    command = List.copyOf(b.command);
    jvmOptions = List.copyOf(b.jvmOptions);
    scratch = b.scratch;
    scratchSize = b.scratchSize;
    network = b.network;
    memory = b.memory;
    cpus = b.cpus;
    pids = b.pids;
    timeout = b.timeout;
    readOnlyPaths = List.copyOf(b.readOnlyPaths);
    runtime = b.runtime;
    jdkLinkTargets = mainClass == null ? List.of() : linkTargetsOutside(javaHome);
  }

  /**
   * The real paths of the files that links in {@code javaHome} lead to outside it and /usr. A JDK
   * packaged by a distribution keeps its configuration there (Debian: {@code conf/security/
   * java.security} in /etc); without them it fails at its first TLS or socket use.
   */
  private static List<Path> linkTargetsOutside(Path javaHome) {
    List<Path> targets = new ArrayList<>();
    try (Stream<Path> s = Files.walk(javaHome)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isSymbolicLink(p) && Files.isRegularFile(p)) {
          Path real = p.toRealPath();
          if (!real.startsWith("/usr/") && !real.startsWith(javaHome) && !targets.contains(real)) {
            targets.add(real);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JDK at " + javaHome, e);
    }
    return List.copyOf(targets);
  }

  /**
   * A builder with the defaults: 256 MiB, 1 CPU, 64 tasks, 30 s, no network, a 64 MiB tmpfs
   * scratch.
   *
   * @return a new builder; it needs a main class (with a class path) or a command
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts the plugin with {@code args} after its main class (or its command).
   *
   * @param args the arguments after the main class or command; none for none
   * @return the running plugin, the caller's to wait for and close
   * @throws ContainerException when the container cannot start (naming the step); nothing is left
   * @throws dev.containerj.core.SpecValidationException when the container spec built from this
   *     sandbox breaks a rule
   * @throws java.io.UncheckedIOException when the plugin's root directory cannot be prepared
   */
  public PluginProcess start(String... args) {
    Path root;
    try {
      root = prepareRoot();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the plugin's root directory", e);
    }
    Runnable removeRoot = () -> deleteTree(root);
    try {
      ContainerSpec spec = spec(root, List.of(args));
      ContainerRuntime rt = runtime != null ? runtime : ContainerRuntime.defaults();
      Container c = rt.start(spec);
      return new PluginProcess(c, timeout, removeRoot);
    } catch (RuntimeException | Error e) {
      removeRoot.run();
      throw e;
    }
  }

  /** The container spec of a start (package-private for the tests). */
  ContainerSpec spec(Path root, List<String> args) {
    List<String> argv = new ArrayList<>();
    if (mainClass != null) {
      argv.add(javaHome.resolve("bin/java").toString());
      argv.addAll(BASE_JVM_OPTIONS);
      argv.addAll(jvmOptions);
      List<String> cp = new ArrayList<>();
      for (int i = 0; i < classPath.size(); i++) {
        cp.add("/plugin/" + i + ".jar");
      }
      argv.add("-cp");
      argv.add(String.join(":", cp));
      argv.add(mainClass);
    } else {
      argv.addAll(command);
    }
    argv.addAll(args);
    CgroupLimits.Builder limits = CgroupLimits.builder().memoryMax(memory).memorySwapMax(0).cpus(cpus).pidsMax(pids);
    ContainerSpec.Builder b = ContainerSpec.builder().hardened()
        .rootfs(RootFs.directory(root))
        .limits(limits.build())
        .privateTmp(false) // /scratch is the only writable place
        .network(network ? Network.host() : Network.none())
        .workingDirectory("/scratch")
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", "/scratch")
        .command(argv)
        .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE);
    b.mount(MountSpec.bindReadOnly(Path.of("/usr"), "/usr"));
    if (!javaHome.startsWith("/usr/")) {
      b.mount(MountSpec.bindReadOnly(javaHome, javaHome.toString()));
    }
    for (int i = 0; i < classPath.size(); i++) {
      b.mount(MountSpec.bindReadOnly(classPath.get(i), "/plugin/" + i + ".jar"));
    }
    for (Path p : readOnlyPaths) {
      b.mount(MountSpec.bindReadOnly(p, p.toString()));
    }
    for (Path p : jdkLinkTargets) {
      b.mount(MountSpec.bindReadOnly(p, p.toString()));
    }
    b.mount(scratch != null ? MountSpec.bind(scratch, "/scratch") : MountSpec.tmpfs("/scratch", scratchSize));
    return b.build();
  }

  /**
   * An empty tree with the mount points and, as on the host, /bin, /lib, /lib64 and /sbin (links
   * into /usr on a merged-/usr system, else directories bound read-only too).
   */
  private Path prepareRoot() throws IOException {
    Path root = Files.createTempDirectory("containerj-plugin-root");
    try {
      Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      for (String d : List.of("proc", "dev", "sys", "usr", "scratch", "plugin")) {
        Files.createDirectory(root.resolve(d));
      }
      for (String d : List.of("bin", "lib", "lib64", "sbin")) {
        Path host = Path.of("/", d);
        if (Files.isSymbolicLink(host)) {
          Files.createSymbolicLink(root.resolve(d), Files.readSymbolicLink(host));
        }
      }
      if (!javaHome.startsWith("/usr/")) {
        Files.createDirectories(root.resolve(javaHome.toString().substring(1)));
      }
      for (int i = 0; i < classPath.size(); i++) {
        Files.createFile(root.resolve("plugin/" + i + ".jar"));
      }
      List<Path> binds = new ArrayList<>(readOnlyPaths);
      binds.addAll(jdkLinkTargets);
      for (Path p : binds) {
        Path target = root.resolve(p.toString().substring(1));
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!Files.exists(target)) {
          Files.createDirectories(target.getParent());
          Files.createFile(target);
        }
      }
      return root;
    } catch (IOException | RuntimeException e) {
      deleteTree(root);
      throw e;
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temp directory: at worst left for the system's temp cleaner
    }
  }

  /** Builds a {@link PluginSandbox}; every setter checks its value. */
  public static final class Builder {
    private Path javaHome = Path.of(System.getProperty("java.home"));
    private List<Path> classPath = List.of();
    private @Nullable String mainClass;
    private List<String> command = List.of();
    private List<String> jvmOptions = List.of();
    private @Nullable Path scratch;
    private long scratchSize = 64L << 20;
    private boolean network;
    private long memory = 256L << 20;
    private double cpus = 1;
    private long pids = 64;
    private Duration timeout = Duration.ofSeconds(30);
    private List<Path> readOnlyPaths = List.of();
    private @Nullable ContainerRuntime runtime;

    private Builder() {}

    /**
     * The JDK bound read-only into the sandbox at its own path (default: this JVM's {@code
     * java.home}).
     *
     * @param dir a JDK's home directory, holding an executable {@code bin/java}
     * @return this builder
     * @throws IllegalArgumentException when {@code dir} has no executable {@code bin/java}
     */
    public Builder javaHome(Path dir) {
      if (!Files.isExecutable(dir.resolve("bin/java"))) {
        throw new IllegalArgumentException("javaHome: " + dir + " has no executable bin/java");
      }
      this.javaHome = absolute("javaHome", dir);
      return this;
    }

    /**
     * The plugin's jars, visible read-only at {@code /plugin/0.jar}, {@code /plugin/1.jar}, ...
     *
     * @param jars the plugin's jar files, in class path order
     * @return this builder
     * @throws IllegalArgumentException when an entry is not a regular file
     */
    public Builder classPath(List<Path> jars) {
      for (Path j : jars) {
        if (!Files.isRegularFile(j)) {
          throw new IllegalArgumentException("classPath: " + j + " is not a regular file (a jar)");
        }
      }
      this.classPath = jars.stream().map(j -> absolute("classPath", j)).toList();
      return this;
    }

    /**
     * The main class to run with the JDK; excludes {@link #command}.
     *
     * @param name a binary class name, such as {@code com.example.Plugin}
     * @return this builder
     * @throws IllegalArgumentException when {@code name} is not a binary class name
     */
    public Builder mainClass(String name) {
      if (!name.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
        throw new IllegalArgumentException("mainClass: \"" + name + "\" is not a binary class name");
      }
      this.mainClass = name;
      return this;
    }

    /**
     * A command (a program under /usr, or in the JDK) to run instead of a main class.
     *
     * @param argv the program and its arguments, as seen inside the sandbox
     * @return this builder
     * @throws IllegalArgumentException when {@code argv} is empty
     */
    public Builder command(List<String> argv) {
      if (argv.isEmpty()) {
        throw new IllegalArgumentException("command: empty; it needs a program");
      }
      this.command = List.copyOf(argv);
      return this;
    }

    /**
     * More options for the plugin's JVM ({@code -Xmx...}), after {@link #BASE_JVM_OPTIONS}.
     *
     * @param options the options, replacing any set before
     * @return this builder
     */
    public Builder jvmOptions(List<String> options) {
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    /**
     * A host directory bound writable at {@code /scratch} (default: a private tmpfs there). The
     * plugin's user must be able to write it: not this JVM's user, but an id of the container's
     * mapping (for a root JVM an unused range), so give it mode 1777 or chown it to that id.
     *
     * @param dir an existing host directory
     * @return this builder
     * @throws IllegalArgumentException when {@code dir} is not a directory (a symbolic link is
     *     refused)
     */
    public Builder scratch(Path dir) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalArgumentException("scratch: " + dir + " is not a directory");
      }
      this.scratch = absolute("scratch", dir);
      return this;
    }

    /**
     * The size of the tmpfs scratch when no directory is given, in bytes (default 64 MiB).
     *
     * @param bytes the size in bytes, at least 1 MiB
     * @return this builder
     * @throws IllegalArgumentException when {@code bytes} is below 1 MiB
     */
    public Builder scratchSize(long bytes) {
      this.scratchSize = atLeast("scratchSize", bytes, 1L << 20);
      return this;
    }

    /**
     * Whether the plugin may use the host's network (its network namespace: every host address and
     * port). Default false: a network namespace with no interface up, where every connect fails.
     *
     * @param allowed true to share the host's network namespace
     * @return this builder
     */
    public Builder network(boolean allowed) {
      this.network = allowed;
      return this;
    }

    /**
     * memory.max in bytes, with no swap (default 256 MiB). A JVM needs 32 MiB at least.
     *
     * @param bytes the limit in bytes, at least 32 MiB
     * @return this builder
     * @throws IllegalArgumentException when {@code bytes} is below 32 MiB
     */
    public Builder memory(long bytes) {
      this.memory = atLeast("memory", bytes, 32L << 20);
      return this;
    }

    /**
     * CPUs (cpu.max quota over period; default 1).
     *
     * @param cpus the CPUs, fractions allowed, at least 0.01
     * @return this builder
     * @throws IllegalArgumentException when {@code cpus} is below 0.01 (or NaN)
     */
    public Builder cpus(double cpus) {
      if (!(cpus >= 0.01)) {
        throw new IllegalArgumentException("cpus: " + cpus + " must be at least 0.01");
      }
      this.cpus = cpus;
      return this;
    }

    /**
     * pids.max: tasks (processes and threads) at once, the JVM's own included (default 64).
     *
     * @param max the most tasks, at least 16
     * @return this builder
     * @throws IllegalArgumentException when {@code max} is below 16
     */
    public Builder pids(long max) {
      this.pids = atLeast("pids", max, 16);
      return this;
    }

    /**
     * The time limit: the sandbox kills the plugin after it (default 30 s).
     *
     * @param timeout the limit of the plugin's run, positive
     * @return this builder
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout: " + timeout + " must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Host paths (absolute) the plugin may also read, bound read-only at the same path: its inputs.
     *
     * @param paths absolute host paths that exist, replacing any set before
     * @return this builder
     * @throws IllegalArgumentException when a path is relative or does not exist
     */
    public Builder readOnlyPaths(List<Path> paths) {
      for (Path p : paths) {
        if (!p.isAbsolute() || !Files.exists(p)) {
          throw new IllegalArgumentException("readOnlyPaths: " + p + " must be an absolute path that exists");
        }
      }
      this.readOnlyPaths = List.copyOf(paths);
      return this;
    }

    /**
     * The runtime to start the containers in (default: {@link ContainerRuntime#defaults()}).
     *
     * @param runtime the runtime; not null
     * @return this builder
     */
    public Builder runtime(ContainerRuntime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /**
     * The sandbox.
     *
     * @return the sandbox, ready to {@link PluginSandbox#start} plugins
     * @throws IllegalStateException when neither or both of a main class and a command were given
     */
    public PluginSandbox build() {
      if ((mainClass == null) == command.isEmpty()) {
        throw new IllegalStateException("mainClass/command: exactly one must be given (mainClass "
            + mainClass + ", command " + command + ")");
      }
      if (mainClass != null && classPath.isEmpty()) {
        throw new IllegalStateException("classPath: empty; mainClass " + mainClass + " needs the plugin's jars");
      }
      return new PluginSandbox(this);
    }

    private static Path absolute(String field, Path p) {
      return p.toAbsolutePath().normalize();
    }

    private static long atLeast(String field, long value, long min) {
      if (value < min) {
        throw new IllegalArgumentException(field + ": " + value + " is below the minimum " + min);
      }
      return value;
    }
  }
}
