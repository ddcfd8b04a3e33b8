package dev.containerj.namespaces;

import dev.containerj.linux.IdMapping;
import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.Constants;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.LaunchRequest;
import dev.containerj.namespaces.internal.Launcher;
import dev.containerj.namespaces.internal.ProgramSteps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Launches a process in new namespaces, or in the namespaces of a running process (the base of
 * {@code exec} into a container). It sets up no filesystem: a new mount namespace starts as a copy
 * of the caller's. For a full container (root filesystem, /proc, /dev, limits, defaults) use
 * {@code dev.containerj.core.Container}.
 *
 * <pre>{@code
 * try (NamespacedProcess p = ProcessLauncher.builder()
 *     .command("hostname")
 *     .namespaces(EnumSet.of(Namespace.USER, Namespace.UTS))
 *     .hostname("sandbox")
 *     .stdout(Redirect.PIPE)
 *     .build()
 *     .start()) {
 *   String out = new String(p.stdout().readAllBytes());
 * }
 * }</pre>
 *
 * <p>In a new user namespace the process is root (uid 0) mapped to the caller's own uid and gid,
 * unless mappings are given; ranges beyond one id as an ordinary user need newuidmap/newgidmap.
 */
public final class ProcessLauncher {
  private final List<String> command;
  private final Map<String, String> environment;
  private final @Nullable Path workingDirectory;
  private final Set<Namespace> namespaces;
  private final List<IdMapping> uidMappings;
  private final List<IdMapping> gidMappings;
  private final @Nullable String hostname;
  private final int joinPid;
  private final Set<Namespace> joinNamespaces;
  private final Redirect stdin;
  private final Redirect stdout;
  private final Redirect stderr;
  private final boolean dieWithParent;

  private ProcessLauncher(Builder b) {
    this.command = List.copyOf(b.command);
    this.environment = Map.copyOf(b.environment);
    this.workingDirectory = b.workingDirectory;
    this.namespaces = Set.copyOf(b.namespaces);
    this.uidMappings = List.copyOf(b.uidMappings);
    this.gidMappings = List.copyOf(b.gidMappings);
    this.hostname = b.hostname;
    this.joinPid = b.joinPid;
    this.joinNamespaces = Set.copyOf(b.joinNamespaces);
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.dieWithParent = b.dieWithParent;
  }

  /** {@return a builder with no command, no new namespaces and stdin discarded} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the argv; the first element is looked up in PATH when it has no slash} */
  public List<String> command() {
    return command;
  }

  /** {@return the namespaces the process gets new} */
  public Set<Namespace> namespaces() {
    return namespaces;
  }

  /**
   * Starts the process. Returns once it has exec'd its command; a failure of any step throws a
   * {@link LaunchException} naming it and leaves no process behind.
   *
   * @return the running process; killed with this JVM unless {@link Builder#dieWithParent(boolean)}
   *     said otherwise
   * @throws LaunchException naming the step that failed and its errno
   */
  public NamespacedProcess start() throws LaunchException {
    HelperProgram p = new HelperProgram();
    List<Fd> nsFds = new ArrayList<>();
    List<Integer> passFds = new ArrayList<>();
    try {
      if (joinPid > 0) {
        // The user namespace first: it grants the capabilities that joining the others needs.
        List<Namespace> order = new ArrayList<>(joinNamespaces);
        order.sort((a, b) -> a == Namespace.USER ? -1 : b == Namespace.USER ? 1 : a.compareTo(b));
        for (Namespace ns : order) {
          String path = "/proc/" + joinPid + "/ns/" + ns.procName();
          int fd;
          try {
            fd = LibC.open(path, Constants.O_RDONLY | Constants.O_CLOEXEC, 0);
          } catch (LastErrorException e) {
            throw new LaunchException("open(" + path + ")", e.getErrorCode(), null);
          }
          nsFds.add(new Fd(fd));
          passFds.add(fd);
        }
        for (int i = 0; i < order.size(); i++) {
          Namespace ns = order.get(i);
          p.setns(3 + i, ProgramSteps.flag(ns), ns.procName() + " of pid " + joinPid);
        }
      }
      boolean newUser = namespaces.contains(Namespace.USER);
      ProgramSteps.cloneInto(p, namespaces);
      p.setsid(); // never in the JVM's process group: kill(0) inside must not reach it
      if (hostname != null) {
        p.sethostname(hostname);
      }
      if (workingDirectory != null) {
        p.chdir(workingDirectory.toString());
      }
      if (dieWithParent) {
        p.prctl(HelperProgram.PR_SET_PDEATHSIG, Constants.SIGKILL, "PR_SET_PDEATHSIG, SIGKILL");
      }
      p.closeFrom(3);
      Map<String, String> env = new LinkedHashMap<>(environment);
      env.putIfAbsent("PATH", ProgramSteps.DEFAULT_PATH);
      p.exec(ProgramSteps.candidates(command.get(0), env), command, env);

      List<IdMapping> uids = uidMappings.isEmpty() ? List.of(IdMapping.single(0, LibC.geteuid())) : uidMappings;
      List<IdMapping> gids = gidMappings.isEmpty() ? List.of(IdMapping.single(0, LibC.getegid())) : gidMappings;
      return Launcher.launch(new LaunchRequest(p, newUser, uids, gids, stdin, stdout, stderr, passFds, null, null));
    } finally {
      nsFds.forEach(Fd::close);
    }
  }

  /** Builder of a {@link ProcessLauncher}. */
  public static final class Builder {
    private List<String> command = List.of();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private @Nullable Path workingDirectory;
    private Set<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
    private List<IdMapping> uidMappings = List.of();
    private List<IdMapping> gidMappings = List.of();
    private @Nullable String hostname;
    private int joinPid;
    private Set<Namespace> joinNamespaces = EnumSet.noneOf(Namespace.class);
    private Redirect stdin = Redirect.DISCARD;
    private Redirect stdout = Redirect.INHERIT;
    private Redirect stderr = Redirect.INHERIT;
    private boolean dieWithParent = true;

    private Builder() {}

    /**
     * Sets the argv, the environment (replacing what was set), the working directory when it has one
     * and the stdio from {@code process}: the same value a container's process is described by.
     *
     * @param process the argv, environment, working directory and stdio to copy; not null
     * @return this builder
     */
    public Builder process(ProcessConfig process) {
      command(process.command());
      environment.clear();
      process.environment().forEach(this::env);
      process.workingDirectory().ifPresent(d -> workingDirectory(Path.of(d)));
      return stdin(process.stdin()).stdout(process.stdout()).stderr(process.stderr());
    }

    /**
     * Sets the command, as {@link #command(List)}.
     *
     * @param argv the program and its arguments; not empty
     * @return this builder
     */
    public Builder command(String... argv) {
      return command(List.of(argv));
    }

    /**
     * Sets the command.
     *
     * @param argv the program and its arguments; not empty
     * @return this builder
     */
    public Builder command(List<String> argv) {
      this.command = List.copyOf(argv);
      return this;
    }

    /**
     * Adds an environment variable; the environment starts empty (PATH is set if absent).
     *
     * @param name the variable's name
     * @param value its value
     * @return this builder
     */
    public Builder env(String name, String value) {
      environment.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
      return this;
    }

    /**
     * Sets the working directory; default: the helper's (this JVM's).
     *
     * @param dir a directory as the new process sees it
     * @return this builder
     */
    public Builder workingDirectory(Path dir) {
      this.workingDirectory = dir;
      return this;
    }

    /**
     * The namespaces to create.
     *
     * @param namespaces the namespaces to create; replaces any set before
     * @return this builder
     */
    public Builder namespaces(Set<Namespace> namespaces) {
      this.namespaces = EnumSet.noneOf(Namespace.class);
      this.namespaces.addAll(namespaces);
      return this;
    }

    /**
     * Sets the uid map of a new user namespace; default: root inside is this process's euid.
     *
     * @param mappings the uid_map lines
     * @return this builder
     */
    public Builder uidMappings(List<IdMapping> mappings) {
      this.uidMappings = List.copyOf(mappings);
      return this;
    }

    /**
     * Sets the gid map of a new user namespace; default: root inside is this process's egid.
     *
     * @param mappings the gid_map lines
     * @return this builder
     */
    public Builder gidMappings(List<IdMapping> mappings) {
      this.gidMappings = List.copyOf(mappings);
      return this;
    }

    /**
     * The hostname in a new UTS namespace.
     *
     * @param hostname the hostname; needs {@link Namespace#UTS}
     * @return this builder
     */
    public Builder hostname(String hostname) {
      this.hostname = hostname;
      return this;
    }

    /**
     * Joins these namespaces of a running process before creating any new ones.
     *
     * @param pid the running process whose namespaces are joined (setns(2) on its /proc/PID/ns
     *     files)
     * @param namespaces which of its namespaces to join
     * @return this builder
     */
    public Builder joinNamespacesOf(int pid, Set<Namespace> namespaces) {
      this.joinPid = pid;
      this.joinNamespaces = EnumSet.noneOf(Namespace.class);
      this.joinNamespaces.addAll(namespaces);
      return this;
    }

    /** A process without a container has no /dev/pts of its own to make a terminal in. */
    private static Redirect noTty(Redirect r) {
      if (r.type() == Redirect.Type.TTY) {
        throw new dev.containerj.linux.InvalidValueException("stdio", r.toString(), "Redirect.tty() needs a container with its own /dev/pts "
            + "(ContainerSpec); ProcessLauncher cannot make one");
      }
      return r;
    }

    /**
     * Where stdin comes from. Default {@link Redirect#DISCARD}: a payload never steals the JVM's
     * stdin.
     *
     * @param r the source; {@link Redirect#tty()} is refused (no /dev/pts of its own)
     * @return this builder
     */
    public Builder stdin(Redirect r) {
      this.stdin = noTty(r);
      return this;
    }

    /**
     * Where stdout goes. Default {@link Redirect#INHERIT}.
     *
     * @param r the destination; {@link Redirect#tty()} is refused (no /dev/pts of its own)
     * @return this builder
     */
    public Builder stdout(Redirect r) {
      this.stdout = noTty(r);
      return this;
    }

    /**
     * Where stderr goes. Default {@link Redirect#INHERIT}.
     *
     * @param r the destination; {@link Redirect#tty()} is refused (no /dev/pts of its own)
     * @return this builder
     */
    public Builder stderr(Redirect r) {
      this.stderr = noTty(r);
      return this;
    }

    /**
     * Whether the process is killed when this JVM exits (the default), or outlives it.
     *
     * @param die true (the default) to kill it with this JVM (PR_SET_PDEATHSIG)
     * @return this builder
     */
    public Builder dieWithParent(boolean die) {
      this.dieWithParent = die;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the launcher; it can start any number of processes
     * @throws dev.containerj.linux.InvalidValueException for an empty command, a hostname without a UTS namespace, or
     *     a bad pid to join
     */
    public ProcessLauncher build() {
      if (command.isEmpty() || command.get(0).isEmpty()) {
        throw new dev.containerj.linux.InvalidValueException("command", command.toString(), "must not be empty");
      }
      if (hostname != null && !namespaces.contains(Namespace.UTS)) {
        throw new dev.containerj.linux.InvalidValueException("hostname", hostname, "needs a new UTS namespace");
      }
      if (joinPid < 0) {
        throw new dev.containerj.linux.InvalidValueException("joinPid", Long.toString(joinPid), "must be > 0");
      }
      for (Namespace ns : joinNamespaces) {
        if (namespaces.contains(ns)) {
          throw new dev.containerj.linux.InvalidValueException("namespaces", ns.toString(), "cannot be both joined and created");
        }
      }
      return new ProcessLauncher(this);
    }
  }
}
