package dev.containerj.junit5;

import dev.containerj.namespaces.ExitStatus;

/**
 * What a command run by {@link TestContainer#exec(String...)} left: its status and its output.
 *
 * @param status how it ended
 * @param stdout everything it wrote to stdout, decoded as UTF-8
 * @param stderr everything it wrote to stderr, decoded as UTF-8
 */
public record ExecResult(ExitStatus status, String stdout, String stderr) {
  /**
   * {@return the exit code, or 128 + the signal number when a signal killed it (as a shell reports
   * it)}
   */
  public int exitCode() {
    return status.shellCode();
  }
}
