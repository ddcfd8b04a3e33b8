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
  /** {@return the process id as seen from this JVM (the host's pid namespace)} */
  int pid();

  /**
   * Blocks until the process has ended; returns how.
   *
   * @return how it ended
   * @throws InterruptedException when this thread is interrupted while waiting; the process keeps
   *     running
   */
  ExitStatus waitFor() throws InterruptedException;

  /**
   * Waits at most {@code timeout}; empty if it is still running then.
   *
   * @param timeout the longest wait
   * @return how it ended, or empty when it still runs
   * @throws InterruptedException when this thread is interrupted while waiting; the process keeps
   *     running
   */
  Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException;

  /**
   * Completes when the process has ended and been reaped.
   *
   * @return a future completed with how it ended
   */
  CompletableFuture<ExitStatus> onExit();

  /** {@return whether it still runs (has not been reaped)} */
  boolean isAlive();

  /**
   * Sends a signal; does nothing once the process has been reaped (no risk of pid reuse).
   *
   * @param signal the signal to send
   */
  void signal(Signal signal);

  /** Sends SIGKILL. */
  default void kill() {
    signal(Signal.SIGKILL);
  }

  /**
   * {@return its stdin when it was started with {@link Redirect#PIPE} or {@link Redirect#tty()}
   * (the pty's master), else null}
   */
  @Nullable OutputStream stdin();

  /**
   * {@return its stdout when it was started with {@link Redirect#PIPE} or {@link Redirect#tty()}
   * (the pty's master), else null}
   */
  @Nullable InputStream stdout();

  /** {@return its stderr when it was started with {@link Redirect#PIPE}, else null} */
  @Nullable InputStream stderr();

  /**
   * Sets the window size of its terminal ({@link Redirect#tty()}); the payload gets SIGWINCH.
   *
   * @param columns the width in characters, 0..65535
   * @param rows the height in lines, 0..65535
   * @throws dev.containerj.linux.InvalidStateException when it has no terminal
   */
  default void resizeTerminal(int columns, int rows) {
    throw new dev.containerj.linux.InvalidStateException("the process", "has no terminal: start it with Redirect.tty()");
  }

  /**
   * Sends the master of its terminal ({@link Redirect#tty()}) to the unix stream socket at
   * {@code socket} (SCM_RIGHTS, its name as the message), as an OCI runtime's
   * {@code --console-socket} does; the listener then owns it. This handle keeps its own copy.
   *
   * @param socket the path of a listening unix stream socket
   * @throws java.io.IOException when the socket cannot be reached or the send fails
   * @throws IllegalStateException when it has no terminal
   */
  default void sendTerminal(java.nio.file.Path socket) throws java.io.IOException {
    throw new IllegalStateException("the process has no terminal: start it with Redirect.tty()");
  }

  /** Kills the process if it runs, waits for it and releases every handle. Idempotent. */
  @Override
  void close();
}
