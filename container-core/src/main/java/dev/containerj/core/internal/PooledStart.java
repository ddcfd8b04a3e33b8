package dev.containerj.core.internal;

import dev.containerj.core.ContainerSpec;
import dev.containerj.core.ContainerStartException;
import dev.containerj.core.ProcessSpec;
import dev.containerj.linux.internal.Constants;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.Signal;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.LaunchRequest;
import dev.containerj.namespaces.internal.LaunchedProcess;
import dev.containerj.namespaces.internal.Launcher;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A container made up to its payload for a pool ({@code ContainerPool}): the start of
 * {@link ContainerStarter} with the helper program cut where the payload's stages
 * ({@link RootfsProgram#process}) begin. There the container process, in all its namespaces, its
 * cgroup, its assembled and pivoted root, with its network attached, waits
 * ({@link HelperProgram#awaitExec}). The payload's stages (working directory, rlimits, bounding set,
 * seccomp, ids, capabilities, no_new_privs, fds, execve) are built and sent only when it is handed
 * out, from the template and the {@link ProcessSpec}, so a waiting sandbox holds none of a payload's
 * ids, environment or descriptors, and a payload none of the waiting state's.
 */
public final class PooledStart {
  private final ContainerSpec template;
  private final RuntimeConfig config;
  private @Nullable HelperProgram program;
  private String hostname = "";

  private PooledStart(ContainerSpec template, RuntimeConfig config) {
    this.template = template;
    this.config = config;
  }

  /**
   * Makes one container of {@code template} up to its payload. Its stdio is {@code /dev/null} until
   * {@link Prepared#exec} gives the payload's.
   *
   * @throws ContainerStartException naming the step that failed; nothing is left then
   */
  public static Prepared prepare(ContainerSpec template, RuntimeConfig config) {
    ContainerSpec quiet = template.toBuilder().stdin(Redirect.DISCARD).stdout(Redirect.DISCARD)
        .stderr(Redirect.DISCARD).build();
    PooledStart ps = new PooledStart(quiet, config);
    ContainerStarter.Started s = ContainerStarter.start(quiet, config, ps);
    holdMountNamespace(s);
    return new Prepared(s, java.util.Objects.requireNonNull(ps.program), ps.hostname, quiet, config);
  }

  /**
   * Keeps the waiting container's mount namespace referenced from this JVM until the container is
   * removed (on the teardown lane after close()), so that the payload's exit is just the process's
   * ({@link MountNamespaceHold}).
   */
  private static void holdMountNamespace(ContainerStarter.Started s) {
    MountNamespaceHold mnt = new MountNamespaceHold();
    mnt.open(s.process().pid());
    s.undo().push("mount namespace reference", mnt::close);
  }

  /**
   * The payload's stages of {@code process} in a container of {@code template}: its values where it
   * sets them, never wider than the template (the rules of {@code Container.exec}).
   *
   * @throws dev.containerj.core.SpecValidationException naming each field, value and rule broken
   */
  public static void validate(ContainerSpec template, RuntimeConfig config, ProcessSpec process) {
    ContainerExec.stages(template, config, process);
    // The waiting sandbox receives three plain fds: it has no terminal step (the pty of Redirect.tty()
    // is opened inside the container before the credentials, which the pooled sandbox has passed).
    dev.containerj.namespaces.Redirect[] streams = {process.stdin(), process.stdout(), process.stderr()};
    String[] names = {"stdin", "stdout", "stderr"};
    List<dev.containerj.core.SpecValidationException.Violation> v = new java.util.ArrayList<>();
    for (int i = 0; i < streams.length; i++) {
      if (streams[i].type() == dev.containerj.namespaces.Redirect.Type.TTY) {
        v.add(new dev.containerj.core.SpecValidationException.Violation(names[i], streams[i].toString(),
            "a terminal is not supported for a pooled start: use PIPE, INHERIT, DISCARD or a file"));
      }
    }
    if (!v.isEmpty()) {
      throw new dev.containerj.core.SpecValidationException(v);
    }
  }

  /** The start's program cut before the payload's stages, ending in the wait for them. */
  HelperProgram program(HelperProgram built, String hostname) {
    HelperProgram stages = new HelperProgram();
    RootfsProgram.process(new ProgramPlan(stages), config.planHost(), template, config.rootless(), hostname,
        RootfsProgram.ProcessStages.of(template));
    built.truncate(built.size() - stages.size());
    if (!template.detached()) {
      // The wait may be long: the sandbox dies with this JVM's spawning thread (prctl(2)), as its
      // payload will; set after the credential changes above, which clear it.
      built.prctl(HelperProgram.PR_SET_PDEATHSIG, Constants.SIGKILL, "PR_SET_PDEATHSIG, SIGKILL");
    }
    int passed = NetKind.of(template) == NetKind.CONTAINER ? 1 : 0;
    built.awaitExec(Launcher.awaitSocketFd(passed));
    this.program = built;
    this.hostname = hostname;
    return built;
  }

  NamespacedProcess launch(LaunchRequest request) throws LaunchException {
    return new WaitingProcess(Launcher.prepare(request));
  }

  /** One prepared container: handed out once by {@link #exec}, or removed by {@link #close()}. */
  public static final class Prepared implements AutoCloseable {
    private final ContainerStarter.Started started;
    private final HelperProgram program;
    private final String hostname;
    private final ContainerSpec template;
    private final RuntimeConfig config;
    private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

    Prepared(ContainerStarter.Started started, HelperProgram program, String hostname, ContainerSpec template,
        RuntimeConfig config) {
      this.started = started;
      this.program = program;
      this.hostname = hostname;
      this.template = template;
      this.config = config;
    }

    /** The container's id. */
    public String id() {
      return started.id();
    }

    /** The waiting process's pid (the payload's once it runs). */
    public int pid() {
      return started.process().pid();
    }

    /** Whether it still waits (a sandbox killed while it waited is discarded, never handed out). */
    public boolean isAlive() {
      return started.process().isAlive();
    }

    /**
     * Runs {@code process} as the container's payload and returns what the container's handle
     * needs. Validate {@code process} first ({@link PooledStart#validate}): a refusal here removes
     * this container.
     *
     * @throws ContainerStartException naming the step that failed; the container is removed then
     */
    public ContainerStarter.Started exec(ProcessSpec process) {
      if (!done.compareAndSet(false, true)) {
        throw new IllegalStateException("pooled container " + id().substring(0, 12) + " was used already");
      }
      WaitingProcess waiting = (WaitingProcess) started.process();
      try {
        RootfsProgram.ProcessStages stages = ContainerExec.stages(template, config, process);
        HelperProgram tail = new HelperProgram();
        if (ProtectionsOff.pooledPayloadStages) {
          tail.exec(dev.containerj.namespaces.internal.ProgramSteps.candidates(stages.command().get(0), stages.environment()),
              stages.command(), stages.environment()); // a test's protection-off run only
        } else {
          RootfsProgram.process(new ProgramPlan(tail), config.planHost(), template, config.rootless(), hostname, stages);
        }
        LaunchedProcess p = waiting.prepared.exec(program, tail, process.stdin(), process.stdout(), process.stderr());
        // The payload's handle (its pipes, its pidfd) is the last resource of the start: it goes first.
        started.undo().push("payload", p::close);
        return new ContainerStarter.Started(started.id(), p, started.store(), started.cgroup(), started.network(),
            started.root(), started.undo());
      } catch (LaunchException e) {
        remove();
        throw StartFailure.of(id(), ContainerStartException.Step.HELPER, e);
      } catch (RuntimeException | Error e) {
        remove();
        throw e;
      }
    }

    /** Kills the waiting container and removes all it has (unless it was handed out). Idempotent. */
    @Override
    public void close() {
      if (done.compareAndSet(false, true)) {
        remove();
      }
    }

    private void remove() {
      started.undo().close(); // the start's own undo list: the waiting process, network, root, cgroup, state
    }
  }

  /** The {@link NamespacedProcess} of a container that waits for its payload: no streams yet. */
  private static final class WaitingProcess implements NamespacedProcess {
    final Launcher.Prepared prepared;

    WaitingProcess(Launcher.Prepared prepared) {
      this.prepared = prepared;
    }

    @Override
    public int pid() {
      return prepared.pid();
    }

    @Override
    public ExitStatus waitFor() throws InterruptedException {
      try {
        return prepared.onExit().get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }

    @Override
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
      try {
        return Optional.of(prepared.onExit().get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS));
      } catch (TimeoutException e) {
        return Optional.empty();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
      return prepared.onExit();
    }

    @Override
    public boolean isAlive() {
      return !prepared.onExit().isDone();
    }

    /** Any signal ends a waiting container (it has no payload to deliver it to). */
    @Override
    public void signal(Signal signal) {
      prepared.close();
    }

    @Override
    public @Nullable OutputStream stdin() {
      return null;
    }

    @Override
    public @Nullable InputStream stdout() {
      return null;
    }

    @Override
    public @Nullable InputStream stderr() {
      return null;
    }

    @Override
    public void close() {
      prepared.close();
    }
  }
}
