package dev.containerj.core;

import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.Signal;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A process started in a running container by {@link Container#exec(ProcessSpec)}. It must be
 * closed: {@link #close()} kills it if it still runs, reaps it and releases its streams. It ends
 * with its container too (the container's pid namespace dies with its pid 1).
 */
public final class ExecProcess implements AutoCloseable {
  private final NamespacedProcess process;

  ExecProcess(NamespacedProcess process) {
    this.process = process;
  }

  /** {@return its pid as seen from this JVM} */
  public int pid() {
    return process.pid();
  }

  /**
   * Blocks until it has ended and been reaped; returns how.
   *
   * @return how it ended
   * @throws InterruptedException when this thread is interrupted while waiting; the process keeps
   *     running
   */
  public ExitStatus waitFor() throws InterruptedException {
    return process.waitFor();
  }

  /**
   * Waits at most {@code timeout}; empty if it still runs then.
   *
   * @param timeout the longest wait
   * @return how it ended, or empty when it still runs
   * @throws InterruptedException when this thread is interrupted while waiting; the process keeps
   *     running
   */
  public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout);
  }

  /**
   * Completes when it has ended and been reaped.
   *
   * @return a future completed with how it ended
   */
  public CompletableFuture<ExitStatus> onExit() {
    return process.onExit();
  }

  /** {@return whether it still runs} */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Sends it a signal (nothing once it has been reaped).
   *
   * @param signal the signal to send
   */
  public void signal(Signal signal) {
    process.signal(signal);
  }

  /**
   * Its stdin when its spec asked for {@code Redirect.PIPE}, or the master of its terminal for {@code
   * Redirect.tty()}; else writes fail saying so. Never null.
   *
   * @return the stream to its stdin or terminal
   */
  public OutputStream stdin() {
    return dev.containerj.core.internal.Streams.orRefusing(process.stdin(), "the stdin of exec'd process " + pid());
  }

  /**
   * Its stdout when its spec asked for {@code Redirect.PIPE}, or the master of its terminal for {@code
   * Redirect.tty()}; else a stream at end-of-file. Never null.
   *
   * @return the stream from its stdout or terminal
   */
  public InputStream stdout() {
    return dev.containerj.core.internal.Streams.orEof(process.stdout());
  }

  /**
   * {@return its stderr when its spec asked for {@code Redirect.PIPE}; else a stream at
   * end-of-file} Never null.
   */
  public InputStream stderr() {
    return dev.containerj.core.internal.Streams.orEof(process.stderr());
  }

  /**
   * Sets the window size of its terminal ({@code Redirect.tty()} in its spec); its processes get
   * SIGWINCH.
   *
   * @param columns the width in character cells, as {@code TIOCSWINSZ} takes it (tty_ioctl(4))
   * @param rows the height in character cells
   * @throws ContainerException when it has no terminal
   * @throws SpecValidationException when a size is outside 0..65535
   */
  public void resizeTerminal(int columns, int rows) {
    try {
      process.resizeTerminal(columns, rows);
    } catch (IllegalStateException | dev.containerj.linux.InvalidValueException e) {
      throw Unchecked.translate(e);
    }
  }

  /**
   * Hands the master of its terminal ({@code Redirect.tty()} in its spec) to another process on the
   * unix stream socket at {@code socket}, as {@link Container#sendTerminal} does.
   *
   * @param socket the path of a listening unix stream socket
   * @throws ContainerException when it has no terminal or the send fails
   */
  public void sendTerminal(java.nio.file.Path socket) {
    try {
      process.sendTerminal(socket);
    } catch (IllegalStateException | java.io.IOException e) {
      throw new ContainerException(String.valueOf(e.getMessage()), e);
    }
  }

  /** Kills it if it runs, reaps it and releases its streams. Idempotent. */
  @Override
  public void close() {
    process.close();
  }

  @Override
  public String toString() {
    return "ExecProcess[pid " + process.pid() + "]";
  }
}
