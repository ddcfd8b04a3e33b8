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

  private final String step;
  private final int errno;

  public LaunchException(String step, int errno, @Nullable String detail) {
    super(step + " failed: " + Errno.describe(errno) + (detail == null ? "" : ": " + detail));
    this.step = step;
    this.errno = errno;
  }

  /**
   * A failure that no system call reported (a helper that ended without a report, a truncated
   * record): {@link #errno()} is then 0, never an errno the kernel did not give.
   */
  public LaunchException(String step, String detail) {
    super(step + " failed: " + detail);
    this.step = step;
    this.errno = 0;
  }

  public LaunchException(String step, Throwable cause) {
    super(step + " failed: " + cause.getMessage(), cause);
    this.step = step;
    this.errno = 0;
  }

  /** The step that failed, as {@code "mount(proc -> /proc)"} or {@code "write /proc/42/uid_map"}. */
  public String step() {
    return step;
  }

  /** The errno that the kernel reported, or 0 where none did (a Java-side failure, a helper that died). */
  public int errno() {
    return errno;
  }
}
