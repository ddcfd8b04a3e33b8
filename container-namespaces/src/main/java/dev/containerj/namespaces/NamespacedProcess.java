package dev.containerj.namespaces;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A process running in its own namespaces, started by ContainerJ's native helper. It is a child of
 * this JVM and dies with it unless it was started detached.
 *
 * <p>A {@code NamespacedProcess} must be closed: {@link #close()} kills it if it still runs (with a
 * new pid namespace, the whole namespace dies with its pid 1), reaps it and releases its handles.
 */
public interface NamespacedProcess extends AutoCloseable {
  /** The process id as seen from this JVM (the host's pid namespace). */
  int pid();

  /** Blocks until the process has ended; returns how. */
  ExitStatus waitFor() throws InterruptedException;

  /** Waits at most {@code timeout}; empty if it is still running then. */
  Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException;

  /** Completes when the process has ended and been reaped. */
  CompletableFuture<ExitStatus> onExit();

  /** Whether it still runs (has not been reaped). */
  boolean isAlive();

  /** Sends a signal; does nothing once the process has been reaped (no risk of pid reuse). */
  void signal(Signal signal);

  /** Sends SIGKILL. */
  default void kill() {
    signal(Signal.SIGKILL);
  }

  /** Its stdin when it was started with {@link Redirect#PIPE} or {@link Redirect#tty()} (the pty's master), else null. */
  @Nullable OutputStream stdin();

  /** Its stdout when it was started with {@link Redirect#PIPE} or {@link Redirect#tty()} (the pty's master), else null. */
  @Nullable InputStream stdout();

  /** Its stderr when it was started with {@link Redirect#PIPE}, else null. */
  @Nullable InputStream stderr();

  /**
   * Sets the window size of its terminal ({@link Redirect#tty()}); the payload gets SIGWINCH.
   *
   * @throws IllegalStateException when it has no terminal
   */
  default void resizeTerminal(int columns, int rows) {
    throw new IllegalStateException("the process has no terminal: start it with Redirect.tty()");
  }

  /** Kills the process if it runs, waits for it and releases every handle. Idempotent. */
  @Override
  void close();
}
