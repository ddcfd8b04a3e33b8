package dev.containerj.linux.internal;

import com.sun.jna.LastErrorException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One owned file descriptor. {@link #close()} is idempotent and never throws; {@link #release()} hands
 * the number to a new owner. As with Netty's {@code FileDescriptor}, whoever holds the {@code Fd}
 * closes it.
 */
public final class Fd implements AutoCloseable {
  private static final int CLOSED = -1;
  private final AtomicInteger fd;

  public Fd(int fd) {
    if (fd < 0) {
      throw new IllegalArgumentException("fd must be >= 0: " + fd);
    }
    this.fd = new AtomicInteger(fd);
  }

  /** The descriptor number; throws if closed or released. */
  public int get() {
    int v = fd.get();
    if (v == CLOSED) {
      throw new IllegalStateException("fd is closed");
    }
    return v;
  }

  public boolean isOpen() {
    return fd.get() != CLOSED;
  }

  /** Gives up ownership and returns the number; this object then no longer closes it. */
  public int release() {
    int v = fd.getAndSet(CLOSED);
    if (v == CLOSED) {
      throw new IllegalStateException("fd is closed");
    }
    return v;
  }

  @Override
  public void close() {
    int v = fd.getAndSet(CLOSED);
    if (v != CLOSED) {
      try {
        LibC.close(v);
      } catch (LastErrorException ignored) {
        // close(2): the descriptor is released even when close reports an error; never retry.
      }
    }
  }

  @Override
  public String toString() {
    int v = fd.get();
    return v == CLOSED ? "Fd(closed)" : "Fd(" + v + ")";
  }
}
