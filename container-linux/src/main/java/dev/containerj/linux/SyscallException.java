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

  private final String call;
  private final @Nullable String target;
  private final int errno;

  public SyscallException(String call, @Nullable String target, int errno) {
    this(call, target, errno, null);
  }

  /**
   * @param detail extra text appended to the message (for instance the kernel's extended ack), or null
   */
  public SyscallException(String call, @Nullable String target, int errno, @Nullable String detail) {
    super(format(call, target, errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
    this.call = call;
    this.target = target;
    this.errno = errno;
  }

  /** The system call or operation, as {@code "mount"}. */
  public String call() {
    return call;
  }

  /** What it acted on (a path, a pid, a device), or null. */
  public @Nullable String target() {
    return target;
  }

  /** The error number. */
  public int errno() {
    return errno;
  }

  /** The error, or null when ContainerJ has no name for the number. */
  public @Nullable Errno error() {
    return Errno.of(errno);
  }

  /** {@code "call(target) failed: ENAME (text)"}; {@code "call failed: ..."} without a target. */
  public static String format(String call, @Nullable String target, int errno) {
    return call + (target == null ? "" : "(" + target + ")") + " failed: " + Errno.describe(errno);
  }
}
