package dev.containerj.examples.cli;

import dev.containerj.core.Container;
import dev.containerj.namespaces.Terminal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * {@code containerj run -t}: relays this process's terminal to the container's own pty, as
 * {@code docker run -it} does. With {@code -i} and a terminal on stdin, that terminal is put in raw
 * mode (cfmakeraw(3): the container's pty does the echo and the line editing), and its modes are
 * restored on every way out: the normal end, an error, and SIGINT/SIGTERM to this JVM (a shutdown
 * hook). The window size is copied at start (into the spec, before the payload runs) and on SIGWINCH.
 */
final class TerminalRelay implements AutoCloseable {
  private final Terminal.@Nullable RawMode saved;
  private final Thread hook = new Thread(this::restore, "containerj-terminal-restore");

  private TerminalRelay(Terminal.@Nullable RawMode saved) {
    this.saved = saved;
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** The caller's window size as {columns, rows}, from stdout or stdin, or null when neither is a terminal. */
  static int @Nullable [] callerSize() {
    Terminal.Size size = Terminal.size(1).or(() -> Terminal.size(0)).orElse(null);
    return size == null ? null : new int[] {size.columns(), size.rows()};
  }

  /**
   * Puts this process's terminal (fd 0) in raw mode when {@code interactive} and it is one, and starts
   * the copies: the container's terminal to {@code out}, and with {@code interactive} {@code in} to it.
   */
  static TerminalRelay start(Container c, boolean interactive, InputStream in, OutputStream out) {
    return start(c.stdin(), c.stdout(), c::resizeTerminal, interactive, in, out);
  }

  /** What a terminal's size change is passed to: a container's or an exec'd process's terminal. */
  interface Resizer {
    void resize(int columns, int rows);
  }

  /**
   * As {@link #start(Container, boolean, InputStream, OutputStream)}, for any terminal's master (a
   * container's first process or an exec'd one, {@code containerj exec -t}).
   */
  static TerminalRelay start(OutputStream master, InputStream masterOut, Resizer resizer, boolean interactive,
      InputStream in, OutputStream out) {
    // Not a terminal: relay without raw mode.
    Terminal.RawMode saved = interactive ? Terminal.enterRawMode(0).orElse(null) : null;
    TerminalRelay relay = new TerminalRelay(saved);
    relay.onWindowChange(resizer);
    relay.output = copy(masterOut, out, "containerj-tty-out");
    if (interactive) {
      copy(in, master, "containerj-tty-in"); // blocks in a read of our stdin: daemon, never joined
    }
    return relay;
  }

  private @Nullable Thread output;

  /** Waits (at most 5 s) until everything the container wrote to its terminal has been copied. */
  void drain() throws InterruptedException {
    if (output != null) {
      output.join(5_000);
    }
  }

  private void onWindowChange(Resizer c) {
    try {
      // SIGWINCH is not one the JVM uses; sun.misc.Signal is the JDK's way to catch it.
      sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> {
        int[] size = callerSize();
        if (size != null) {
          try {
            c.resize(size[0], size[1]);
          } catch (IllegalStateException | dev.containerj.core.ContainerException gone) {
            // the container ended
          }
        }
      });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // this JVM does not let SIGWINCH be caught: the size stays the one of the start
    }
  }

  private static Thread copy(@Nullable InputStream from, @Nullable OutputStream to, String name) {
    Thread t = new Thread(() -> {
      if (from == null || to == null) {
        return;
      }
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = from.read(buf)) > 0; ) {
          to.write(buf, 0, n);
          to.flush();
        }
      } catch (IOException e) {
        // the container's terminal is gone: what was read has been written
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Gives the terminal its modes back; idempotent (the shutdown hook and close may both call it). */
  private void restore() {
    if (saved != null) {
      saved.close();
    }
  }

  @Override
  public void close() {
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs or is about to
    }
  }
}
