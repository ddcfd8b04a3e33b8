package dev.containerj.examples.oci;

import com.sun.jna.LastErrorException;
import dev.containerj.cgroups.Cgroup;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Signal;
import java.io.IOException;

/**
 * {@code kill --all}: a signal to every process of a container's cgroup, as runc's (containerd's
 * {@code ctr task kill --all} and its shim's kill of a container that shares its pid namespace).
 */
final class KillAll {
  private KillAll() {}

  /**
   * Signals the container's processes. The cgroup is frozen meanwhile (cgroup v2
   * {@code cgroup.freeze}, v1 freezer) where it can be, so that no process forks a child the loop
   * misses; a process that ends meanwhile (ESRCH) is skipped.
   *
   * @param cgroup the container's cgroup
   * @param pid1 the container's first process, signalled even when the cgroup lists nothing
   * @param sig the signal
   * @return 0
   */
  static int signal(Cgroup cgroup, int pid1, Signal sig) throws IOException {
    boolean froze = false;
    try {
      if (!cgroup.isFrozen()) {
        cgroup.freeze();
        froze = true;
      }
    } catch (IOException e) {
      // no freezer here (a v1 host without its hierarchy): signal without, as runc does then
    }
    try {
      send(pid1, sig);
      for (long pid : cgroup.processes()) {
        if (pid != pid1) {
          send((int) pid, sig);
        }
      }
    } finally {
      if (froze) {
        // A frozen task gets its signal once thawed (SIGKILL included, cgroup-v2.rst "Freezer").
        cgroup.thaw();
      }
    }
    return 0;
  }

  private static void send(int pid, Signal sig) {
    try {
      LibC.kill(pid, sig.number());
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Constants.ESRCH) {
        throw e;
      }
    }
  }
}
