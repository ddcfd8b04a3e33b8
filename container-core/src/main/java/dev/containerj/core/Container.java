package dev.containerj.core;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupStats;
import dev.containerj.core.internal.ContainerNetwork;
import dev.containerj.layers.PreparedRoot;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.RuntimeConfig;
import dev.containerj.core.internal.StateStore;
import dev.containerj.core.internal.Undo;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.Signal;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A running container: the handle returned by {@link #start(ContainerSpec)}.
 *
 * <p><b>A Container must be closed.</b> {@link #close()} kills every process of the container (its
 * pid 1 and, with it, the whole pid namespace), waits for them, and removes what the start created
 * (the state record; the mounts live in the container's own mount namespace and vanish with it): by
 * default on a background lane once the processes are dead ({@link
 * ContainerRuntime.Builder#backgroundTeardown(boolean)}, {@link ContainerRuntime#awaitTeardown}). It is
 * idempotent and never throws. Use try-with-resources:
 *
 * <pre>{@code
 * try (Container c = Container.start(spec)) {
 *   ExitStatus status = c.waitFor();
 * }
 * }</pre>
 *
 * <p>Unless the spec is {@linkplain ContainerSpec#detached() detached}, the container also dies when
 * this JVM exits, even by {@code kill -9}. {@link #reapOrphans()} removes what a crashed JVM left in
 * the state directory.
 */
public final class Container implements AutoCloseable {
  private final String id;
  private final ContainerSpec spec;
  private final NamespacedProcess process;
  private final StateStore store;
  private final @Nullable Cgroup cgroup;
  private final ContainerNetwork network;
  private final @Nullable PreparedRoot root;
  private final @Nullable RuntimeConfig config;
  /** What the start acquired, undone last-first by close() as a failed start would have. */
  private final Undo undo;
  /** The cgroup directories of an attached container (its owner file's), which exec joins. */
  private List<java.nio.file.Path> attachedCgroups = List.of();
  private final CompletableFuture<ExitStatus> exit;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean stateRemoved = new AtomicBoolean();
  /** Whether close() leaves the removal of what is left to the teardown lane (the runtime's choice). */
  boolean backgroundTeardown;

  private Container(String id, ContainerSpec spec, NamespacedProcess process, StateStore store,
      @Nullable Cgroup cgroup, ContainerNetwork network, @Nullable PreparedRoot root, @Nullable RuntimeConfig config,
      Undo undo) {
    this.id = id;
    this.undo = undo;
    this.config = config;
    this.network = network;
    this.root = root;
    this.spec = spec;
    this.process = process;
    this.store = store;
    this.cgroup = cgroup;
    // The payload's status, marked when the kernel's OOM killer sent the SIGKILL (the cgroup is the
    // container's own, so any OOM kill in it is the container's).
    this.exit = process.onExit().thenApply(status -> {
      if (cgroup != null && status.killSignal() == Signal.SIGKILL) {
        try {
          if (cgroup.oomKillCount() > 0) {
            return status.withOomKilled(true);
          }
        } catch (java.io.IOException | RuntimeException ignored) {
          // the cgroup is gone already: the status stays as the kernel reported it
        }
      }
      return status;
    });
  }

  /**
   * Starts a container in the {@linkplain ContainerRuntime#defaults() default runtime} and returns
   * once its payload has been exec'd: a shortcut for {@code ContainerRuntime.defaults().start(spec)}.
   *
   * @param spec what to run and how
   * @return the running container; it must be closed
   * @throws ContainerStartException naming the step that failed (the mount, the execve, ...); all
   *     that the start had created is removed by then
   * @throws UnsupportedHostException when this host lacks what the spec needs, naming the feature and why
   */
  public static Container start(ContainerSpec spec) {
    return ContainerRuntime.defaults().start(spec);
  }

  /** The handle of a container that {@code s} started. */
  static Container started(ContainerStarter.Started s, ContainerSpec spec, RuntimeConfig config) {
    Container c = new Container(s.id(), spec, s.process(), s.store(), s.cgroup(), s.network(), s.root(), config,
        s.undo());
    // The record describes live containers only: drop it as soon as the payload ends. The directory
    // (its owner file) stays while a cgroup or a writable layer is left for close() to remove, so
    // that a reaper still finds them if this JVM dies before it closes the container.
    s.process().onExit().whenComplete((status, err) -> {
      if (s.cgroup() == null && s.root() == null) {
        c.removeState();
      } else {
        s.store().removeRecord(s.id());
      }
    });
    return c;
  }

  /** {@return the container's id: 32 hex digits; the first 12 are its default hostname} */
  public String id() {
    return id;
  }

  /** {@return the pid of the container's pid 1 as seen from this JVM} */
  public int pid() {
    return process.pid();
  }

  /** {@return the spec it was started from (or attached with)} */
  public ContainerSpec spec() {
    return spec;
  }

  /**
   * Blocks until the payload (pid 1) has ended.
   *
   * @return how the payload ended
   * @throws InterruptedException when this thread is interrupted while waiting; the container keeps
   *     running
   * @throws ContainerException when waiting fails, or for an attached container, whose exit status
   *     only its parent learns, when it has ended
   */
  public ExitStatus waitFor() throws InterruptedException {
    try {
      return exit.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new ContainerException("waiting for container " + id + " failed: " + causeOf(e).getMessage(), causeOf(e));
    }
  }

  /**
   * Waits at most {@code timeout}; empty if the payload still runs then.
   *
   * @param timeout the longest wait
   * @return how the payload ended, or empty when it still runs
   * @throws InterruptedException when this thread is interrupted while waiting; the container keeps
   *     running
   * @throws ContainerException when waiting fails, or for an attached container, whose exit status
   *     only its parent learns, when it has ended
   */
  public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
    try {
      return Optional.of(exit.get(Math.max(0, timeout.toNanos()), java.util.concurrent.TimeUnit.NANOSECONDS));
    } catch (java.util.concurrent.TimeoutException e) {
      return Optional.empty();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new ContainerException("waiting for container " + id + " failed: " + causeOf(e).getMessage(), causeOf(e));
    }
  }

  private static Throwable causeOf(java.util.concurrent.ExecutionException e) {
    return e.getCause() != null ? e.getCause() : e;
  }

  /**
   * Completes when the payload has ended.
   *
   * @return a future completed with how the payload ended
   */
  public CompletableFuture<ExitStatus> onExit() {
    return exit.copy();
  }

  /**
   * {@return the container's resource usage (memory, cpu, pids, io, pressure) from its cgroup}
   *
   * @throws ContainerException if the container has no cgroup ({@link ContainerSpec#cgroup()}), or
   *     reading its files failed
   */
  public CgroupStats stats() {
    try {
      return requireCgroup("stats").stats();
    } catch (java.io.IOException e) {
      throw new ContainerException("reading the stats of container " + id + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Freezes every process of the container (cgroup freezer); returns once they are frozen.
   *
   * @throws ContainerException if the container has no cgroup, or the freeze failed
   */
  public void pause() {
    try {
      requireCgroup("pause").freeze();
    } catch (java.io.IOException e) {
      throw new ContainerException("pausing container " + id + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Thaws a paused container.
   *
   * @throws ContainerException if the container has no cgroup, or the thaw failed
   */
  public void resume() {
    try {
      requireCgroup("resume").thaw();
    } catch (java.io.IOException e) {
      throw new ContainerException("resuming container " + id + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * {@return the container's address on its bridge ({@link Network#bridge(String)} or a shared user-mode
   * network, {@link Network#userMode(String)}), else empty}
   */
  public Optional<java.net.InetAddress> ipAddress() {
    return Optional.ofNullable(network.address());
  }

  /**
   * {@return the host port published to {@code containerPort} (TCP first): the one the kernel chose
   * for a {@link dev.containerj.net.PortMapping#ephemeral} mapping, so parallel tests never
   * collide}
   *
   * @param containerPort the port inside the container
   * @throws ContainerException when no published port forwards to {@code containerPort}
   */
  public int mappedPort(int containerPort) {
    int port = network.mappedPort(containerPort);
    if (port < 0) {
      throw new ContainerException("container " + id.substring(0, 12) + " publishes no host port to its port "
          + containerPort + ": " + spec.ports());
    }
    return port;
  }

  /**
   * Whether the container is paused ({@link #pause()}).
   *
   * @return true while its cgroup is frozen ({@code cgroup.freeze} is 1), false when it runs
   * @throws ContainerException if the container has no cgroup, or reading its state failed
   */
  public boolean isPaused() {
    try {
      return requireCgroup("isPaused").isFrozen();
    } catch (java.io.IOException e) {
      throw new ContainerException("reading the freezer state of container " + id + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * How many times the kernel's OOM killer has killed a process of this container (its cgroup's
   * {@code memory.events oom_kill}). {@link ExitStatus#oomKilled()} already says whether pid 1 died of it.
   *
   * @return the count since the container started, 0 if none
   * @throws ContainerException if the container has no cgroup or no memory controller, or reading failed
   */
  public long oomKillCount() {
    try {
      return requireCgroup("oomKillCount").oomKillCount();
    } catch (java.io.IOException | RuntimeException e) {
      throw wrap("reading the OOM kill count of", e);
    }
  }

  /**
   * Calls {@code listener} once per OOM kill in the container, with the new {@link #oomKillCount()},
   * until the returned subscription is closed (or the container is).
   *
   * @param listener called with the new count, on a watcher thread; not null
   * @return the subscription; closing it stops the calls
   * @throws ContainerException if the container has no cgroup or no memory controller, or the watch failed
   */
  public dev.containerj.cgroups.Subscription onOomKill(java.util.function.LongConsumer listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    try {
      return requireCgroup("onOomKill").onOomKill(listener);
    } catch (java.io.IOException | RuntimeException e) {
      throw wrap("watching OOM kills of", e);
    }
  }

  /**
   * Calls {@code listener} once, when the last process of the container has gone (its cgroup's
   * {@code populated} turns 0), until the returned subscription is closed.
   *
   * @param listener called once, on a watcher thread; not null
   * @return the subscription; closing it before the container empties cancels the call
   * @throws ContainerException if the container has no cgroup, or the watch failed
   */
  public dev.containerj.cgroups.Subscription onEmpty(Runnable listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    try {
      return requireCgroup("onEmpty").onEmpty(listener);
    } catch (java.io.IOException | RuntimeException e) {
      throw wrap("watching the end of", e);
    }
  }

  private ContainerException wrap(String what, Exception e) {
    return e instanceof ContainerException c ? c
        : new ContainerException(what + " container " + id.substring(0, 12) + " failed: " + e.getMessage(), e);
  }

  /**
   * The container's cgroup, if it has one.
   *
   * @return the cgroup, empty when the container runs without one
   * @deprecated a live {@code Cgroup} lets its holder close, remove or re-limit the container's cgroup
   *     behind the container's back; use {@link #stats()}, {@link #pause()}, {@link #resume()},
   *     {@link #isPaused()}, {@link #oomKillCount()}, {@link #onOomKill} and {@link #onEmpty} instead.
   *     To be removed in the next release.
   */
  @Deprecated(since = "0.1.0", forRemoval = true)
  public Optional<Cgroup> cgroup() {
    return Optional.ofNullable(cgroup);
  }

  /** The container's cgroup directories by hierarchy (tests in this package look at its files). */
  java.util.Map<String, java.nio.file.Path> cgroupDirectories() {
    return cgroup == null ? java.util.Map.of() : cgroup.paths();
  }

  /** The live cgroup, for tests in this package only. */
  @Nullable Cgroup cgroupForTests() {
    return cgroup;
  }

  private Cgroup requireCgroup(String what) {
    if (cgroup == null) {
      throw new ContainerException(what + " needs a cgroup, and container " + id.substring(0, 12)
          + " has none: give it limits or ContainerSpec.Builder.cgroup(true)");
    }
    return cgroup;
  }

  /** {@return whether its pid 1 still runs} */
  public boolean isRunning() {
    return process.isAlive();
  }

  /**
   * Sends a signal to the payload (pid 1 in the container; it ignores signals it has no handler
   * for).
   *
   * @param signal the signal to send
   */
  public void signal(Signal signal) {
    process.signal(signal);
  }

  /** SIGKILL to pid 1: the kernel then kills every process of the pid namespace. */
  public void kill() {
    process.kill();
  }

  /**
   * {@return the payload's stdin when the spec asked for {@code Redirect.PIPE}, or the master of
   * its terminal for {@code Redirect.tty()} (closing it does not end the payload's input: write ^D,
   * 0x04); else a stream whose writes fail with an {@code IOException} saying that stdin is not
   * piped} Never null.
   */
  public OutputStream stdin() {
    return dev.containerj.core.internal.Streams.orRefusing(process.stdin(), "the stdin of container " + id.substring(0, 12));
  }

  /**
   * {@return the payload's stdout when the spec asked for {@code Redirect.PIPE}, or the master of
   * its terminal for {@code Redirect.tty()} (what the payload writes to the terminal, stderr
   * included when it is the terminal too; end-of-file once it and its children are gone); else a
   * stream at end-of-file} Never null.
   */
  public InputStream stdout() {
    return dev.containerj.core.internal.Streams.orEof(process.stdout());
  }

  /**
   * {@return the payload's stderr when the spec asked for {@code Redirect.PIPE}; else a stream at
   * end-of-file} Never null.
   */
  public InputStream stderr() {
    return dev.containerj.core.internal.Streams.orEof(process.stderr());
  }

  /**
   * Sets the window size of the container's terminal ({@code Redirect.tty()}); its processes get
   * SIGWINCH. The {@code containerj} tool calls it at start and on its own SIGWINCH.
   *
   * @param columns the width in character cells, as {@code TIOCSWINSZ} takes it (tty_ioctl(4))
   * @param rows the height in character cells
   * @throws ContainerException when the container has no terminal
   * @throws SpecValidationException when a size is outside 0..65535
   */
  public void resizeTerminal(int columns, int rows) {
    try {
      process.resizeTerminal(columns, rows);
    } catch (dev.containerj.linux.InvalidValueException e) {
      throw Unchecked.translate(e);
    } catch (IllegalStateException e) {
      throw new ContainerException("container " + id.substring(0, 12) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Hands the master of the container's terminal ({@code Redirect.tty()}) to another process: sends
   * it on the unix stream socket at {@code socket} (SCM_RIGHTS, the terminal's name as the message),
   * as an OCI runtime's {@code --console-socket} does for conmon and containerd's shim. This
   * handle keeps its own copy until it is closed.
   *
   * @param socket the path of a listening unix stream socket
   * @throws ContainerException when the container has no terminal or the send fails
   */
  public void sendTerminal(java.nio.file.Path socket) {
    try {
      process.sendTerminal(socket);
    } catch (IllegalStateException | java.io.IOException e) {
      throw new ContainerException("container " + id.substring(0, 12) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Starts one more process in the running container, as {@code docker exec} does: it joins every
   * namespace and the cgroup of the container, goes to the container's root, and gets the same
   * seccomp filter, capabilities (or fewer), ids and no_new_privs as the first process unless
   * {@code process} narrows them; it holds only fds 0-2, none of this JVM's. It is a child of this
   * JVM, reaped when it ends, and dies with the container.
   *
   * @param process the argv, environment, user and confinement of the new process
   * @return the running process
   * @throws SpecValidationException when {@code process} would widen the container's confinement
   *     (more capabilities, an unmapped uid or gid), every violation at once
   * @throws ContainerException when the container does not run, or was {@linkplain
   *     ContainerRuntime#attach(String) attached} without its spec (the process's confinement derives
   *     from it; {@link ContainerRuntime#attach(String, ContainerSpec)} gives it)
   * @throws ContainerStartException naming the step that failed
   */
  public ExecProcess exec(ProcessSpec process) {
    java.util.Objects.requireNonNull(process, "process");
    if (config == null) {
      throw new ContainerException("cannot exec in container " + id.substring(0, 12) + ": it was attached, and only "
          + "the JVM that started it knows its spec");
    }
    if (closed.get() || !isRunning()) {
      throw new ContainerException("cannot exec in container " + id.substring(0, 12) + ": it does not run");
    }
    if (cgroup == null && !attachedCgroups.isEmpty()) {
      return new ExecProcess(dev.containerj.core.internal.ContainerExec.exec(id, spec, config, this.process.pid(),
          attachedCgroups, process));
    }
    return new ExecProcess(dev.containerj.core.internal.ContainerExec.exec(id, spec, config, this.process.pid(),
        cgroup, process));
  }

  /**
   * Kills every process of the container, waits for them and removes its state (in the background
   * unless the runtime was built with {@code backgroundTeardown(false)}). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (backgroundTeardown && killAll()) {
      // Every process is dead: nothing of the container runs or can be reached. The removal of its
      // veth, network namespace, cgroup, writable layer and state goes off the caller's path. Its
      // record goes now: list() and attach() no longer see it; the directory's owner file still lets
      // a reap remove what the lane could not (this JVM killed before it got there).
      store.removeRecord(id);
      dev.containerj.core.internal.TeardownLane.submit(this::removeRemains);
      return;
    }
    removeRemains();
  }

  /**
   * Kills every process of the container and waits for them, without removing anything: false when
   * that could not be done (the full close then runs inline).
   */
  private boolean killAll() {
    network.closePorts(); // nothing new may reach a dying container
    if (cgroup != null) {
      try {
        cgroup.killAll(Duration.ofSeconds(10)); // cgroup.kill (or freeze + kill): wherever they hide
      } catch (java.io.IOException | RuntimeException e) {
        return false;
      }
    }
    process.close(); // pid 1's end takes its pid namespace with it (pid_namespaces(7))
    return true;
  }

  /** The removal of everything the start made: the start's own undo list (the payload, its network,
   * root, cgroup), then the state directory. */
  private void removeRemains() {
    undo.close();
    removeState();
  }

  /**
   * Removes the state directory when the payload ends, or at close if that first try found it busy
   * (its root is a mount point in the container's mount namespace until the last process is gone).
   */
  private synchronized void removeState() {
    if (!stateRemoved.get()) {
      store.remove(id);
      stateRemoved.set(!java.nio.file.Files.exists(store.dir(id)));
    }
  }

  @Override
  public String toString() {
    return "Container[" + id.substring(0, 12) + ", pid " + process.pid() + ", " + spec.command() + "]";
  }

  /**
   * {@return the containers of this user recorded in the default runtime's state directory, by any
   * JVM: a shortcut for {@code ContainerRuntime.defaults().list()}}
   */
  public static List<ContainerInfo> list() {
    return ContainerRuntime.defaults().list();
  }

  /**
   * Kills the containers whose owning JVM died (unless detached) and removes their state, in the
   * default runtime's state directory: a shortcut for {@code ContainerRuntime.defaults().reap()}.
   *
   * @return the ids of the containers cleaned
   */
  public static List<String> reapOrphans() {
    return ContainerRuntime.defaults().reap();
  }

  /** The handle of a running container that another JVM started (see {@link ContainerRuntime#attach}). */
  static Container attached(String id, ContainerSpec spec, NamespacedProcess process, RuntimeConfig config,
      boolean specKnown) {
    Undo undo = new Undo();
    undo.push("payload", process::close);
    Container c = new Container(id, spec, process, config.store(), null,
        new ContainerNetwork(config.networksDir(), config.defaultBridge()), null, specKnown ? config : null, undo);
    c.attachedCgroups = config.store().cgroupDirectories(id);
    return c;
  }
}
