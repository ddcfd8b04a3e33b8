package dev.containerj.namespaces;

import dev.containerj.linux.Errno;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Launching a process failed at one named step, in the native helper (for instance {@code
 * "pivot_root(/run/containerj/ab12/root)"}) or on the Java side (for instance {@code
 * "write /proc/4242/uid_map"}). The message reads {@code "step failed: ENAME (text)"}.
 */
public class LaunchException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The step that failed. */
  private final String step;
  /** The error number of the failed call, or 0. */
  private final int errno;

  /**
   * A step that a system call failed.
   *
   * @param step the step, as {@code "pivot_root(/run/containerj/ab12/root)"}
   * @param errno the error number the call set
   * @param detail extra text for the message, or null
   */
  public LaunchException(String step, int errno, @Nullable String detail) {
    super(step + " failed: " + Errno.describe(errno) + (detail == null ? "" : ": " + detail));
    this.step = step;
    this.errno = errno;
  }

  /**
   * A failure that no system call reported (a helper that ended without a report, a truncated
   * record): {@link #errno()} is then 0, never an errno the kernel did not give.
   *
   * @param step the step that did not complete
   * @param detail what went wrong
   */
  public LaunchException(String step, String detail) {
    super(step + " failed: " + detail);
    this.step = step;
    this.errno = 0;
  }

  /**
   * A step that failed with a Java exception; {@link #errno()} is 0.
   *
   * @param step the step that failed
   * @param cause the failure; its message ends this one's
   */
  public LaunchException(String step, Throwable cause) {
    super(step + " failed: " + cause.getMessage(), cause);
    this.step = step;
    this.errno = 0;
  }

  /**
   * {@return the step that failed, as {@code "mount(proc -> /proc)"} or {@code "write
   * /proc/42/uid_map"}}
   */
  public String step() {
    return step;
  }

  /**
   * {@return the errno that the kernel reported, or 0 where none did (a Java-side failure, a helper
   * that died)}
   */
  public int errno() {
    return errno;
  }
}
