package dev.containerj.cgroups;

import dev.containerj.cgroups.internal.Managers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Creates and opens cgroups below one parent: by default the cgroup of the calling process, in
 * every hierarchy the host mounts. One implementation per hierarchy version: cgroup v2, and v1 with
 * v2 membership for hybrid (and pure v1) hosts; {@link #forCurrentProcess()} picks the right one.
 *
 * <pre>{@code
 * CgroupManager cgroups = CgroupManager.forCurrentProcess();
 * try (Cgroup cg = cgroups.create("containerj/" + id,
 *     CgroupLimits.builder().memoryMax(64 << 20).cpus(0.5).pidsMax(100).build())) {
 *   cg.addProcess(pid);
 *   ...
 * }
 * }</pre>
 *
 * <p>A manager holds no kernel resources. An ordinary user can create cgroups only inside a subtree
 * delegated to them (systemd {@code Delegate=yes}); elsewhere creation fails with a {@link
 * CgroupException} that says which file is not writable.
 */
public interface CgroupManager {
  /**
   * {@return a manager whose parent is the calling process's own cgroup (read from
   * /proc/self/cgroup)}
   *
   * @throws IOException when /proc/self/mountinfo or /proc/self/cgroup cannot be read, or no
   *     hierarchy is mounted
   */
  static CgroupManager forCurrentProcess() throws IOException {
    return builder().build();
  }

  /** {@return a builder to configure the environment, the parent and controller delegation} */
  static Builder builder() {
    return new Builder();
  }

  /** {@return the host's layout} */
  CgroupHierarchy hierarchy();

  /** {@return the parent's directories: v1 controller name or {@code "unified"} to directory} */
  Map<String, Path> parentPaths();

  /**
   * Checks that the calling user may create cgroups below the parent in every hierarchy: the
   * directories exist, and the directory, its cgroup.procs and (v2) cgroup.subtree_control are
   * writable (owned by or delegated to the caller). {@link #create} runs the same check.
   *
   * @throws CgroupException naming the first file that is not writable, and the remedy
   */
  void checkDelegated() throws CgroupException;

  /**
   * Creates cgroup {@code name} below the parent with {@code limits}, in one call. {@code name} is one
   * or more path components ({@code "containerj/abc"}); missing intermediate directories are created
   * too. Before creating anything it checks the name (no {@code ".."}, no absolute path), resolves
   * io devices and checks that the host can enforce every limit; on any failure afterwards it
   * removes what it created.
   *
   * @param name the new cgroup's path below the parent, one or more components
   * @param limits the limits to apply before any process joins
   * @return the new cgroup
   * @throws dev.containerj.linux.InvalidValueException for a bad name or an unknown io device
   * @throws UnsupportedLimitException for a limit this host cannot enforce
   * @throws CgroupException when the cgroup exists already or a write fails
   */
  Cgroup create(String name, CgroupLimits limits) throws IOException;

  /**
   * As {@link #create}, but the cgroup gets directories only where its limits need them, plus the
   * one that gives membership, freezing and killing (v2, or the v1 freezer), and no controller is
   * enabled for accounting alone. Cheaper to create and remove (on a hybrid host, a pids limit and
   * a device policy cost three directories instead of seven); {@link Cgroup#stats()} then reports
   * only what those hierarchies account.
   *
   * @param name the new cgroup's path below the parent, one or more components
   * @param limits the limits to apply before any process joins
   * @return the new cgroup
   * @throws dev.containerj.linux.InvalidValueException for a bad name or an unknown io device
   * @throws UnsupportedLimitException for a limit this host cannot enforce
   * @throws CgroupException when the cgroup exists already or a write fails
   */
  Cgroup createForLimits(String name, CgroupLimits limits) throws IOException;

  /**
   * Checks, creating nothing, what {@link #create} checks before it creates anything: the parent is
   * delegated in every hierarchy the limits need, and each limit has a controller here. Cheap (a
   * few reads and access(2) calls): for a caller that adds a limit only where the host enforces it.
   *
   * @param limits the limits a later create would apply
   * @throws UnsupportedLimitException for a limit this host cannot enforce
   * @throws CgroupException naming the first file that is not writable
   */
  void checkEnforceable(CgroupLimits limits) throws IOException;

  /**
   * Opens the existing cgroup {@code name} below the parent (for instance one a crashed JVM left
   * behind, to remove it). Its {@link Cgroup#limits()} are {@link CgroupLimits#none()}.
   *
   * @param name the cgroup's path below the parent
   * @return the cgroup, to inspect or remove
   * @throws IOException when no such cgroup exists ({@link CgroupException})
   */
  Cgroup open(String name) throws IOException;

  /** Configures a {@link CgroupManager}. */
  final class Builder {
    private @Nullable CgroupEnvironment environment;
    private @Nullable String parent;
    private boolean enableControllers = true;
    private @Nullable String leafForParentProcesses;

    Builder() {}

    /**
     * The environment to use; default {@link CgroupEnvironment#detect()}.
     *
     * @param environment the hierarchies to use
     * @return this builder
     */
    public Builder environment(CgroupEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * The parent cgroup path as /proc/self/cgroup spells it ({@code "/containerj.slice"}), used in
     * every hierarchy; default: the calling process's own cgroup in each hierarchy.
     *
     * @param cgroupPath the parent, starting with {@code /}
     * @return this builder
     */
    public Builder parent(String cgroupPath) {
      this.parent = Objects.requireNonNull(cgroupPath, "cgroupPath");
      return this;
    }

    /**
     * Whether a v2 manager may write {@code +controller} to the parent's (and intermediate
     * directories') cgroup.subtree_control to enable a controller that limits need; default true.
     * When false, such a limit throws {@link UnsupportedLimitException}. Hybrid managers never
     * enable controllers in the v2 hierarchy (other users share its root).
     *
     * @param enable true to let the manager enable the controllers it needs
     * @return this builder
     */
    public Builder enableControllers(boolean enable) {
      this.enableControllers = enable;
      return this;
    }

    /**
     * On cgroup v2, before enabling controllers in a parent that holds processes (which the kernel
     * refuses: "no internal processes"), moves those processes, this JVM included, into the child
     * {@code leafName} of the parent, as systemd and container engines do. Off by default, since it
     * moves processes the caller may not own. When the JVM exits and no cgroup but the leaf is left
     * below the parent, a shutdown hook undoes it: the controllers enabled since are disabled, the
     * leaf's processes go back to the parent and the leaf is removed. Otherwise (a detached
     * container's cgroup, say) everything stays, and a later JVM reuses the leaf.
     *
     * @param leafName the child of the parent that takes its processes, as {@code "containerj-jvm"}
     * @return this builder
     */
    public Builder moveParentProcessesTo(String leafName) {
      this.leafForParentProcesses = Objects.requireNonNull(leafName, "leafName");
      return this;
    }

    /**
     * {@return the manager for the environment's hierarchy version}
     *
     * @throws IOException when the environment must be detected and cannot be, or the parent's
     *     directories cannot be prepared
     */
    public CgroupManager build() throws IOException {
      CgroupEnvironment env = environment != null ? environment : CgroupEnvironment.detect();
      return Managers.create(env, Optional.ofNullable(parent), enableControllers,
          Optional.ofNullable(leafForParentProcesses));
    }
  }
}
