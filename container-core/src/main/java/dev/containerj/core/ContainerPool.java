package dev.containerj.core;

import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.PooledStart;
import dev.containerj.core.internal.RuntimeConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Containers of one template made in advance, each up to its payload: namespaces made, id maps
 * written, root assembled and pivoted, cgroup joined, network attached, waiting before the payload's
 * credentials, seccomp filter and execve. {@link #start(ProcessSpec)} hands one out and runs the
 * payload in it, which costs about a fork and an execve; a pooled container is used once and never
 * again, so nothing of one payload reaches the next. Get one from
 * {@link ContainerRuntime#pool(ContainerSpec, int)}.
 *
 * <p>What a start may vary and what the template fixes:
 *
 * <ul>
 *   <li>varies per start ({@link ProcessSpec}): argv, environment (added to the template's), working
 *       directory, uid and gid (within the template's id maps), stdio; groups, capabilities and
 *       no_new_privs only narrower than the template's (the rules of {@link Container#exec});
 *   <li>fixed by the template: everything else (namespaces, id maps, root, mounts, hostname, network,
 *       limits, seccomp profile, rlimits). The template's own stdio is not used: the payload's comes
 *       from its {@link ProcessSpec}.
 * </ul>
 *
 * <p><b>A ContainerPool must be closed.</b> {@link #close()} removes every container still waiting
 * (those handed out are their caller's to close). A waiting container also dies with this JVM
 * (parent-death signal, and the end of its control socket), and a later reap removes what it left
 * ({@link ContainerRuntime#reap()}); a shutdown hook closes the pools still open when the JVM exits.
 *
 * <p>Refill runs on one daemon thread per pool, one container at a time, up to {@link #size()}
 * waiting; after {@code idleTimeout} without a start the pool removes its waiting containers and
 * refills at the next start. When none is ready, a start prepares one itself (a plain start's cost).
 * Thread-safe.
 */
public final class ContainerPool implements AutoCloseable {
  private static final Set<ContainerPool> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(ContainerPool::close), "containerj-pool-close"));
  }

  private final ContainerSpec template;
  private final RuntimeConfig config;
  private final int size;
  private final long idleNanos;
  private final ArrayDeque<PooledStart.Prepared> ready = new ArrayDeque<>();
  private final Thread refiller;
  private long lastStart = System.nanoTime();
  private boolean closed;
  private @Nullable RuntimeException lastFailure;
  private boolean backgroundTeardown;

  private ContainerPool(ContainerSpec template, RuntimeConfig config, int size, Duration idleTimeout) {
    this.template = template;
    this.config = config;
    this.size = size;
    this.idleNanos = idleTimeout.toNanos();
    this.refiller = new Thread(this::refill, "containerj-pool-refill");
    refiller.setDaemon(true);
  }

  /** The largest pool size, so that a typo cannot fork thousands of waiting containers. */
  public static final int MAX_SIZE = 1024;

  static ContainerPool open(ContainerSpec template, RuntimeConfig config, int size, Duration idleTimeout,
      boolean backgroundTeardown) {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    List<SpecValidationException.Violation> v = new ArrayList<>();
    if (size < 1 || size > MAX_SIZE) {
      v.add(new SpecValidationException.Violation("size", Integer.toString(size), "must be 1.." + MAX_SIZE));
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      v.add(new SpecValidationException.Violation("idleTimeout", idleTimeout.toString(), "must be > 0"));
    }
    if (template.detached()) {
      v.add(new SpecValidationException.Violation("template.detached", "true",
          "must be false: a pooled container dies with its pool and this JVM"));
    }
    if (!template.passFds().isEmpty()) {
      v.add(new SpecValidationException.Violation("template.passFds", template.passFds().toString(),
          "must be empty: a pooled container is prepared before the fds of its start exist"));
    }
    if (!template.joinedNamespaces().isEmpty()) {
      v.add(new SpecValidationException.Violation("template.joinedNamespaces", template.joinedNamespaces().toString(),
          "must be empty: a pooled container is prepared before the namespaces it would join are checked"));
    }
    if (!v.isEmpty()) {
      throw new SpecValidationException(v);
    }
    ContainerPool pool = new ContainerPool(template, config, size, idleTimeout);
    pool.backgroundTeardown = backgroundTeardown;
    OPEN.add(pool);
    pool.refiller.start();
    return pool;
  }

  /**
   * Runs {@code process} in a waiting container (or one made now when none waits) and returns it
   * running: its payload has been exec'd. The container is the caller's, to close as any other.
   *
   * @param process the payload to run; the template fixes everything else
   * @return the running container, the caller's to close
   * @throws SpecValidationException when {@code process} sets what the template fixes, or widens it
   *     (an unmapped uid or gid, more capabilities, a terminal), every violation at once, before any
   *     container is taken
   * @throws ContainerStartException naming the step that failed; that container is removed
   * @throws IllegalStateException when the pool is closed
   */
  public Container start(ProcessSpec process) {
    Objects.requireNonNull(process, "process");
    PooledStart.validate(template, config, process);
    PooledStart.Prepared p = take();
    ContainerStarter.Started s = p.exec(process);
    Container c = Container.started(s, specOf(process), config);
    c.backgroundTeardown = backgroundTeardown;
    return c;
  }

  /** The spec that the container's handle reports: the template with the payload's values. */
  private ContainerSpec specOf(ProcessSpec process) {
    ContainerSpec.Builder b = template.toBuilder().command(process.command()).stdin(process.stdin())
        .stdout(process.stdout()).stderr(process.stderr());
    process.environment().forEach(b::env);
    process.workingDirectory().ifPresent(b::workingDirectory);
    if (process.uid().isPresent() || process.gid().isPresent()) {
      b.user(process.uid().orElse(template.uid()), process.gid().orElse(template.gid()));
    }
    return b.build();
  }

  private PooledStart.Prepared take() {
    List<PooledStart.Prepared> dead = new ArrayList<>();
    try {
      synchronized (this) {
        if (closed) {
          throw new IllegalStateException("the pool is closed");
        }
        lastStart = System.nanoTime();
        notifyAll(); // the refiller refills after an idle shrink
        while (!ready.isEmpty()) {
          PooledStart.Prepared p = ready.poll();
          if (p.isAlive()) {
            return p;
          }
          dead.add(p); // killed while it waited: never handed out
        }
      }
    } finally {
      dead.forEach(PooledStart.Prepared::close);
    }
    return PooledStart.prepare(template, config);
  }

  private void refill() {
    long backoffMillis = 0;
    while (true) {
      List<PooledStart.Prepared> shrink = new ArrayList<>();
      synchronized (this) {
        try {
          while (!closed && (ready.size() >= target() || backoffMillis > 0)) {
            if (ready.size() > target()) {
              while (!ready.isEmpty()) {
                shrink.add(ready.poll()); // idle: give the kernel its resources back
              }
              break;
            }
            long waitMillis = backoffMillis > 0 ? backoffMillis : Math.max(1, idleNanos / 1_000_000);
            backoffMillis = 0;
            wait(waitMillis);
          }
        } catch (InterruptedException e) {
          return;
        }
        if (closed) {
          return;
        }
      }
      if (!shrink.isEmpty()) {
        shrink.forEach(PooledStart.Prepared::close);
        continue;
      }
      try {
        PooledStart.Prepared p = PooledStart.prepare(template, config);
        boolean keep;
        synchronized (this) {
          keep = !closed;
          if (keep) {
            ready.add(p);
            lastFailure = null;
          }
        }
        if (!keep) {
          p.close();
        }
      } catch (RuntimeException e) {
        // The host refuses now (pids limit, memory): starts prepare their own; retry after a pause.
        synchronized (this) {
          lastFailure = e;
        }
        backoffMillis = 1000;
      }
    }
  }

  /** How many should wait now: the size, or none after an idle period. */
  private long target() {
    return System.nanoTime() - lastStart > idleNanos ? 0 : size;
  }

  /** {@return the number of containers waiting now} */
  public synchronized int ready() {
    return ready.size();
  }

  /** {@return the most containers that wait at once} */
  public int size() {
    return size;
  }

  /** {@return the template of this pool's containers} */
  public ContainerSpec template() {
    return template;
  }

  /** {@return why the last refill failed, if it did (the next success clears it)} */
  public synchronized java.util.Optional<RuntimeException> lastRefillFailure() {
    return java.util.Optional.ofNullable(lastFailure);
  }

  /**
   * Removes every waiting container (killed, its cgroup, state and writable layer removed) and stops
   * refilling; containers already handed out stay. Idempotent.
   */
  @Override
  public void close() {
    List<PooledStart.Prepared> left;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      notifyAll();
      left = new ArrayList<>(ready);
      ready.clear();
    }
    OPEN.remove(this);
    if (Thread.currentThread() != refiller) {
      try {
        refiller.join(); // a refill under way ends, and its container is removed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    left.forEach(PooledStart.Prepared::close);
  }

  @Override
  public String toString() {
    return "ContainerPool[" + ready() + "/" + size + " ready, " + template.command() + "]";
  }
}
