package dev.containerj.namespaces;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.linux.internal.TtyLibC;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The caller's own terminal, as a tool that relays it to a container's pty needs it ({@code docker
 * run -it}): whether a descriptor is a terminal, its window size, and raw mode with its modes given
 * back. Only this JVM's descriptors are touched; a container's terminal is resized through the
 * container ({@code Container.resizeTerminal}).
 */
public final class Terminal {
  private Terminal() {}

  /**
   * A terminal's window size (struct winsize of tty_ioctl(4)).
   *
   * @param columns the columns
   * @param rows the rows
   */
  public record Size(int columns, int rows) {}

  /**
   * {@return whether {@code fd} of this process is a terminal (isatty(3))}
   *
   * @param fd a descriptor of this process: 0, 1 or 2
   */
  public static boolean isTerminal(int fd) {
    return TtyLibC.isatty(fd) == 1;
  }

  /**
   * The window size of the terminal on {@code fd} (TIOCGWINSZ, tty_ioctl(4)).
   *
   * @param fd a descriptor of this process: 0, 1 or 2
   * @return its size, or empty when it is not a terminal
   */
  public static Optional<Size> size(int fd) {
    int[] size = TtyLibC.windowSize(fd);
    return size == null ? Optional.empty() : Optional.of(new Size(size[0], size[1]));
  }

  /**
   * Puts the terminal on {@code fd} in raw mode (cfmakeraw(3): no echo, no line editing, no signal
   * characters; the container's pty does them) and returns what gives its modes back.
   *
   * @param fd a descriptor of this process, normally 0
   * @return the saved modes, restored by {@link RawMode#close()}; empty when {@code fd} is not a
   *     terminal (nothing was changed)
   */
  public static Optional<RawMode> enterRawMode(int fd) {
    if (!isTerminal(fd)) {
      return Optional.empty();
    }
    Memory termios = new Memory(TtyLibC.TERMIOS_SIZE);
    try {
      TtyLibC.tcgetattr(fd, termios);
      Memory saved = new Memory(TtyLibC.TERMIOS_SIZE);
      saved.write(0, termios.getByteArray(0, TtyLibC.TERMIOS_SIZE), 0, TtyLibC.TERMIOS_SIZE);
      TtyLibC.cfmakeraw(termios);
      TtyLibC.tcsetattr(fd, TtyLibC.TCSADRAIN, termios);
      return Optional.of(new RawMode(fd, saved));
    } catch (LastErrorException e) {
      return Optional.empty(); // not a terminal after all (it went away between the calls)
    }
  }

  /** A terminal's modes from before {@link #enterRawMode}; {@link #close()} restores them once. */
  public static final class RawMode implements AutoCloseable {
    private final int fd;
    private final Memory saved;
    private final AtomicBoolean restored = new AtomicBoolean();

    private RawMode(int fd, Memory saved) {
      this.fd = fd;
      this.saved = saved;
    }

    /**
     * Gives the terminal its modes back (TCSADRAIN: after the pending output is written). Idempotent
     * and thread-safe, so a shutdown hook and the normal end may both call it; a terminal that is
     * gone is ignored.
     */
    @Override
    public void close() {
      if (restored.compareAndSet(false, true)) {
        try {
          TtyLibC.tcsetattr(fd, TtyLibC.TCSADRAIN, saved);
        } catch (LastErrorException e) {
          // the terminal is gone: nothing to restore
        }
      }
    }
  }
}
