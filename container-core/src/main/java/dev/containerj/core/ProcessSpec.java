package dev.containerj.core;

import dev.containerj.core.internal.SpecValidator;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.Redirect;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One process of a container, as runc separates a process from the container's config: its argv,
 * environment, working directory, ids, capabilities, rlimits, no_new_privs, stdio and whether an
 * init runs as pid 1 above it. A {@link ContainerSpec} holds its first process as one ({@link
 * ContainerSpec#process()}), and {@link Container#exec(ProcessSpec)} starts more.
 *
 * <p>What it does not set comes from the container: for the first process the defaults of {@link
 * ContainerSpec} (uid and gid 0, working directory {@code /}, {@link Capability#DEFAULT_SET},
 * no_new_privs on); for an exec'd process the container's values (its environment below this one's
 * variables, its working directory, ids, groups, capabilities and no_new_privs). An exec'd process
 * may narrow the container's confinement, never widen it (checked by {@link Container#exec}, every
 * violation at once). As a {@link dev.containerj.namespaces.ProcessConfig} it also describes a process
 * for {@code ProcessLauncher.builder().process(spec)}, which launches it in bare namespaces without a
 * container (only argv, environment, working directory and stdio apply there).
 *
 * <pre>{@code
 * try (ExecProcess p = container.exec(ProcessSpec.builder().command("cat", "/etc/hostname")
 *     .stdout(Redirect.PIPE).build())) {
 *   String hostname = new String(p.stdout().readAllBytes());
 *   p.waitFor();
 * }
 * }</pre>
 */
public final class ProcessSpec implements dev.containerj.namespaces.ProcessConfig {
  private final List<String> command;
  private final Map<String, String> environment;
  private final @Nullable String workingDirectory;
  private final @Nullable Long uid;
  private final @Nullable Long gid;
  private final @Nullable List<Long> groups;
  private final @Nullable Set<Capability> capabilities;
  private final @Nullable Boolean noNewPrivileges;
  private final List<Rlimit> rlimits;
  private final Redirect stdin;
  private final Redirect stdout;
  private final Redirect stderr;
  private final boolean redirectErrorStream;
  private final boolean init;

  private ProcessSpec(Builder b) {
    this.command = List.copyOf(b.command);
    this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
    this.workingDirectory = b.workingDirectory;
    this.uid = b.uid;
    this.gid = b.gid;
    this.groups = b.groups == null ? null : List.copyOf(b.groups);
    this.capabilities = b.capabilities == null ? null : Collections.unmodifiableSet(
        b.capabilities.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(b.capabilities));
    this.noNewPrivileges = b.noNewPrivileges;
    this.rlimits = List.copyOf(b.rlimits);
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.redirectErrorStream = b.redirectErrorStream;
    this.init = b.init;
  }

  /**
   * A builder; {@link Builder#command} is required. Stdio defaults to {@link Redirect#PIPE} for
   * stdout and stderr.
   *
   * @return a new builder, not yet valid: it needs a command
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this spec's values.
   *
   * @return a new builder; changing it leaves this spec as it is
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The argv; the first element is looked up in the container's PATH when it has no slash. */
  public List<String> command() {
    return command;
  }

  /**
   * The variables: the whole environment of a container's first process (it starts clean; PATH is
   * added when absent), or those set on top of the container's environment for an exec'd process.
   */
  public Map<String, String> environment() {
    return environment;
  }

  /** The working directory inside the container; empty: the container's ({@code /} for the first process). */
  public Optional<String> workingDirectory() {
    return Optional.ofNullable(workingDirectory);
  }

  /** {@return the uid inside the container; empty: the container's (0 for the first process)} */
  public Optional<Long> uid() {
    return Optional.ofNullable(uid);
  }

  /** {@return the gid inside the container; empty: the container's (0 for the first process)} */
  public Optional<Long> gid() {
    return Optional.ofNullable(gid);
  }

  /** {@return the supplementary groups; empty: the container's (none for the first process)} */
  public Optional<List<Long>> groups() {
    return Optional.ofNullable(groups);
  }

  /**
   * The capabilities; empty: the container's ({@link Capability#DEFAULT_SET} for the first process).
   * An exec'd process's must be a subset of the container's.
   *
   * @return the capabilities set, or empty when unset
   */
  public Optional<Set<Capability>> capabilities() {
    return Optional.ofNullable(capabilities);
  }

  /**
   * Whether this spec turns no_new_privs on. Unset, a container's first process has it on (the
   * secure default) and an exec'd one has the container's; {@link Builder#noNewPrivileges(boolean)
   * noNewPrivileges(false)} turns it off for a first process, and means "the container's" for an
   * exec'd one, which can never drop what its container has.
   *
   * @return true when no_new_privs is on or unset, false when turned off
   */
  public boolean noNewPrivileges() {
    return Boolean.TRUE.equals(noNewPrivileges);
  }

  /**
   * {@return whether no_new_privs was set explicitly, either way; empty: the default (see {@link
   * #noNewPrivileges()})}
   */
  public Optional<Boolean> noNewPrivilegesSetting() {
    return Optional.ofNullable(noNewPrivileges);
  }

  /** {@return the resource limits set before execve (setrlimit(2)), in order} */
  public List<Rlimit> rlimits() {
    return rlimits;
  }

  /** Where stdin comes from (default {@link Redirect#DISCARD}: /dev/null). */
  public Redirect stdin() {
    return stdin;
  }

  /** Where stdout goes. */
  public Redirect stdout() {
    return stdout;
  }

  /**
   * Where stderr goes; {@link Redirect#DISCARD} while {@link #redirectErrorStream()} is set (fd 2 is
   * then made a copy of fd 1 just before execve, so nothing is written to the placeholder).
   */
  public Redirect stderr() {
    return redirectErrorStream ? Redirect.DISCARD : stderr;
  }

  /**
   * Whether fd 2 is a duplicate of fd 1 (as {@link ProcessBuilder#redirectErrorStream(boolean)}): the
   * two outputs interleave in one stream, in the order they were written, and the stderr stream of
   * the handle is at end-of-file.
   *
   * @return true when stderr goes to stdout
   */
  public boolean redirectErrorStream() {
    return redirectErrorStream;
  }

  /**
   * Whether a minimal init runs as the container's pid 1 above this process (as {@code docker run
   * --init}, tini's job): it forwards every signal it gets to this process, reaps the zombies that
   * orphans leave, and exits with this process's status ({@code 128 + N} when a signal N killed it).
   * Without it this process is pid 1, which the kernel shields from every signal it has no handler
   * for (pid_namespaces(7)), and orphans stay zombies unless it reaps them. Only for a container's
   * first process.
   *
   * @return true when the init runs above this process; false by default
   */
  public boolean init() {
    return init;
  }

  @Override
  public String toString() {
    return "ProcessSpec{command=" + command + (uid == null ? "" : ", uid=" + uid)
        + (workingDirectory == null ? "" : ", workingDirectory=" + workingDirectory)
        + (init ? ", init" : "") + "}";
  }

  /** Builder of a {@link ProcessSpec}. Setters replace what they set; {@link #env} adds one variable. */
  public static final class Builder {
    List<String> command = List.of();
    final Map<String, String> environment = new LinkedHashMap<>();
    @Nullable String workingDirectory;
    @Nullable Long uid;
    @Nullable Long gid;
    @Nullable List<Long> groups;
    @Nullable Set<Capability> capabilities;
    @Nullable Boolean noNewPrivileges;
    final List<Rlimit> rlimits = new ArrayList<>();
    Redirect stdin = Redirect.DISCARD;
    Redirect stdout = Redirect.PIPE;
    Redirect stderr = Redirect.PIPE;
    boolean redirectErrorStream;
    boolean init;

    private Builder() {}

    private Builder(ProcessSpec s) {
      command = s.command;
      environment.putAll(s.environment);
      workingDirectory = s.workingDirectory;
      uid = s.uid;
      gid = s.gid;
      groups = s.groups;
      capabilities = s.capabilities == null ? null : copy(s.capabilities);
      noNewPrivileges = s.noNewPrivileges;
      rlimits.addAll(s.rlimits);
      stdin = s.stdin;
      stdout = s.stdout;
      stderr = s.stderr;
      redirectErrorStream = s.redirectErrorStream;
      init = s.init;
    }

    private static Set<Capability> copy(Set<Capability> caps) {
      Set<Capability> c = EnumSet.noneOf(Capability.class);
      c.addAll(caps);
      return c;
    }

    /**
     * The argv (required, not empty).
     *
     * @param argv the program and its arguments; not empty
     * @return this builder
     */
    public Builder command(String... argv) {
      return command(List.of(argv));
    }

    /**
     * The argv (required, not empty).
     *
     * @param argv the argv (required, not empty)
     * @return this builder
     */
    public Builder command(List<String> argv) {
      this.command = List.copyOf(Objects.requireNonNull(argv, "argv"));
      return this;
    }

    /**
     * Sets one variable.
     *
     * @param name the variable's name; not null
     * @param value its value, replacing any set before; not null
     * @return this builder
     */
    public Builder env(String name, String value) {
      environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Replaces every variable.
     *
     * @param env the variables, name to value; an empty map for none
     * @return this builder
     */
    public Builder environment(Map<String, String> env) {
      environment.clear();
      environment.putAll(env);
      return this;
    }

    /**
     * The working directory inside the container (absolute).
     *
     * @param dir an absolute path inside the container
     * @return this builder
     */
    public Builder workingDirectory(String dir) {
      this.workingDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * The uid inside the container.
     *
     * @param uid the uid inside the container
     * @return this builder
     */
    public Builder uid(long uid) {
      this.uid = uid;
      return this;
    }

    /**
     * The gid inside the container.
     *
     * @param gid the gid inside the container
     * @return this builder
     */
    public Builder gid(long gid) {
      this.gid = gid;
      return this;
    }

    /**
     * The supplementary groups inside the container.
     *
     * @param groups the supplementary groups inside the container
     * @return this builder
     */
    public Builder groups(List<Long> groups) {
      this.groups = List.copyOf(Objects.requireNonNull(groups, "groups"));
      return this;
    }

    /**
     * The capabilities (an exec'd process's: a subset of the container's).
     *
     * @param capabilities the whole set, replacing what was set; empty for none
     * @return this builder
     */
    public Builder capabilities(Set<Capability> capabilities) {
      this.capabilities = copy(Objects.requireNonNull(capabilities, "capabilities"));
      return this;
    }

    /**
     * Sets or clears no_new_privs (see {@link ProcessSpec#noNewPrivileges()}).
     *
     * @param set true to turn no_new_privs on, false to turn it off
     * @return this builder
     */
    public Builder noNewPrivileges(boolean set) {
      this.noNewPrivileges = set;
      return this;
    }

    /**
     * Adds a resource limit.
     *
     * @param limit the limit; not null
     * @return this builder
     */
    public Builder rlimit(Rlimit limit) {
      rlimits.add(Objects.requireNonNull(limit, "limit"));
      return this;
    }

    /**
     * Where stdin comes from.
     *
     * @param r the source of stdin; not null
     * @return this builder
     */
    public Builder stdin(Redirect r) {
      this.stdin = Objects.requireNonNull(r, "stdin");
      return this;
    }

    /**
     * Where stdout goes.
     *
     * @param r where stdout goes
     * @return this builder
     */
    public Builder stdout(Redirect r) {
      this.stdout = Objects.requireNonNull(r, "stdout");
      return this;
    }

    /**
     * Where stderr goes (ignored while {@link #redirectErrorStream(boolean)} is set).
     *
     * @param r the destination of stderr; not null
     * @return this builder
     */
    public Builder stderr(Redirect r) {
      this.stderr = Objects.requireNonNull(r, "stderr");
      return this;
    }

    /**
     * Sends stderr where stdout goes, as {@link ProcessBuilder#redirectErrorStream(boolean)}.
     *
     * @param redirect true to merge stderr into stdout
     * @return this builder
     */
    public Builder redirectErrorStream(boolean redirect) {
      this.redirectErrorStream = redirect;
      return this;
    }

    /**
     * Runs a minimal init as pid 1 above this process (see {@link ProcessSpec#init()}).
     *
     * @param init true for the init above this process
     * @return this builder
     */
    public Builder init(boolean init) {
      this.init = init;
      return this;
    }

    /** The spec without checks: a ContainerSpec checks its first process with its own rules. */
    ProcessSpec buildUnchecked() {
      return new ProcessSpec(this);
    }

    /**
     * {@return the spec}
     *
     * @throws SpecValidationException listing every field that breaks its rule
     */
    public ProcessSpec build() {
      ProcessSpec spec = new ProcessSpec(this);
      List<SpecValidationException.Violation> v = SpecValidator.validate(spec);
      if (!v.isEmpty()) {
        throw new SpecValidationException(v);
      }
      return spec;
    }
  }
}
