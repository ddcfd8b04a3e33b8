package dev.containerj.net.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One dedicated platform thread that lives in one network namespace and runs tasks there. It enters
 * the namespace once (setns(2) or unshare(2)) and never leaves it: it is never a pool thread and it
 * ends when {@link #shutdown()} is called, so a thread whose namespace was changed can never run
 * unrelated code. (setns and unshare of CLONE_NEWNET act on the calling thread only.) The one
 * exception is {@link NetnsHop}'s thread, which enters a namespace for each task and leaves it again
 * before the next, and ends if it cannot.
 */
public final class NetnsThread {
  /** The first thing the thread does: enter or create its namespace. */
  @FunctionalInterface
  public interface Setup {
    void enter() throws Exception;
  }

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Runnable STOP = () -> {};

  private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final CompletableFuture<Void> started = new CompletableFuture<>();

  private NetnsThread(String label, Setup setup) {
    this(setup, "containerj-netns-" + COUNTER.incrementAndGet() + "-" + label);
  }

  private NetnsThread(Setup setup, String threadName) {
    thread = new Thread(() -> loop(setup), threadName);
    thread.setDaemon(true);
  }

  /**
   * Starts the thread and runs {@code setup} on it; throws what setup threw (the thread has then
   * ended).
   */
  public static NetnsThread start(String label, Setup setup) throws Exception {
    return started(new NetnsThread(label, setup));
  }

  /**
   * As {@link #start}, with exactly this thread name.
   *
   * @param threadName the thread's name
   * @param setup what the thread does first
   * @return the started thread
   * @throws Exception what setup threw
   */
  public static NetnsThread startNamed(String threadName, Setup setup) throws Exception {
    return started(new NetnsThread(setup, threadName));
  }

  private static NetnsThread started(NetnsThread t) throws Exception {
    t.thread.start();
    try {
      t.started.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    } catch (InterruptedException e) {
      t.shutdown();
      Thread.currentThread().interrupt();
      throw e;
    }
    return t;
  }

  private void loop(Setup setup) {
    try {
      setup.enter();
    } catch (Throwable e) {
      started.completeExceptionally(e);
      return;
    }
    started.complete(null);
    while (true) {
      Runnable r;
      try {
        r = queue.take();
      } catch (InterruptedException e) {
        continue; // only shutdown() ends this thread
      }
      if (r == STOP) {
        return;
      }
      r.run();
    }
  }

  /**
   * Waits for a task's result: rethrows what the task threw (an IOException, a RuntimeException or an
   * Error as such, anything else wrapped), and an interrupt as InterruptedIOException naming {@code
   * what}.
   *
   * @param <T> the result's type
   * @param result the task's result, completed by the thread
   * @param what what is waited for, for the message
   * @return the result
   * @throws java.io.IOException what the task threw, or when interrupted
   */
  public static <T> T await(CompletableFuture<T> result, String what) throws java.io.IOException {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for " + what);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.io.IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new java.io.IOException(c);
    }
  }

  /** True when the caller is this thread (tasks it submits run inline). */
  public boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  /** Queues a task; it runs after the ones queued before. */
  public void submit(Runnable task) {
    if (!thread.isAlive()) {
      throw new IllegalStateException("network namespace thread " + thread.getName() + " has ended");
    }
    queue.add(task);
  }

  /** Ends the thread after the queued tasks; idempotent, does not wait. */
  public void shutdown() {
    queue.add(STOP);
  }

  /** The thread's name, for messages. */
  public String name() {
    return thread.getName();
  }
}
