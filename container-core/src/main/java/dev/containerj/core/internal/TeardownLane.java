package dev.containerj.core.internal;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Where a closed container's remains are removed off its caller's path: the veth and network
 * namespace (whose deletion waits for the kernel's RCU grace periods, tens of milliseconds), the
 * cgroup directories, a writable layer's files and the state directory. By then every process of the
 * container is dead, so none of it can be seen from inside or used; what is left is bookkeeping that
 * a reaper also finds (the state directory stays until the last step), so a JVM killed with work
 * queued here leaves nothing that {@code ContainerRuntime.reap()} does not remove.
 *
 * <p>{@value #THREADS} daemon threads for the whole JVM (the thread count does not grow with the
 * containers), and a bounded queue: when {@value #BOUND} removals wait, the caller removes its own
 * container itself, so a burst of closes can never pile up unbounded work. A shutdown hook drains it
 * on an orderly exit; the JVM runs its shutdown hooks concurrently, so a removal submitted once that
 * drain has begun (a caller's own hook that closes its container, as the tool's does on SIGTERM) runs
 * inline in the submitting thread, which the JVM waits for, instead of waiting in a queue whose
 * threads die with the JVM.
 */
public final class TeardownLane {
  /** The most removals that wait; past it, close() removes inline. */
  public static final int BOUND = 1024;

  private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>(BOUND);
  private static final Object IDLE = new Object();
  private static int pending;
  /** Set under {@link #IDLE} when the exit drain begins; from then on every removal runs inline. */
  private static boolean exiting;

  /**
   * The lane's threads. A removal is mostly waiting in the kernel (rmdir of a cgroup, a veth's and
   * network namespace's RCU grace periods), not CPU: a second thread overlaps those waits, where one
   * thread alone fell behind 8 closing callers and sent their closes inline (a full queue).
   */
  public static final int THREADS = 2;

  static {
    for (int i = 0; i < THREADS; i++) {
      Thread t = new Thread(TeardownLane::loop, "containerj-teardown" + (i == 0 ? "" : "-" + i));
      t.setDaemon(true);
      t.start();
    }
    Runtime.getRuntime().addShutdownHook(new Thread(TeardownLane::drainAtExit, "containerj-teardown-drain"));
  }

  private TeardownLane() {}

  /** Queues {@code removal}, or runs it now when the queue is full. Never throws. */
  public static void submit(Runnable removal) {
    boolean inline;
    synchronized (IDLE) {
      pending++;
      inline = exiting;
    }
    if (inline || !QUEUE.offer(removal)) {
      run(removal);
    }
  }

  /**
   * The shutdown hook: from now on removals run inline (see the class comment), then what was
   * queued before is waited for. Under the lock, so a removal is either counted before the drain
   * looks or runs inline: none can slip between.
   */
  static void drainAtExit() {
    synchronized (IDLE) {
      exiting = true;
    }
    drain(Duration.ofSeconds(10));
  }

  /**
   * Waits until every queued removal has run, at most {@code timeout}; returns whether none is left.
   */
  public static boolean drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (IDLE) {
      while (pending > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(IDLE, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  private static void loop() {
    while (true) {
      try {
        run(QUEUE.take());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static void run(Runnable removal) {
    try {
      removal.run();
    } catch (RuntimeException | Error e) {
      // What could not go stays for the reaper (its state directory records it).
      System.getLogger("dev.containerj").log(System.Logger.Level.WARNING, "background teardown failed: " + e);
    } finally {
      synchronized (IDLE) {
        pending--;
        IDLE.notifyAll();
      }
    }
  }
}
