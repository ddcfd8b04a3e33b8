package dev.containerj.namespaces.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.TtyLibC;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The rules for the descriptors a payload gets as fds 0-2 (one place: the start's early check, the
 * launcher and the messages of the helper's own check use it). See {@link Redirect} for the rules.
 */
public final class Stdio {
  /** EBADF, EISDIR (errno-base.h): the errnos of an O_PATH descriptor and of a directory. */
  static final int EBADF = 9;
  static final int EISDIR = 21;

  private static final String[] NAMES = {"stdin", "stdout", "stderr"};

  private Stdio() {}

  /** "stdin", "stdout" or "stderr". */
  public static String name(int fd) {
    return NAMES[fd];
  }

  /**
   * Fails when a redirect would hand the payload a directory or an O_PATH descriptor: an inherited
   * JVM stream that is one, or a {@link Redirect#file(Path)} that is a directory. Cheap (a fcntl and
   * a statx per inherited stream), and made before anything else of a start, so a refused start
   * leaves nothing behind. The native helper checks fds 0-2 again, as they are, before it runs.
   */
  public static void check(Redirect stdin, Redirect stdout, Redirect stderr) throws LaunchException {
    if (FaultPlan.skipsJavaStdioCheck()) {
      return; // a protection-off test run
    }
    Redirect[] all = {stdin, stdout, stderr};
    for (int fd = 0; fd < 3; fd++) {
      Redirect r = all[fd];
      if (r.type() == Redirect.Type.INHERIT) {
        requireUsable(fd);
      } else if (r.type() == Redirect.Type.FILE && Files.isDirectory(Path.of(String.valueOf(r.file())))) {
        // For output the open would fail anyway (EISDIR); refused here too, with the same message.
        throw refused(fd, EISDIR, " (" + r.file() + ")");
      }
    }
  }

  /** Fails when this JVM's {@code fd} (0-2) is a directory or an O_PATH descriptor. */
  static void requireUsable(int fd) throws LaunchException {
    int flags;
    try {
      flags = dev.containerj.linux.internal.LibC.fcntl(fd, TtyLibC.F_GETFL, 0);
    } catch (LastErrorException e) {
      return; // not open (EBADF): the payload gets no such stream either
    }
    if ((flags & Constants.O_PATH) != 0) {
      throw refused(fd, EBADF, "");
    }
    try {
      if (TtyLibC.isDirectory(fd)) {
        throw refused(fd, EISDIR, "");
      }
    } catch (LastErrorException e) {
      // statx failed on an open fd: nothing to judge, the helper checks again
    }
  }

  /** The error for stdio {@code fd} that is a directory (EISDIR) or an O_PATH descriptor (EBADF). */
  public static LaunchException refused(int fd, int errno, String what) {
    return new LaunchException("check " + name(fd) + " (fd " + fd + ")" + what, errno,
        (errno == EISDIR ? "it is a directory" : "it is an O_PATH descriptor") + ", and a directory or O_PATH "
            + "descriptor is never given as stdio: the container could walk /proc/self/fd/" + fd
            + "/.. to the host's files; give a file, a pipe, a terminal or nothing (/dev/null)");
  }

  /** Whether this JVM's {@code fd} is a terminal. */
  static boolean isTerminal(int fd) {
    return TtyLibC.isatty(fd) == 1;
  }
}
