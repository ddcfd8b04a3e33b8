package dev.containerj.core.sandbox;

import dev.containerj.namespaces.ExitStatus;
import java.time.Duration;

/**
 * How a plugin run ended.
 *
 * @param reason why it ended
 * @param status the kernel's exit status of the plugin's process (for {@link Reason#TIMEOUT}, the
 *     SIGKILL the sandbox sent)
 * @param stderr what it wrote to stderr (the last {@link PluginSandbox#STDERR_LIMIT} bytes, UTF-8)
 * @param elapsed the time from its start to its end
 */
public record PluginResult(Reason reason, ExitStatus status, String stderr, Duration elapsed) {
  /** Why a plugin ended. */
  public enum Reason {
    /** It exited by itself; {@link ExitStatus#code()} says with what. */
    EXIT,
    /** Its time limit passed and the sandbox killed it. */
    TIMEOUT,
    /** The kernel's OOM killer killed it at its memory limit. */
    OOM,
    /** A signal killed it (its own, or one sent by {@link PluginProcess#kill()}). */
    SIGNAL
  }

  /** {@return the exit code, or 128 + the signal's number, as a shell reports it} */
  public int exitCode() {
    return status.shellCode();
  }
}
