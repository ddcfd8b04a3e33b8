package dev.containerj.namespaces;

import org.jspecify.annotations.Nullable;

/**
 * How a process ended: with an exit code, or killed by a signal.
 *
 * @param code the exit code (0-255) when the process exited, else -1
 * @param signal the number of the signal that killed it, else 0
 * @param coreDumped whether the kernel wrote a core dump
 * @param oomKilled whether the kernel's OOM killer sent the signal (known when the process ran in a
 *     cgroup with a memory limit)
 */
public record ExitStatus(int code, int signal, boolean coreDumped, boolean oomKilled) {
  /**
   * Checks each component against its rule.
   *
   * @param code the exit code (0-255) when the process exited, else -1
   * @param signal the number of the signal that killed it, else 0
   * @param coreDumped whether the kernel wrote a core dump
   * @param oomKilled whether the kernel's OOM killer sent the signal (known when the process ran in
   *     a cgroup with a memory limit)
   * @throws dev.containerj.linux.InvalidValueException naming the component, its value and the rule it breaks
   */
  public ExitStatus {
    if ((code < 0) == (signal <= 0)) {
      throw new dev.containerj.linux.InvalidValueException("code/signal", "code=" + code + ", signal=" + signal,
          "must set exactly one of code (0-255) and signal (> 0)");
    }
    if (code > 255) {
      throw new dev.containerj.linux.InvalidValueException("code", Integer.toString(code), "must be <= 255");
    }
  }

  /**
   * {@return the process called exit(code)}
   *
   * @param code the exit code, 0..255
   */
  public static ExitStatus exited(int code) {
    return new ExitStatus(code, 0, false, false);
  }

  /**
   * {@return the process was killed by signal {@code signal}}
   *
   * @param signal the signal's number
   * @param coreDumped whether the kernel wrote a core dump
   */
  public static ExitStatus killed(int signal, boolean coreDumped) {
    return new ExitStatus(-1, signal, coreDumped, false);
  }

  /**
   * {@return a copy that records that the OOM killer ended the process}
   *
   * @param oomKilled whether the OOM killer ended it
   */
  public ExitStatus withOomKilled(boolean oomKilled) {
    return new ExitStatus(code, signal, coreDumped, oomKilled);
  }

  /**
   * {@return whether the process called exit(2) (or returned from main) rather than dying of a
   * signal}
   */
  public boolean exited() {
    return code >= 0;
  }

  /** {@return whether a signal ended the process} */
  public boolean killedBySignal() {
    return signal > 0;
  }

  /**
   * {@return the signal as an enum constant, or null if it exited or the signal has no constant}
   */
  public @Nullable Signal killSignal() {
    return signal > 0 ? Signal.of(signal) : null;
  }

  /** {@return the shell's convention: the exit code, or 128 + the signal number} */
  public int shellCode() {
    return code >= 0 ? code : 128 + signal;
  }

  /** {@return whether it exited with code 0} */
  public boolean success() {
    return code == 0;
  }

  @Override
  public String toString() {
    if (code >= 0) {
      return "exited with code " + code;
    }
    Signal s = Signal.of(signal);
    return "killed by " + (s == null ? "signal " + signal : s.name())
        + (coreDumped ? " (core dumped)" : "") + (oomKilled ? " (out of memory)" : "");
  }
}
