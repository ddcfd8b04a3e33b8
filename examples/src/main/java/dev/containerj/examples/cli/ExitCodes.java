package dev.containerj.examples.cli;

/** The exit statuses of {@code containerj}, the same as {@code docker run} and timeout(1) use. */
final class ExitCodes {
  /** --timeout expired and the container was killed (timeout(1)). */
  static final int TIMED_OUT = 124;
  /** containerj itself failed: bad option, invalid spec, a start step failed. */
  static final int CONTAINERJ_ERROR = 125;
  /** The command exists but cannot be executed (EACCES, ENOEXEC, a directory). */
  static final int NOT_EXECUTABLE = 126;
  /** The command was not found (ENOENT). */
  static final int NOT_FOUND = 127;

  private ExitCodes() {}
}
