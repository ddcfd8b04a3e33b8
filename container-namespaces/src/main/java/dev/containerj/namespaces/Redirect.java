package dev.containerj.namespaces;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a standard stream of a launched process goes: a pipe to Java, the JVM's own stream, a file,
 * a terminal of the container's own, or nowhere ({@code /dev/null}).
 *
 * <p>The stdio rules (container-core/README-security.md, "Terminals and stdio descriptors"):
 * <ul>
 *   <li>A directory or an {@code O_PATH} descriptor is never handed over as stdio: from fd 0 the
 *       payload could walk {@code /proc/self/fd/0/..} to the host's files. The start fails naming
 *       the stream, the fd and the rule (a {@link #file(Path)} that is a directory too).
 *   <li>{@link #INHERIT} of a JVM stream that is a terminal is relayed through a pipe (a JVM thread
 *       copies the bytes): the descriptor the JVM has on a terminal is open for reading and writing,
 *       and a payload holding it could read the keys typed on the host's terminal, change its modes
 *       and size (left so after it ends) or push input into it (TIOCSTI). The payload gets a pipe; the
 *       copy costs a thread per relayed stream, and only when the stream is a terminal: a file or a
 *       pipe is still passed directly, with no copy. The relay lives in this JVM: the output of a
 *       detached container that outlives it ends with it. {@link #inheritUnrelayed()} opts out.
 *   <li>{@link #tty()} gives the payload a pseudo-terminal of its own, from the {@code /dev/pts} of
 *       its container (as {@code docker run -t}); Java holds its master.
 * </ul>
 */
public final class Redirect {
  /** The kind of a redirect. */
  public enum Type {
    /** A pipe; Java reads or writes it through the process handle's streams. */
    PIPE,
    /** The JVM's own stdin, stdout or stderr. */
    INHERIT,
    /** /dev/null. */
    DISCARD,
    /** A file on the host: read for stdin; created or truncated (or appended) for output. */
    FILE,
    /**
     * A pseudo-terminal of the container's own (its controlling terminal); Java reads and writes its
     * master through the process handle's streams. Only a container (which has its own /dev/pts) can
     * have one.
     */
    TTY
  }

  /** A pipe to this JVM, read or written through the process handle's streams. */
  public static final Redirect PIPE = new Redirect(Type.PIPE, null, false);
  /**
   * The JVM's own stream: passed directly when it is a file or a pipe, relayed through a pipe when it
   * is a terminal (see the class comment).
   */
  public static final Redirect INHERIT = new Redirect(Type.INHERIT, null, false);
  /** /dev/null: input reads end of file, output is dropped. */
  public static final Redirect DISCARD = new Redirect(Type.DISCARD, null, false);
  private static final Redirect INHERIT_UNRELAYED = new Redirect(Type.INHERIT, null, false, true, 0, 0);
  private static final Redirect TTY = new Redirect(Type.TTY, null, false);

  private final Type type;
  private final @Nullable Path file;
  private final boolean append;
  private final boolean unrelayed;
  private final int columns;
  private final int rows;

  private Redirect(Type type, @Nullable Path file, boolean append) {
    this(type, file, append, false, 0, 0);
  }

  private Redirect(Type type, @Nullable Path file, boolean append, boolean unrelayed, int columns, int rows) {
    this.type = type;
    this.file = file;
    this.append = append;
    this.unrelayed = unrelayed;
    this.columns = columns;
    this.rows = rows;
  }

  /**
   * {@return the JVM's own stream, passed directly even when it is a terminal} <b>Weakens isolation:</b> the
   * payload then holds the JVM's read-write descriptor on the terminal, so it can read the keys typed
   * there and change the terminal's modes and size. For trusted payloads only.
   */
  public static Redirect inheritUnrelayed() {
    return INHERIT_UNRELAYED;
  }

  /**
   * {@return a pseudo-terminal of the container's own, as {@code docker run -t}: every stream given
   * this redirect is the pty's slave, the payload's controlling terminal; the container's
   * stdin/stdout streams are its master (stdout carries stderr too when both are the terminal)} The
   * window size starts at the kernel's default (0x0) unless given with {@link #tty(int, int)}.
   */
  public static Redirect tty() {
    return TTY;
  }

  /**
   * {@return {@link #tty()} with an initial window size, set before the payload starts}
   *
   * @param columns the width in characters, 0..65535
   * @param rows the height in lines, 0..65535
   * @throws dev.containerj.linux.InvalidValueException when a size is outside 0..65535
   */
  public static Redirect tty(int columns, int rows) {
    if (columns < 0 || columns > 0xffff || rows < 0 || rows > 0xffff) {
      throw new dev.containerj.linux.InvalidValueException("tty size", columns + "x" + rows, "must be 0..65535 x 0..65535");
    }
    return new Redirect(Type.TTY, null, false, false, columns, rows);
  }

  /**
   * {@return a file on the host, truncated when used for output}
   *
   * @param file the host file; created when used for output
   */
  public static Redirect file(Path file) {
    return new Redirect(Type.FILE, file.toAbsolutePath(), false);
  }

  /**
   * {@return a file on the host that output is appended to}
   *
   * @param file the host file; created when missing
   */
  public static Redirect appendTo(Path file) {
    return new Redirect(Type.FILE, file.toAbsolutePath(), true);
  }

  /** {@return what kind of redirect this is} */
  public Type type() {
    return type;
  }

  /** {@return the file for {@link Type#FILE}, else null} */
  public @Nullable Path file() {
    return file;
  }

  /** {@return whether output to the {@link #file()} is appended rather than truncating it} */
  public boolean append() {
    return append;
  }

  /**
   * {@return whether {@link Type#INHERIT} passes a terminal directly ({@link #inheritUnrelayed()})}
   */
  public boolean unrelayed() {
    return unrelayed;
  }

  /** {@return the initial width of a {@link Type#TTY}, 0 for the kernel's default} */
  public int columns() {
    return columns;
  }

  /** {@return the initial height of a {@link Type#TTY}, 0 for the kernel's default} */
  public int rows() {
    return rows;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Redirect r && r.type == type && Objects.equals(r.file, file) && r.append == append
        && r.unrelayed == unrelayed && r.columns == columns && r.rows == rows;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, file, append, unrelayed, columns, rows);
  }

  @Override
  public String toString() {
    if (type == Type.TTY && columns + rows > 0) {
      return "tty:" + columns + "x" + rows;
    }
    if (unrelayed) {
      return "inherit-unrelayed";
    }
    return type == Type.FILE ? (append ? "append:" : "file:") + file : type.name().toLowerCase(java.util.Locale.ROOT);
  }
}
