package dev.containerj.layers;

import dev.containerj.linux.InvalidValueException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The container defaults from an image's config ({@code config} in the OCI image configuration):
 * what runs, with which environment, where and as whom. A {@code ContainerSpec} may override each.
 */
public final class ImageConfig {
  private final List<String> entrypoint;
  private final List<String> cmd;
  private final List<String> env;
  private final String workingDir;
  private final String user;
  private final Map<String, String> labels;

  private ImageConfig(Builder b) {
    this.entrypoint = List.copyOf(b.entrypoint);
    this.cmd = List.copyOf(b.cmd);
    this.env = List.copyOf(b.env);
    this.workingDir = b.workingDir;
    this.user = b.user;
    this.labels = Map.copyOf(b.labels);
  }

  /** {@return a builder with every field empty} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder holding this config's fields, to derive a changed copy} */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.entrypoint.addAll(entrypoint);
    b.cmd.addAll(cmd);
    b.env.addAll(env);
    b.workingDir = workingDir;
    b.user = user;
    b.labels.putAll(labels);
    return b;
  }

  /** {@return {@code Entrypoint}: the executable and its first arguments; may be empty} */
  public List<String> entrypoint() {
    return entrypoint;
  }

  /**
   * {@return {@code Cmd}: the default arguments appended to the entrypoint (or the command if there
   * is none)}
   */
  public List<String> cmd() {
    return cmd;
  }

  /** {@return {@code Env}: {@code NAME=value} strings, in image order} */
  public List<String> env() {
    return env;
  }

  /** {@return {@code WorkingDir}: the initial working directory, or {@code ""} for {@code /}} */
  public String workingDir() {
    return workingDir;
  }

  /**
   * {@return {@code User}: {@code user}, {@code uid}, {@code user:group} or {@code uid:gid}; {@code
   * ""} for root}
   */
  public String user() {
    return user;
  }

  /** {@return {@code Labels}} */
  public Map<String, String> labels() {
    return labels;
  }

  /** {@return entrypoint followed by Cmd: the argv a container runs when nothing overrides it} */
  public List<String> command() {
    List<String> all = new ArrayList<>(entrypoint);
    all.addAll(cmd);
    return List.copyOf(all);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageConfig && ((ImageConfig) o).entrypoint.equals(entrypoint)
        && ((ImageConfig) o).cmd.equals(cmd) && ((ImageConfig) o).env.equals(env)
        && ((ImageConfig) o).workingDir.equals(workingDir) && ((ImageConfig) o).user.equals(user)
        && ((ImageConfig) o).labels.equals(labels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(entrypoint, cmd, env, workingDir, user, labels);
  }

  @Override
  public String toString() {
    return "ImageConfig{entrypoint=" + entrypoint + ", cmd=" + cmd + ", env=" + env
        + ", workingDir=" + workingDir + ", user=" + user + ", labels=" + labels + "}";
  }

  /** Builds an {@link ImageConfig}. */
  public static final class Builder {
    private final List<String> entrypoint = new ArrayList<>();
    private final List<String> cmd = new ArrayList<>();
    private final List<String> env = new ArrayList<>();
    private String workingDir = "";
    private String user = "";
    private final Map<String, String> labels = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Replaces the entrypoint.
     *
     * @param entrypoint the executable and its first arguments; empty for none
     * @return this builder
     */
    public Builder entrypoint(List<String> entrypoint) {
      this.entrypoint.clear();
      this.entrypoint.addAll(entrypoint);
      return this;
    }

    /**
     * Replaces the default arguments.
     *
     * @param cmd the arguments appended to the entrypoint, or the command when there is no
     *     entrypoint
     * @return this builder
     */
    public Builder cmd(List<String> cmd) {
      this.cmd.clear();
      this.cmd.addAll(cmd);
      return this;
    }

    /**
     * Replaces the environment; each entry must be {@code NAME=value}.
     *
     * @param env {@code NAME=value} strings, in image order
     * @return this builder
     * @throws InvalidValueException naming the first entry without a name or an {@code =}
     */
    public Builder env(List<String> env) {
      for (String e : env) {
        if (e.indexOf('=') <= 0) {
          throw new InvalidValueException("env", e, "entries must be NAME=value");
        }
      }
      this.env.clear();
      this.env.addAll(env);
      return this;
    }

    /**
     * Sets the working directory.
     *
     * @param workingDir an absolute path inside the container, or empty for the runtime's default
     *     ({@code /})
     * @return this builder
     */
    public Builder workingDir(String workingDir) {
      this.workingDir = Objects.requireNonNull(workingDir, "workingDir");
      return this;
    }

    /**
     * Sets the user.
     *
     * @param user {@code uid}, {@code user}, {@code uid:gid} or {@code user:group}, or empty for
     *     root
     * @return this builder
     */
    public Builder user(String user) {
      this.user = Objects.requireNonNull(user, "user");
      return this;
    }

    /**
     * Replaces the labels.
     *
     * @param labels the image's labels (copied)
     * @return this builder
     */
    public Builder labels(Map<String, String> labels) {
      this.labels.clear();
      this.labels.putAll(labels);
      return this;
    }

    /** {@return a config holding the fields set so far} */
    public ImageConfig build() {
      return new ImageConfig(this);
    }
  }
}
