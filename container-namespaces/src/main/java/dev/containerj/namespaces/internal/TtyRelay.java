package dev.containerj.namespaces.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.TtyLibC;
import java.util.concurrent.CompletableFuture;

/**
 * Copies between a terminal of this JVM and a pipe of the payload, so that the payload never holds
 * the JVM's read-write descriptor on the terminal (see {@code Redirect.INHERIT}). One daemon thread
 * per relayed stream, started only when the inherited stream is a terminal. The thread polls with a
 * short timeout so that {@link #close()} ends it without closing a descriptor it may be blocked on.
 */
final class TtyRelay implements AutoCloseable {
  private static final int POLL_MILLIS = 100;
  private static final int BUFFER = 65536;

  private final int terminal;
  private final Fd pipe;
  private final boolean input;
  private volatile boolean stopped;
  /** Completes when the relay has ended (for output: the payload's side reached end-of-file). */
  final CompletableFuture<Void> done = new CompletableFuture<>();

  private TtyRelay(int terminal, Fd pipe, boolean input) {
    this.terminal = terminal;
    this.pipe = pipe;
    this.input = input;
  }

  /** Copies from {@code readEnd} (the payload writes the other end) to this JVM's {@code terminal}. */
  static TtyRelay output(int terminal, Fd readEnd) {
    return new TtyRelay(terminal, readEnd, false).start();
  }

  /** Copies from this JVM's {@code terminal} to {@code writeEnd} (the payload reads the other end). */
  static TtyRelay input(int terminal, Fd writeEnd) {
    return new TtyRelay(terminal, writeEnd, true).start();
  }

  boolean isInput() {
    return input;
  }

  private TtyRelay start() {
    Thread t = new Thread(this::run, "containerj-tty-relay-" + (input ? "in" : "out"));
    t.setDaemon(true);
    t.start();
    return this;
  }

  private void run() {
    int from = input ? terminal : pipe.get();
    int to = input ? pipe.get() : terminal;
    byte[] buf = new byte[BUFFER];
    try {
      while (!stopped) {
        short ev = TtyLibC.pollOne(from, TtyLibC.POLLIN, POLL_MILLIS);
        if (ev == 0) {
          continue;
        }
        if ((ev & TtyLibC.POLLIN) == 0) {
          break; // POLLHUP/POLLERR without data: the other side is gone
        }
        long n;
        try {
          n = LibC.read(from, buf, buf.length);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == Constants.EINTR || e.getErrorCode() == Constants.EAGAIN) {
            continue;
          }
          break;
        }
        if (n <= 0 || !writeAll(to, buf, (int) n)) {
          break;
        }
      }
    } catch (RuntimeException e) {
      // a relay never takes the JVM down; the stream just ends
    } finally {
      pipe.close();
      done.complete(null);
    }
  }

  private boolean writeAll(int fd, byte[] buf, int len) {
    int off = 0;
    while (off < len) {
      try {
        byte[] chunk = off == 0 ? buf : java.util.Arrays.copyOfRange(buf, off, len);
        off += (int) LibC.write(fd, chunk, len - off);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Constants.EAGAIN) {
          TtyLibC.pollOne(fd, TtyLibC.POLLOUT, POLL_MILLIS);
        } else if (e.getErrorCode() != Constants.EINTR) {
          return false; // EPIPE: the payload closed its stdin; EIO: the terminal hung up
        }
      }
    }
    return true;
  }

  /** Ends the relay within a poll interval; idempotent. */
  @Override
  public void close() {
    stopped = true;
  }
}
