package dev.containerj.core;

import dev.containerj.namespaces.ExitStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A step of a start that runs while the container's root is assembled but not yet pivoted into
 * ({@link ContainerSpec.Builder#beforePivot}): what an OCI runtime needs for its {@code createRuntime}
 * and {@code createContainer} hooks (runtime-spec config.md, "POSIX-platform Hooks"), which runc runs
 * at the same point of its init.
 *
 * <p>The container's first process exists (its {@link Stop#pid pid} is final) and waits; its network
 * is connected; its mounts are all made (the user's, the masks, the read-only paths), in a mount
 * namespace whose root is still the host's. Nothing of the payload has run. {@link Container#start}
 * blocks until this step returns; an exception fails the start, and everything the start made is
 * removed, as for any other failed start.
 */
@FunctionalInterface
public interface BeforePivot {

  /**
   * Runs the step.
   *
   * @param stop the stopped start: the container's pid and a way to run programs in its namespaces
   * @throws Exception to fail the start (the message is the start's failure's)
   */
  void run(Stop stop) throws Exception;

  /** The start, stopped before its pivot_root. Valid only during {@link BeforePivot#run}. */
  interface Stop {

    /** {@return the container's first process, as this host's pid namespace numbers it} */
    int pid();

    /**
     * Runs {@code path} in the container's mount namespace before its pivot (so {@code path} and
     * every path the program opens resolve in the host's tree, where the container's root is
     * assembled, and a mount it makes there on the root is the container's after the pivot), and in
     * its network, uts, ipc, pid and cgroup namespaces and its cgroup, with the runtime's
     * credentials (as an OCI {@code createContainer} hook runs). The container's hostname is set
     * first. When {@link ContainerSpec.Builder#rootfs} is a directory, that directory shows the
     * assembled root to the program (a bind of it, removed after the step), as a runtime's hooks
     * expect at the bundle's {@code root.path}.
     *
     * <p>The program gets exactly {@code env}, fds 0-2 only ({@code stdin} as a pipe, stdout and
     * stderr this JVM's), {@code /} as its working directory, its own session; it is not dumpable
     * until its execve (ptrace(2)), so a process of a joined pid namespace cannot reach it there.
     *
     * @param path the program, an absolute path in the host's tree
     * @param args its argv (argv[0] included; when empty, {@code path} alone)
     * @param env its environment, {@code NAME=value} each
     * @param stdin what it reads on fd 0 (the OCI state)
     * @param timeout how long it may run (killed with SIGKILL after), or null for no limit
     * @return its exit status, or empty when it ran out of {@code timeout} and was killed
     * @throws ContainerStartException when it could not be started (a missing path)
     * @throws InterruptedException when this thread is interrupted while it waits (it is then killed)
     */
    Optional<ExitStatus> run(String path, List<String> args, List<String> env, byte[] stdin,
        @Nullable Duration timeout) throws InterruptedException;
  }
}
