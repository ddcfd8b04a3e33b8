package dev.containerj.core.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The undo list of one container: each resource registers how to give it back at the moment it is
 * acquired, and a failed start and {@code Container.close()} both run the same list, last acquired
 * first (as runc's deferred cleanups do in {@code container_linux.go}). There is so one teardown
 * order, not one per path, and a resource added to the start is undone everywhere by one line.
 *
 * <p>{@link #close()} runs each undo once, never throws (a failing undo is logged and the rest still
 * run), and is idempotent: a second call finds the list empty.
 */
public final class Undo implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.containerj");

  /** One undo: what it gives back (for the log) and how. */
  private record Entry(String what, Runnable action) {}

  private final Deque<Entry> entries = new ArrayDeque<>();

  /** Registers the undo of a resource just acquired; it runs before those registered earlier. */
  public synchronized void push(String what, Runnable action) {
    entries.push(new Entry(what, action));
  }

  /** The names of the registered undos, in the order {@link #close()} runs them (tests). */
  public synchronized java.util.List<String> order() {
    return entries.stream().map(Entry::what).toList();
  }

  /** Runs every registered undo, last registered first; never throws. */
  @Override
  public void close() {
    while (true) {
      Entry e;
      synchronized (this) {
        e = entries.poll();
      }
      if (e == null) {
        return;
      }
      try {
        e.action().run();
      } catch (RuntimeException t) { // an undo must not stop the ones after it
        LOG.log(System.Logger.Level.WARNING, "undoing " + e.what() + " failed: " + t, t);
      }
    }
  }
}
