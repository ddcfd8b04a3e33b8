package dev.containerj.core.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.SpecValidationException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.internal.HelperProgram;
import java.util.List;

/**
 * The caller's fds that the first process keeps ({@link ContainerSpec#passFds()}). The launcher
 * places them after the start's own passed fds (the other container's netns, the start fifo), so
 * that every step that finds those at 3, 4, ... is unchanged; the last step before the execve moves
 * them down to 3, 4, ... with dup2(2), which also clears their close-on-exec flag, while every other
 * fd above 2 keeps the one the close-from step set (so no fd of the helper or of this JVM reaches the
 * payload).
 */
final class PassedFds {
  private PassedFds() {}

  /**
   * {@return the fds to pass, each checked open (fcntl(2) F_GETFD)} Before the launch, so that a
   * closed fd is a typed error naming it, not a failed spawn.
   */
  static List<Integer> check(ContainerSpec spec) {
    for (int fd : spec.passFds()) {
      try {
        LibC.fcntl(fd, Constants.F_GETFD, 0);
      } catch (LastErrorException e) {
        throw new SpecValidationException(List.of(new SpecValidationException.Violation("passFds", Integer.toString(fd),
            "must be an open fd of this process (fcntl F_GETFD: errno " + e.getErrorCode() + ")")));
      }
    }
    return spec.passFds();
  }

  /**
   * Moves the passed fds from where the launcher placed them to 3, 4, ...: ascending, so a move
   * onto an fd that is itself a passed one happens only after that one has been moved already.
   */
  static void moveInPlace(HelperProgram p, ContainerSpec spec) {
    int first = ContainerStarter.startFifoFd(spec) + (spec.startFifo() != null ? 1 : 0);
    for (int i = 0; i < spec.passFds().size(); i++) {
      if (first + i != 3 + i) {
        p.dup2(first + i, 3 + i);
      }
    }
  }
}
