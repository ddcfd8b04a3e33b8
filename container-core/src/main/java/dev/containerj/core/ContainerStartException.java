package dev.containerj.core;

import dev.containerj.linux.Errno;
import org.jspecify.annotations.Nullable;

/**
 * {@link Container#start} failed at one named step, after which everything it had created was
 * removed. The message reads {@code "container ab12cd34ef56: mount(/data -> /mnt) failed: ENOENT (No
 * such file or directory)"}; {@link #step()} and {@link #errno()} give the parts.
 */
public class ContainerStartException extends ContainerException {
  private static final long serialVersionUID = 1L;

  private final String step;
  private final int errno;

  public ContainerStartException(String containerId, String step, int errno, Throwable cause) {
    super("container " + containerId + ": " + cause.getMessage(), cause);
    this.step = step;
    this.errno = errno;
  }

  /** The failed step, as {@code "execve(foo)"}, {@code "pivot_root(/run/containerj/x/root)"}. */
  public String step() {
    return step;
  }

  /** The errno of the failed system call, or 0. */
  public int errno() {
    return errno;
  }

  /** The errno as an enum constant, or null. */
  public @Nullable Errno error() {
    return Errno.of(errno);
  }

  /** Whether the payload could not be found (execve said ENOENT): shells exit 127 for this. */
  public boolean commandNotFound() {
    return step.startsWith("execve(") && errno == Errno.ENOENT.number();
  }

  /**
   * Whether the payload was found but execve(2) refused to run it (EACCES, ENOEXEC, EISDIR, EPERM,
   * ETXTBSY, or E2BIG for an argument list and environment too long): shells exit 126 for these.
   */
  public boolean commandNotExecutable() {
    return step.startsWith("execve(") && (errno == Errno.EACCES.number() || errno == Errno.ENOEXEC.number()
        || errno == Errno.EISDIR.number() || errno == Errno.EPERM.number() || errno == Errno.ETXTBSY.number()
        || errno == Errno.E2BIG.number());
  }
}
