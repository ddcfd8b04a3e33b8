package dev.containerj.linux;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A system call failed. The message names the call, its target and the error, as {@code
 * "pivot_root(/x) failed: EINVAL (Invalid argument)"}; the parts are available separately so callers
 * can react to one errno without parsing text.
 */
public class SyscallException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The system call or operation, as {@code "mount"}. */
  private final String call;

  /** What the call acted on, or null. */
  private final @Nullable String target;

  /** The error number the call set. */
  private final int errno;

  /**
   * A failure with no extra detail.
   *
   * @param call the system call or operation, as {@code "mount"}
   * @param target what it acted on (a path, a pid, a device), or null for none
   * @param errno the positive error number the call set
   */
  public SyscallException(String call, @Nullable String target, int errno) {
    this(call, target, errno, null);
  }

  /**
   * A failure with extra text after the standard message.
   *
   * @param call the system call or operation, as {@code "mount"}
   * @param target what it acted on (a path, a pid, a device), or null for none
   * @param errno the positive error number the call set
   * @param detail extra text appended to the message (for instance the kernel's extended ack), or null
   */
  public SyscallException(String call, @Nullable String target, int errno, @Nullable String detail) {
    super(format(call, target, errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
    this.call = call;
    this.target = target;
    this.errno = errno;
  }

  /** {@return the system call or operation, as {@code "mount"}} */
  public String call() {
    return call;
  }

  /** {@return what it acted on (a path, a pid, a device), or null} */
  public @Nullable String target() {
    return target;
  }

  /** {@return the error number, as {@code errno} was after the call} */
  public int errno() {
    return errno;
  }

  /** {@return the error, or null when ContainerJ has no name for the number} */
  public @Nullable Errno error() {
    return Errno.of(errno);
  }

  /**
   * The standard message, without detail; other typed exceptions use it to read the same way.
   *
   * @param call the system call or operation
   * @param target what it acted on, or null
   * @param errno the error number
   * @return {@code "call(target) failed: ENAME (text)"}; {@code "call failed: ..."} without a
   *     target
   */
  public static String format(String call, @Nullable String target, int errno) {
    return call + (target == null ? "" : "(" + target + ")") + " failed: " + Errno.describe(errno);
  }
}
