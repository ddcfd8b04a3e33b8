package dev.containerj.cgroups;

import java.io.IOException;

/**
 * A cgroup operation failed. The message names the file and the value, as {@code "failed to write
 * 64M to /sys/fs/cgroup/x/memory.max: EBUSY (Device or resource busy)"}.
 */
public class CgroupException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The failed system call's error number, or 0. */
  private final int errno;

  /**
   * A failure without an error number.
   *
   * @param message what failed, naming the file and the value
   */
  public CgroupException(String message) {
    super(message);
    this.errno = 0;
  }

  /**
   * A failure caused by {@code cause}.
   *
   * @param message what failed, naming the file and the value
   * @param cause the underlying failure
   */
  public CgroupException(String message, Throwable cause) {
    super(message, cause);
    this.errno = cause instanceof CgroupException ? ((CgroupException) cause).errno : 0;
  }

  /**
   * A failure of a system call with {@code errno}.
   *
   * @param message what failed, naming the file and the value
   * @param errno the error number of the failed system call
   */
  public CgroupException(String message, int errno) {
    super(message);
    this.errno = errno;
  }

  /** {@return the error number of the failed system call, or 0 when none applies} */
  public int errno() {
    return errno;
  }
}
