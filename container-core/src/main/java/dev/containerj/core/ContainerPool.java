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
 * <p>Refill runs on daemon preparer threads, up to {@link #size()} waiting: one container at a time
 * while at least half the pool waits, several at once on a bounded budget (as many as the machine has
 * cores, at least 2, at most 8 and the size) when it runs lower. While at least half the pool waits,
 * the refill of a hand-out begins at its payload's exit, so that it does not compete with that payload
 * for the cores; when the pool runs lower, every refill begins at once. A preparer with nothing to do
 * ends after a second.
 * After {@code idleTimeout} without a start the pool removes its waiting containers and refills at
 * the next start. When none is ready, a start takes the next one that a preparer finishes, or
 * prepares one itself when no preparation is under way (a plain start's cost).
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
  /** The most preparations under way at once: the refill's budget (see {@link #preparers(int)}). */
  private final int budget;
  private final ArrayDeque<PooledStart.Prepared> ready = new ArrayDeque<>();
  /** The preparer threads alive now: at most {@link #budget}; none once the pool is full and idle. */
  private final Set<Thread> preparers = new java.util.HashSet<>();
  /** Preparations under way (each by one preparer thread). */
  private int preparing;
  private long lastStart = System.nanoTime();
  /** Until when (System.nanoTime) preparers pause after a failed preparation. */
  private long backoffUntil;
  private boolean closed;
  private @Nullable RuntimeException lastFailure;
  private boolean backgroundTeardown;

  private ContainerPool(ContainerSpec template, RuntimeConfig config, int size, Duration idleTimeout) {
    this.template = template;
    this.config = config;
    this.size = size;
    this.idleNanos = idleTimeout.toNanos();
    this.budget = preparers(size);
  }

  /**
   * The refill's budget: as many preparations at once as the machine has cores (at least 2, at most
   * 8, never more than the pool holds). A preparation is mostly the kernel's work in the helper and the
   * container process, with waits between (a cgroup migration waits for an RCU grace period): one
   * preparer at a time caps a busy pool at the rate of one start, more than the cores only adds
   * competition for them.
   */
  static int preparers(int size) {
    return Math.min(size, Math.min(8, Math.max(2, Runtime.getRuntime().availableProcessors())));
  }

  /** How long an idle preparer thread waits for work before it ends. */
  private static final long PREPARER_KEEP_ALIVE_NANOS = 1_000_000_000L;

  /** How long preparers pause after a failed preparation (the host refuses now: pids, memory). */
  private static final long BACKOFF_NANOS = 1_000_000_000L;

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
    synchronized (pool) {
      pool.fill();
    }
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
    ContainerStarter.Started s;
    try {
      s = p.exec(process);
    } catch (RuntimeException | Error e) {
      synchronized (this) {
        if (!closed) {
          fill();
        }
      }
      throw e;
    }
    refillAfter(s);
    Container c = Container.started(s, specOf(process), config);
    c.backgroundTeardown = backgroundTeardown;
    return c;
  }

  /**
   * Hand-outs whose refill waits for their payload's exit ({@link #refillAfter}); they count as under
   * way, so that no preparer takes their place early. Cleared when the pool runs low.
   */
  private final Set<Object> deferred = new java.util.HashSet<>();

  /**
   * Starts the refill of a hand-out. While at least half the pool still waits, the refill begins at
   * the handed-out payload's exit: a preparation is a few milliseconds of the kernel's work, which
   * would otherwise compete for the cores with the very payload the caller waits for (measured in
   * docs/architecture.md, "Pooled hand-out and throughput, third pass"). When the pool runs lower, every deferred
   * refill starts at once, so a busy pool refills as before and a long payload never holds its slot.
   */
  private void refillAfter(ContainerStarter.Started s) {
    Object token = new Object();
    synchronized (this) {
      if (closed) {
        return;
      }
      if (ready.size() * 2 < size) {
        deferred.clear(); // running low: no refill waits any longer
        fill();
        return;
      }
      deferred.add(token);
    }
    s.process().onExit().whenComplete((status, err) -> {
      synchronized (this) {
        if (deferred.remove(token) && !closed) {
          fill();
        }
      }
    });
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
        boolean interrupted = false;
        boolean filled = false;
        while (true) {
          while (!ready.isEmpty()) {
            PooledStart.Prepared p = ready.poll();
            if (p.isAlive()) {
              if (interrupted) {
                Thread.currentThread().interrupt();
              }
              return p;
            }
            dead.add(p); // killed while it waited: never handed out
          }
          // None waits, but the refill is preparing: take the next one rather than prepare another at
          // once. More preparations than the refill's budget compete for the cores and the kernel's
          // locks: a busy pool ran faster, for half the CPU per container, on its preparers alone.
          if (closed || interrupted) {
            break;
          }
          if (!filled) {
            fill(); // once: its notifyAll wakes the other waiting starts too
            filled = true;
          }
          if (preparing == 0) {
            break; // nothing under way would wake this wait
          }
          try {
            wait();
          } catch (InterruptedException e) {
            interrupted = true; // prepare one here instead; the flag is restored below
          }
        }
        if (closed) {
          throw new IllegalStateException("the pool is closed");
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    } finally {
      dead.forEach(PooledStart.Prepared::close);
    }
    return PooledStart.prepare(template, config);
  }

  /**
   * Wakes an idle preparer, or starts one while fewer than the budget run and more containers are
   * wanted than are ready or under way. Called with this pool's lock held.
   */
  private void fill() {
    notifyAll(); // an idle preparer takes the work first
    long wanted = Math.min(target() - ready.size() - deferred.size(), preparationsAllowed()) - preparing - idlePreparers;
    for (long i = Math.min(budget - preparers.size(), wanted); i > 0; i--) {
      Thread t = new Thread(this::prepareLoop, "containerj-pool-prepare");
      t.setDaemon(true);
      preparers.add(t);
      t.start();
    }
  }

  /**
   * How many preparations may run now: one while at least half the pool waits (a refill then has
   * time, and more would compete with the payloads just handed out for the cores), the whole budget
   * when it runs lower.
   */
  private int preparationsAllowed() {
    return ready.size() * 2 >= size ? 1 : budget;
  }

  /** Preparers alive but waiting for work (they take what {@link #fill()} asks before new ones start). */
  private int idlePreparers;

  /**
   * One preparer: prepares while containers are wanted, waits for work up to its keep-alive, and ends.
   * The last one alive ends only once the pool holds nothing: it removes the waiting containers after
   * the idle timeout, so that an idle pool gives the kernel its resources back.
   */
  private void prepareLoop() {
    Thread self = Thread.currentThread();
    List<PooledStart.Prepared> shrink = new ArrayList<>();
    try {
      while (true) {
        synchronized (this) {
          long idleSince = System.nanoTime();
          while (true) {
            if (closed) {
              return;
            }
            long now = System.nanoTime();
            if (ready.size() > target()) {
              shrink.addAll(ready); // idle: give the kernel its resources back
              ready.clear();
              break;
            }
            if (now >= backoffUntil && ready.size() + preparing + deferred.size() < target()
                && preparing < preparationsAllowed()) {
              preparing++;
              break;
            }
            boolean last = preparers.size() == 1;
            long waitNanos;
            if (now < backoffUntil) {
              waitNanos = backoffUntil - now;
            } else if (last && !ready.isEmpty()) {
              waitNanos = lastStart + idleNanos - now; // the idle shrink is the last preparer's
            } else {
              waitNanos = idleSince + PREPARER_KEEP_ALIVE_NANOS - now;
              if (waitNanos <= 0) {
                preparers.remove(self); // under the lock: the next idle one sees whether it is the last
                return; // nothing to do for a while: this thread ends
              }
            }
            idlePreparers++;
            try {
              wait(Math.max(1, waitNanos / 1_000_000));
            } catch (InterruptedException e) {
              return;
            } finally {
              idlePreparers--;
            }
          }
        }
        if (!shrink.isEmpty()) {
          shrink.forEach(PooledStart.Prepared::close);
          shrink.clear();
          continue;
        }
        PooledStart.Prepared p = null;
        RuntimeException failure = null;
        try {
          p = PooledStart.prepare(template, config);
        } catch (RuntimeException e) {
          failure = e; // the host refuses now: starts prepare their own; retry after a pause
        } catch (Error e) {
          synchronized (this) {
            preparing--;
            notifyAll(); // a start waiting for a preparation under way
          }
          throw e;
        }
        boolean keep;
        synchronized (this) {
          preparing--;
          keep = p != null && !closed;
          notifyAll(); // a start waiting for this preparation: its container, or its failure
          if (p != null && keep) {
            ready.add(p);
            lastFailure = null;
          } else if (failure != null) {
            lastFailure = failure;
            backoffUntil = System.nanoTime() + BACKOFF_NANOS;
          }
        }
        if (p != null && !keep) {
          p.close();
        }
      }
    } finally {
      synchronized (this) {
        preparers.remove(self);
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
    List<Thread> running;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      notifyAll();
      running = new ArrayList<>(preparers);
    }
    OPEN.remove(this);
    // A preparation under way ends, and its preparer removes its container; no new one starts.
    boolean interrupted = false;
    for (Thread t : running) {
      while (t != Thread.currentThread() && t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    List<PooledStart.Prepared> left;
    synchronized (this) {
      left = new ArrayList<>(ready);
      ready.clear();
    }
    left.forEach(PooledStart.Prepared::close);
  }

  @Override
  public String toString() {
    return "ContainerPool[" + ready() + "/" + size + " ready, " + template.command() + "]";
  }
}
