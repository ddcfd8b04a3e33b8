package dev.containerj.examples.oci;

import dev.containerj.core.ContainerSpec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --preserve-fds N} of {@code create} and {@code run}: the caller's fds 3..3+N-1 become the
 * payload's fds 3..3+N-1 (runc's rule; with {@code LISTEN_FDS=N} in {@code process.env}, systemd's
 * socket activation), and no other fd above 2 reaches it.
 *
 * <p>This runtime is a JVM, which opens files of its own at its start (lib/modules of the JDK, the
 * class path's jars), at the lowest free numbers (open(2)): where the caller left one of 3..3+N-1
 * closed, the JVM's own file sits there. Passing it would hand the container a file of the runtime
 * (read access to the JDK, a jar with the runtime's code, a descriptor the container could keep).
 * So each fd is checked when the JVM starts its main, before this runtime opens anything: it must be
 * open, and must not be a file of the JDK ({@code java.home}) or of the class path; else the call
 * fails naming the fd.
 */
final class PreservedFds {
  private PreservedFds() {}

  /**
   * {@return fds 3..3+N-1, checked} as the call gives them; empty for none.
   *
   * @throws IllegalArgumentException naming the flag's value or the first fd that the caller did not
   *     pass
   */
  static List<Integer> atEntry(RuntimeArgs args) {
    String value = args.flags.get("preserve-fds");
    if (value == null || !(args.command.equals("create") || args.command.equals("run"))) {
      return List.of();
    }
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 0 || n > 1024) {
      throw new IllegalArgumentException("--preserve-fds " + value + " must be a count 0..1024 (fds 3..3+N-1 are passed)");
    }
    List<Integer> fds = new ArrayList<>();
    for (int fd = 3; fd < 3 + n; fd++) {
      Path link = Path.of("/proc/self/fd/" + fd);
      String target;
      try {
        target = Files.readSymbolicLink(link).toString();
      } catch (IOException e) {
        throw new IllegalArgumentException("--preserve-fds " + n + ": fd " + fd + " is not open (the caller passes fds 3.."
            + (2 + n) + ")", e);
      }
      String own = jvmOwn(target);
      if (own != null) {
        throw new IllegalArgumentException("--preserve-fds " + n + ": fd " + fd + " is the runtime's own " + own + " ("
            + target + "), not one the caller passed (the caller passes fds 3.." + (2 + n) + ")");
      }
      fds.add(fd);
    }
    return fds;
  }

  /** What the JVM opened itself at {@code target}, or null: a JDK file, or a class path entry. */
  private static String jvmOwn(String target) {
    if (!target.startsWith("/")) {
      return null; // pipe:[..], socket:[..], anon_inode:..: never a file the JVM opens at its start
    }
    Path t = Path.of(target);
    Path home = Path.of(System.getProperty("java.home")).toAbsolutePath().normalize();
    if (t.startsWith(home)) {
      return "JDK file";
    }
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isEmpty() && t.equals(Path.of(entry).toAbsolutePath().normalize())) {
        return "class path entry";
      }
    }
    return null;
  }

  /** {@code builder} with the fds passed. */
  static ContainerSpec.Builder apply(ContainerSpec.Builder builder, List<Integer> fds) {
    return fds.isEmpty() ? builder : builder.passFds(fds);
  }
}
