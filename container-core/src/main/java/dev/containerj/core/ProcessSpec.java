package dev.containerj.core;

import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.Redirect;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One more process for a running container ({@link Container#exec(ProcessSpec)}), as runc separates
 * a process from the container's config: its argv, environment, working directory, ids,
 * capabilities, no_new_privs and stdio. What it does not set comes from the container's spec (its
 * environment, working directory, uid, gid, groups, capabilities and no_new_privs); it may narrow the
 * container's confinement, never widen it (checked by {@link Container#exec}, every violation at
 * once).
 *
 * <pre>{@code
 * try (ExecProcess p = container.exec(ProcessSpec.builder().command("cat", "/etc/hostname")
 *     .stdout(Redirect.PIPE).build())) {
 *   String hostname = new String(p.stdout().readAllBytes());
 *   p.waitFor();
 * }
 * }</pre>
 */
public final class ProcessSpec {
  private final List<String> command;
  private final Map<String, String> environment;
  private final @Nullable String workingDirectory;
  private final @Nullable Long uid;
  private final @Nullable Long gid;
  private final @Nullable List<Long> groups;
  private final @Nullable Set<Capability> capabilities;
  private final boolean noNewPrivileges;
  private final Redirect stdin;
  private final Redirect stdout;
  private final Redirect stderr;

  private ProcessSpec(Builder b) {
    this.command = List.copyOf(b.command);
    this.environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
    this.workingDirectory = b.workingDirectory;
    this.uid = b.uid;
    this.gid = b.gid;
    this.groups = b.groups == null ? null : List.copyOf(b.groups);
    this.capabilities = b.capabilities == null ? null : java.util.Collections.unmodifiableSet(EnumSet.copyOf(b.capabilities));
    this.noNewPrivileges = b.noNewPrivileges;
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
  }

  /** {@return a builder; {@link Builder#command} is required} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return the argv; the first element is looked up in the container's PATH when it has no slash}
   */
  public List<String> command() {
    return command;
  }

  /** {@return the variables set on top of the container's environment} */
  public Map<String, String> environment() {
    return environment;
  }

  /** {@return the working directory inside the container; empty: the container's} */
  public Optional<String> workingDirectory() {
    return Optional.ofNullable(workingDirectory);
  }

  /** {@return the uid inside the container; empty: the container's} */
  public Optional<Long> uid() {
    return Optional.ofNullable(uid);
  }

  /** {@return the gid inside the container; empty: the container's} */
  public Optional<Long> gid() {
    return Optional.ofNullable(gid);
  }

  /** {@return the supplementary groups; empty: the container's} */
  public Optional<List<Long>> groups() {
    return Optional.ofNullable(groups);
  }

  /** {@return the capabilities, a subset of the container's; empty: the container's} */
  public Optional<Set<Capability>> capabilities() {
    return Optional.ofNullable(capabilities);
  }

  /** {@return whether no_new_privs is set even if the container runs without it} */
  public boolean noNewPrivileges() {
    return noNewPrivileges;
  }

  /** {@return where stdin comes from (default {@link Redirect#DISCARD})} */
  public Redirect stdin() {
    return stdin;
  }

  /** {@return where stdout goes (default {@link Redirect#PIPE})} */
  public Redirect stdout() {
    return stdout;
  }

  /** {@return where stderr goes (default {@link Redirect#PIPE})} */
  public Redirect stderr() {
    return stderr;
  }

  @Override
  public String toString() {
    return "ProcessSpec{command=" + command + (uid == null ? "" : ", uid=" + uid)
        + (workingDirectory == null ? "" : ", workingDirectory=" + workingDirectory) + "}";
  }

  /** Builder of a {@link ProcessSpec}. */
  public static final class Builder {
    private List<String> command = List.of();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private @Nullable String workingDirectory;
    private @Nullable Long uid;
    private @Nullable Long gid;
    private @Nullable List<Long> groups;
    private @Nullable Set<Capability> capabilities;
    private boolean noNewPrivileges;
    private Redirect stdin = Redirect.DISCARD;
    private Redirect stdout = Redirect.PIPE;
    private Redirect stderr = Redirect.PIPE;

    private Builder() {}

    /**
     * The argv (required, not empty).
     *
     * @param argv the argv (required, not empty)
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
      this.command = new ArrayList<>(Objects.requireNonNull(argv, "argv"));
      return this;
    }

    /**
     * Sets one variable on top of the container's environment.
     *
     * @param name the variable's name
     * @param value its value
     * @return this builder
     */
    public Builder env(String name, String value) {
      environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * The working directory inside the container (absolute).
     *
     * @param dir the working directory inside the container (absolute)
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
      this.groups = new ArrayList<>(Objects.requireNonNull(groups, "groups"));
      return this;
    }

    /**
     * The capabilities: a subset of the container's.
     *
     * @param capabilities the capabilities: a subset of the container's
     * @return this builder
     */
    public Builder capabilities(Set<Capability> capabilities) {
      this.capabilities = EnumSet.noneOf(Capability.class);
      this.capabilities.addAll(Objects.requireNonNull(capabilities, "capabilities"));
      return this;
    }

    /**
     * Sets no_new_privs for this process even if the container runs without it.
     *
     * @param set true to set it; false leaves the container's setting
     * @return this builder
     */
    public Builder noNewPrivileges(boolean set) {
      this.noNewPrivileges = set;
      return this;
    }

    /**
     * Where stdin comes from ({@link Redirect#tty()}: not for exec yet, only for a container's
     * first process).
     *
     * @param r where stdin comes from ({@link Redirect#tty()}: not for exec yet, only for a
     *     container's first process)
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
     * Where stderr goes.
     *
     * @param r where stderr goes
     * @return this builder
     */
    public Builder stderr(Redirect r) {
      this.stderr = Objects.requireNonNull(r, "stderr");
      return this;
    }

    /**
     * {@return the spec}
     *
     * @throws SpecValidationException listing every field that breaks its rule
     */
    public ProcessSpec build() {
      List<SpecValidationException.Violation> v = new ArrayList<>();
      if (command.isEmpty() || command.get(0).isEmpty()) {
        v.add(new SpecValidationException.Violation("command", command.toString(), "must name a program"));
      }
      if (workingDirectory != null && !workingDirectory.startsWith("/")) {
        v.add(new SpecValidationException.Violation("workingDirectory", workingDirectory, "must be absolute"));
      }
      for (String[] s : new String[][] {{"uid", String.valueOf(uid)}, {"gid", String.valueOf(gid)}}) {
        if (!s[1].equals("null") && (Long.parseLong(s[1]) < 0 || Long.parseLong(s[1]) > 4294967294L)) {
          v.add(new SpecValidationException.Violation(s[0], s[1], "must be 0-4294967294"));
        }
      }
      if (!v.isEmpty()) {
        throw new SpecValidationException(v);
      }
      return new ProcessSpec(this);
    }
  }
}
