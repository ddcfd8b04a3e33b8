package dev.containerj.examples.oci;

import dev.containerj.namespaces.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * runc's {@code --console-socket} for {@code create} and {@code exec}: with {@code process.terminal}
 * the process gets a pty of the container's own devpts (made inside the container, after the pivot,
 * as {@code containerj exec -t} does), and the runtime sends its master on the client's unix socket
 * (SCM_RIGHTS, the terminal's name as the message) before it exits. conmon and containerd's shim
 * listen there and own the terminal from then on. Both must be given together, as runc requires: a
 * terminal nobody receives would be a process without stdio, a socket without a terminal a client
 * waiting forever.
 */
final class ConsoleSocketOption {
  private ConsoleSocketOption() {}

  /**
   * The socket to send the terminal to, or null when the process has no terminal.
   *
   * @throws IllegalArgumentException when only one of the two is given, or the socket is not one
   */
  static @Nullable Path check(boolean terminal, @Nullable String socket) {
    if (terminal && socket == null) {
      throw new IllegalArgumentException("process.terminal is true: --console-socket is required (the runtime "
          + "exits after create, so the terminal's master must go to the client)");
    }
    if (!terminal && socket != null) {
      throw new IllegalArgumentException("--console-socket " + socket + " given but process.terminal is false");
    }
    if (socket == null) {
      return null;
    }
    Path p = Path.of(socket).toAbsolutePath();
    if (!Files.exists(p) || Files.isDirectory(p) || Files.isRegularFile(p)) {
      throw new IllegalArgumentException("--console-socket " + socket + " is not a unix socket");
    }
    return p;
  }

  /** The stdio of a process with a terminal: the pty's slave on all three, as runc's. */
  static Redirect tty() {
    return Redirect.tty();
  }
}
