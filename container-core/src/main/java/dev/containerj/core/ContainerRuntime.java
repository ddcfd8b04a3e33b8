package dev.containerj.core;

import dev.containerj.core.internal.AttachedProcess;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.RuntimeConfig;
import dev.containerj.core.internal.StateRecord;
import dev.containerj.core.internal.StateStore;
import dev.containerj.layers.LayerStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where containers run: one state directory, one layer store, one place for cgroups and one id
 * range, over one {@link HostProfile} detected once. Build one and share it, as with an HTTP client:
 *
 * <pre>{@code
 * ContainerRuntime runtime = ContainerRuntime.builder()
 *     .stateDirectory(Path.of("/run/myapp/containers"))
 *     .layerStore(Path.of("/var/lib/myapp/images"))
 *     .build();
 * try (Container c = runtime.start(ContainerSpec.builder().command("true").build())) {
 *   c.waitFor();
 * }
 * }</pre>
 *
 * <p>{@link #defaults()} is the runtime of this user's default places ({@code /run/containerj} and
 * {@code /var/lib/containerj} as root; {@code $XDG_RUNTIME_DIR/containerj} and
 * {@code $XDG_DATA_HOME/containerj} otherwise), which {@link Container#start(ContainerSpec)} uses.
 * Runtimes are independent: two of them, with different directories, run side by side in one JVM,
 * and each sees only its own containers and images. A runtime holds no kernel resources and needs no
 * closing; its containers do.
 */
public final class ContainerRuntime {
  private static final java.util.regex.Pattern CGROUP_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private final HostProfile host;
  private final RuntimeConfig config;
  private final Images images;
  private final Networks networks;
  /** Whether its containers' close() leaves the removal of their remains to the teardown lane. */
  private boolean backgroundTeardown = true;

  private ContainerRuntime(HostProfile host, RuntimeConfig config) {
    this.host = host;
    this.config = config;
    this.images = new Images(config.store()::layers);
    this.networks = new Networks(config.networksDir());
  }

  /** The plan a start of {@code spec} would make in this runtime, on its host profile (tests). */
  dev.containerj.core.internal.ProgramPlan plan(ContainerSpec spec, String id) {
    return ContainerStarter.plan(config, spec, id);
  }

  private static final class Default {
    static final ContainerRuntime RUNTIME = create();

    static ContainerRuntime create() {
      HostProfile h = HostProfile.detect();
      return new ContainerRuntime(h, ContainerStarter.defaultConfig().withHost(h::plan));
    }
  }

  /**
   * {@return the runtime of this user's default state directory and layer store: today's behaviour,
   * shared by the whole JVM} The system properties {@code containerj.stateDir} and {@code
   * containerj.layerStore} still move its directories (for child JVMs of tests); a program should
   * build its own runtime instead.
   */
  public static ContainerRuntime defaults() {
    return Default.RUNTIME;
  }

  /** {@return a builder whose unset values are those of {@link #defaults()}} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a container and returns once its payload has been exec'd.
   *
   * @param spec what to run and how
   * @return the running container; it must be closed
   * @throws SpecValidationException never here: a {@link ContainerSpec} is valid once built
   * @throws ContainerStartException naming the step that failed (the mount, the execve, ...); all
   *     that the start had created is removed by then
   * @throws UnsupportedHostException when this host lacks what the spec needs, naming the feature and why
   * @throws ContainerException for any other failure (a named network that does not exist, an
   *     unreadable state file, ...), with the lower layer's exception as its cause
   */
  public Container start(ContainerSpec spec) {
    Objects.requireNonNull(spec, "spec");
    try {
      Container c = Container.started(ContainerStarter.start(spec, config), spec, config);
      c.backgroundTeardown = backgroundTeardown;
      return c;
    } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException
        | java.io.UncheckedIOException e) {
      // The lower modules' own exceptions: the facade speaks ContainerException only (docs/design.md),
      // their typed field/value/rule and feature/reason kept (Unchecked.translate).
      throw Unchecked.translate(e);
    }
  }

  /**
   * Waits until the removals that the closes of this JVM's containers left to the background (see
   * {@link Builder#backgroundTeardown(boolean)}) have run, at most {@code timeout}; true when none
   * is left. The JVM also drains them at an orderly exit.
   *
   * @param timeout the longest wait; not null
   * @return true when no removal is left, false when the timeout passed first
   */
  public boolean awaitTeardown(java.time.Duration timeout) {
    return dev.containerj.core.internal.TeardownLane.drain(timeout);
  }

  /**
   * A pool of {@code size} containers of {@code template} made in advance, each waiting before its
   * payload; {@link ContainerPool#start(ProcessSpec)} runs one. Waiting containers are removed after
   * a minute without a start (see {@link #pool(ContainerSpec, int, java.time.Duration)}).
   *
   * @param template the spec every container is made from; not detached
   * @param size how many containers wait at once, 1..{@value ContainerPool#MAX_SIZE}
   * @return the pool, filling in the background; the caller closes it
   * @throws SpecValidationException when the size is not 1..{@value ContainerPool#MAX_SIZE} or the
   *     template is detached
   */
  public ContainerPool pool(ContainerSpec template, int size) {
    return pool(template, size, java.time.Duration.ofMinutes(1));
  }

  /**
   * As {@link #pool(ContainerSpec, int)}, removing the waiting containers after {@code idleTimeout}
   * without a start (the next start refills).
   *
   * @param template the spec every container is made from; not detached
   * @param size how many containers wait at once, 1..{@value ContainerPool#MAX_SIZE}
   * @param idleTimeout how long the waiting containers stay without a start; positive
   * @return the pool, filling in the background; the caller closes it
   * @throws SpecValidationException when the size is not 1..{@value ContainerPool#MAX_SIZE}, the
   *     idle timeout is not positive or the template is detached
   */
  public ContainerPool pool(ContainerSpec template, int size, java.time.Duration idleTimeout) {
    return ContainerPool.open(template, config, size, idleTimeout, backgroundTeardown);
  }

  /**
   * {@return a handle on a running container of this runtime's state directory, started by any JVM
   * of this user (typically a {@linkplain ContainerSpec#detached() detached} one): signals reach
   * its pid 1 through a pidfd, and {@link Container#close()} kills it and removes its state} It has
   * no streams, no cgroup handle, and its exit status is not known here (the kernel reports it to
   * its parent only): its {@link Container#waitFor()} returns when it has ended by throwing a
   * {@link ContainerException} that says so; {@link Container#onExit()} completes then.
   *
   * @param idOrPrefix the container's id, or a prefix of it that names one container only
   * @throws ContainerNotFoundException when no running container has that id, or the prefix is ambiguous
   */
  public Container attach(String idOrPrefix) {
    return attach(idOrPrefix, null);
  }

  /**
   * {@return a handle on a running container, as {@link #attach(String)}, given the spec it was
   * started with (the {@code containerj} tool keeps the options of {@code run -d}): its {@link
   * Container#exec(ProcessSpec)} then works, joining the container's namespaces and the cgroup
   * directories its owner recorded, and confining the process as {@code spec} says} The spec is the
   * caller's word: it can only narrow or widen what this same user could start anyway.
   *
   * @param idOrPrefix a container id or a unique prefix of one
   * @param spec the spec it was started with, or null for a handle that cannot exec
   * @throws ContainerNotFoundException when no running container has that id, or the prefix is ambiguous
   */
  public Container attach(String idOrPrefix, @Nullable ContainerSpec spec) {
    Objects.requireNonNull(idOrPrefix, "idOrPrefix");
    List<StateRecord> matches = new ArrayList<>();
    for (StateRecord r : config.store().list()) {
      if (!idOrPrefix.isEmpty() && r.id().startsWith(idOrPrefix) && StateStore.isSameProcess(r.pid(), r.pidStartTime())) {
        matches.add(r);
      }
    }
    if (matches.size() != 1) {
      throw new ContainerNotFoundException(idOrPrefix, matches.isEmpty()
          ? "no running container has the id " + idOrPrefix + " in " + config.store().root()
          : "the id prefix " + idOrPrefix + " names " + matches.size() + " containers in " + config.store().root());
    }
    StateRecord r = matches.get(0);
    AttachedProcess process = AttachedProcess.open(r.pid(), r.pidStartTime()).orElseThrow(() ->
        new ContainerNotFoundException(idOrPrefix, "container " + r.id() + " ended just now"));
    return Container.attached(r.id(), spec != null ? spec : ContainerSpec.builder().command(r.command()).build(),
        process, config, spec != null);
  }

  /**
   * Removes a container of this runtime's state directory: its record and directory; with
   * {@code force} a running one is killed first (SIGKILL to its pid 1, which ends its pid namespace),
   * as {@code docker rm -f}. Returns its full id.
   *
   * @param idOrPrefix a container id or a unique prefix of one
   * @param force true to kill a running container first
   * @return the container's full id
   * @throws ContainerNotFoundException when no container has that id, or the prefix is ambiguous
   * @throws ContainerException when it runs and {@code force} is false, or when its cgroup cannot be
   *     removed (its record then stays for another removal or a {@link #reap()})
   */
  public String remove(String idOrPrefix, boolean force) {
    Objects.requireNonNull(idOrPrefix, "idOrPrefix");
    List<StateRecord> matches = new ArrayList<>();
    for (StateRecord r : config.store().list()) {
      if (!idOrPrefix.isEmpty() && r.id().startsWith(idOrPrefix)) {
        matches.add(r);
      }
    }
    if (matches.size() != 1) {
      throw new ContainerNotFoundException(idOrPrefix, matches.isEmpty()
          ? "no container has the id " + idOrPrefix + " in " + config.store().root()
          : "the id prefix " + idOrPrefix + " names " + matches.size() + " containers in " + config.store().root());
    }
    StateRecord r = matches.get(0);
    if (StateStore.isSameProcess(r.pid(), r.pidStartTime())) {
      if (!force) {
        throw new ContainerException("container " + r.id().substring(0, 12) + " is running: stop it first, or force"
            + " its removal (containerj rm -f)");
      }
      AttachedProcess.open(r.pid(), r.pidStartTime()).ifPresent(AttachedProcess::close);
    }
    if (r.detached() || !StateStore.isSameProcess(r.ownerPid(), r.ownerStartTime())) {
      // Nobody else will remove its cgroups: a detached container's, or one whose JVM died. One that
      // cannot be removed keeps the record (as runc's delete fails and a second one retries).
      List<Path> left = config.store().removeWithCgroups(r.id());
      if (!left.isEmpty()) {
        throw new ContainerException("container " + r.id().substring(0, 12) + ": its cgroup " + left
            + " could not be removed (a process or a mount left in it?); its record stays, remove it again");
      }
    } else {
      config.store().remove(r.id());
    }
    return r.id();
  }

  /** {@return the containers of this runtime's state directory, started by any JVM of this user} */
  public List<ContainerInfo> list() {
    List<ContainerInfo> out = new ArrayList<>();
    for (StateRecord r : config.store().list()) {
      out.add(new ContainerInfo(r.id(), r.pid(), StateStore.isSameProcess(r.pid(), r.pidStartTime()),
          r.ownerPid(), StateStore.isSameProcess(r.ownerPid(), r.ownerStartTime()), r.detached(),
          Instant.ofEpochMilli(r.createdMillis()), r.command()));
    }
    return out;
  }

  /**
   * Kills the containers of this state directory whose owning JVM died (unless detached) and removes
   * their state, cgroups and writable layers. Returns the ids it cleaned. Safe at any time, from any
   * JVM of the same user.
   *
   * @return the ids of the containers cleaned
   */
  public List<String> reap() {
    return config.store().reapOrphans();
  }

  /** {@return the images of this runtime's layer store} */
  public Images images() {
    return images;
  }

  /** {@return the bridge networks whose leases this runtime's state directory keeps} */
  public Networks networks() {
    return networks;
  }

  /** {@return what this runtime knows of its host} */
  public HostProfile host() {
    return host;
  }

  /** {@return this runtime's state directory} */
  public Path stateDirectory() {
    return config.store().root();
  }

  @Override
  public String toString() {
    return "ContainerRuntime[state " + config.store().root() + ", " + host + "]";
  }

  /** Configures a {@link ContainerRuntime}; every value is checked at once, by {@link #build()}. */
  public static final class Builder {
    private @Nullable Path stateDirectory;
    private @Nullable Path layerStoreDirectory;
    private @Nullable LayerStore layerStore;
    private String cgroupParent = ContainerStarter.DEFAULT_CGROUP_PARENT;
    private long rootIdBase = ContainerStarter.ROOT_ID_BASE;
    private long rootIdCount = ContainerStarter.ROOT_ID_COUNT;
    private String defaultBridge = dev.containerj.net.BridgeNetwork.DEFAULT_BRIDGE;
    private @Nullable HostProfile host;
    private boolean reapOnStart = true;
    private boolean backgroundTeardown = true;

    private Builder() {}

    /**
     * Whether {@link Container#close()} returns as soon as every process of the container is dead
     * (default true; false makes it also remove everything the start made before it returns, for a
     * caller that checks the host right after). With true, the removal of its veth
     * and network namespace, cgroup directories, writable layer and state directory runs on one
     * background thread of this JVM, bounded (a full queue makes close() remove inline), drained by
     * {@link ContainerRuntime#awaitTeardown} and at the JVM's exit; what a killed JVM left queued
     * stays recorded in the state directory for {@link ContainerRuntime#reap()}.
     *
     * @param background true to remove in the background
     * @return this builder
     */
    public Builder backgroundTeardown(boolean background) {
      this.backgroundTeardown = background;
      return this;
    }

    /**
     * The directory of the runtime's container records, mount points and network leases (default
     * {@code /run/containerj} as root, else {@code $XDG_RUNTIME_DIR/containerj}). It is made 0711
     * and must belong to this user.
     *
     * @param dir the directory of the runtime's container records, mount points and network leases
     *     (default {@code /run/containerj} as root, else {@code $XDG_RUNTIME_DIR/containerj})
     * @return this builder
     */
    public Builder stateDirectory(Path dir) {
      this.stateDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath();
      return this;
    }

    /**
     * The directory of the runtime's layer store, opened on first use (default: this user's store).
     *
     * @param dir the directory of the runtime's layer store, opened on first use (default: this
     *     user's store)
     * @return this builder
     */
    public Builder layerStore(Path dir) {
      this.layerStoreDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath();
      this.layerStore = null;
      return this;
    }

    /**
     * A layer store opened by the caller.
     *
     * @param store a layer store opened by the caller
     * @return this builder
     */
    public Builder layerStore(LayerStore store) {
      this.layerStore = Objects.requireNonNull(store, "store");
      this.layerStoreDirectory = null;
      return this;
    }

    /**
     * The name of the cgroup, below this JVM's own, that holds the containers' cgroups (default
     * {@code containerj}): 1-64 letters, digits, '_', '.' or '-'.
     *
     * @param name the name of the cgroup, below this JVM's own, that holds the containers' cgroups
     *     (default {@code containerj}): 1-64 letters, digits, '_', '.' or '-'
     * @return this builder
     */
    public Builder cgroupParent(String name) {
      this.cgroupParent = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * The host ids that a root runtime maps a container's ids 0.. to on the host's root filesystem
     * (default 2147483647, 65536 ids): ids that own nothing on the host. At least 65536 ids, and
     * the range must end below 4294967295 (which is no id, see user_namespaces(7)).
     *
     * @param firstHostId the host id that container id 0 maps to
     * @param count the number of ids, at least 65536
     * @return this builder
     */
    public Builder rootIdRange(long firstHostId, long count) {
      this.rootIdBase = firstHostId;
      this.rootIdCount = count;
      return this;
    }

    /**
     * The bridge of specs in bridge mode that name no bridge of their own (those of
     * {@link Network#bridge()}, whose bridge is the built-in {@code containerj0}).
     *
     * @param bridgeName the bridge of specs in bridge mode that name no bridge of their own (those of
     *     {@link Network#bridge()}, whose bridge is the built-in {@code containerj0})
     * @return this builder
     */
    public Builder defaultNetwork(String bridgeName) {
      this.defaultBridge = Objects.requireNonNull(bridgeName, "bridgeName");
      return this;
    }

    /**
     * The host profile (tests); default {@link HostProfile#detect()}.
     *
     * @param host the host profile (tests); default {@link HostProfile#detect()}
     * @return this builder
     */
    public Builder host(HostProfile host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * Whether the runtime's first start removes, in the background, what dead JVMs left in its state
     * directory (default true; {@link ContainerRuntime#reap()} does it on demand).
     *
     * @param reap whether the runtime's first start removes, in the background, what dead JVMs left
     *     in its state directory (default true; {@link ContainerRuntime#reap()} does it on demand)
     * @return this builder
     */
    public Builder reapOnStart(boolean reap) {
      this.reapOnStart = reap;
      return this;
    }

    /**
     * {@return the runtime}
     *
     * @throws SpecValidationException listing every value that breaks its rule
     */
    public ContainerRuntime build() {
      List<SpecValidationException.Violation> v = new ArrayList<>();
      if (!CGROUP_NAME.matcher(cgroupParent).matches() || cgroupParent.equals(".") || cgroupParent.equals("..")) {
        v.add(new SpecValidationException.Violation("cgroupParent", cgroupParent,
            "must be 1-64 letters, digits, '_', '.' or '-', and not . or .."));
      }
      if (rootIdBase < 1) {
        v.add(new SpecValidationException.Violation("rootIdRange.firstHostId", Long.toString(rootIdBase),
            "must be >= 1 (host id 0 is the host's root)"));
      }
      if (rootIdCount < ContainerStarter.ROOT_ID_COUNT) {
        v.add(new SpecValidationException.Violation("rootIdRange.count", Long.toString(rootIdCount),
            "must be >= " + ContainerStarter.ROOT_ID_COUNT + " (container ids 0-65535 are mapped)"));
      }
      if (rootIdBase + rootIdCount > 4294967295L) {
        v.add(new SpecValidationException.Violation("rootIdRange", rootIdBase + "+" + rootIdCount,
            "must end below 4294967295 (no id, user_namespaces(7))"));
      }
      if (!defaultBridge.matches("[A-Za-z0-9_.-]{1,15}")) {
        v.add(new SpecValidationException.Violation("defaultNetwork", defaultBridge,
            "must be 1-15 letters, digits, '_', '.' or '-' (it names the bridge)"));
      }
      if (!v.isEmpty()) {
        throw new SpecValidationException(v);
      }
      HostProfile h = host != null ? host : HostProfile.detect();
      RuntimeConfig d = ContainerStarter.defaultConfig();
      StateStore.LayerStoreSource layers = layerSource(h);
      StateStore store = stateDirectory == null && layerStore == null && layerStoreDirectory == null
          && cgroupParent.equals(ContainerStarter.DEFAULT_CGROUP_PARENT) ? d.store()
          : new StateStore(stateDirectory != null ? stateDirectory : d.store().root(), cgroupParent, layers);
      ContainerRuntime runtime = new ContainerRuntime(h, new RuntimeConfig(store, h.euid(), h.egid(), h::cgroups,
          rootIdBase, rootIdCount, defaultBridge, reapOnStart, h::plan));
      runtime.backgroundTeardown = backgroundTeardown;
      return runtime;
    }

    private StateStore.LayerStoreSource layerSource(HostProfile h) {
      if (layerStore != null) {
        LayerStore s = layerStore;
        return () -> s;
      }
      if (layerStoreDirectory == null) {
        return ContainerStarter::layers;
      }
      Path dir = layerStoreDirectory;
      boolean rootless = h.rootless();
      Object lock = new Object();
      LayerStore[] opened = new LayerStore[1];
      return () -> {
        synchronized (lock) {
          if (opened[0] == null) {
            try {
              opened[0] = new LayerStore(dir, rootless);
            } catch (IOException e) {
              throw new IOException("cannot open the layer store " + dir + ": " + e.getMessage(), e);
            }
          }
          return opened[0];
        }
      };
    }
  }
}
