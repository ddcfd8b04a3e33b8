package dev.containerj.core.internal;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.core.BeforePivot;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.ContainerStartException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.LaunchRequest;
import dev.containerj.namespaces.internal.LaunchedProcess;
import dev.containerj.namespaces.internal.Launcher;
import dev.containerj.namespaces.internal.ProgramSteps;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The start stopped before its pivot ({@link ContainerSpec#beforePivot}): the helper's
 * {@link HelperProgram#hookStop} step waits on a pipe of its own while the step runs, and a program
 * that the step runs ({@link #run}) is one more helper launch, joined into the container's namespaces
 * with setns(2) as {@link ContainerExec} does, but not into its user namespace when this JVM is root
 * (the program has the runtime's credentials, as runc's {@code createContainer} hooks have), and with
 * none of the container's confinement: it is the runtime's code, not the container's.
 */
final class BeforePivotStop implements BeforePivot.Stop {
  /**
   * The namespaces joined, the mount namespace first (setns(2) then sets the root and working
   * directory to that namespace's root: the host's, since the container has not pivoted yet).
   */
  private static final List<Namespace> JOINED = List.of(Namespace.MOUNT, Namespace.UTS, Namespace.IPC,
      Namespace.NET, Namespace.PID, Namespace.CGROUP);

  private final String id;
  private final ContainerSpec spec;
  private final int pid;
  private final @Nullable Cgroup cgroup;
  private final String hostname;

  BeforePivotStop(String id, ContainerSpec spec, int pid, @Nullable Cgroup cgroup, String hostname) {
    this.id = id;
    this.spec = spec;
    this.pid = pid;
    this.cgroup = cgroup;
    this.hostname = hostname;
  }

  /**
   * The start's {@code beforePivot} launch step: runs {@code spec}'s step, then releases the helper
   * by writing {@code 'G'} on {@code release}; closes {@code release} in any case, so a failed step
   * ends the helper's wait with end-of-file (its step then fails, and the start is undone).
   */
  static LaunchRequest.PidHook hook(String id, ContainerSpec spec, @Nullable Cgroup cgroup, String hostname,
      Fd release) {
    BeforePivot step = java.util.Objects.requireNonNull(spec.beforePivot(), "beforePivot");
    return pid -> {
      try {
        step.run(new BeforePivotStop(id, spec, pid, cgroup, hostname));
        long n = LibC.write(release.get(), new byte[] {'G'}, 1);
        if (n != 1) {
          throw new IOException("write(hook stop pipe): short write");
        }
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted in the step before pivot_root", e);
      } catch (Exception e) {
        throw new IOException(e.getMessage(), e);
      } finally {
        release.close();
      }
    };
  }

  @Override
  public int pid() {
    return pid;
  }

  @Override
  public Optional<ExitStatus> run(String path, List<String> args, List<String> env, byte[] stdin,
      @Nullable Duration timeout) throws InterruptedException {
    HelperProgram p = new HelperProgram();
    List<Fd> fds = new ArrayList<>();
    List<Integer> pass = new ArrayList<>();
    LaunchedProcess process;
    try {
      // Not dumpable from its start to its execve (prctl(2)): in the container's pid namespace, a
      // process of a joined one could otherwise ptrace it, or open its /proc/PID/mem or fds, while it
      // holds the runtime's credentials and the host's tree ("Ptrace access mode checking", ptrace(2)).
      p.prctl(HelperProgram.PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE, 0");
      List<Namespace> order = new ArrayList<>(JOINED);
      if (LibC.geteuid() != 0) {
        order.add(0, Namespace.USER); // an ordinary user's runtime has privilege only inside it (setns(2))
      }
      ContainerExec.joinNamespaces(p, pid, id, order, fds, pass);
      ProgramSteps.cloneInto(p, EnumSet.noneOf(Namespace.class)); // a child: inside the pid namespace
      p.setsid(); // never in the JVM's process group
      p.chdir("/");
      if (spec.namespaces().contains(Namespace.UTS)) {
        p.sethostname(hostname); // set again after the pivot, as before; the hook sees it already
      }
      // Every fd but 0-2 close-on-exec: the namespace fds, and the status pipe (whose end-of-file is the
      // launch's success).
      p.closeFrom(ProtectionsOff.hookFds ? 3 + pass.size() : 3);
      Map<String, String> environment = new LinkedHashMap<>();
      for (String e : env) {
        int eq = e.indexOf('=');
        if (eq > 0) {
          environment.put(e.substring(0, eq), e.substring(eq + 1));
        }
      }
      List<String> argv = args.isEmpty() ? List.of(path) : args;
      p.exec(List.of(path), argv, environment);
      LaunchRequest.PidHook join = cgroup == null ? null : cgroup::addProcess;
      process = Launcher.launch(new LaunchRequest(p, false, List.of(), List.of(), Redirect.PIPE, Redirect.INHERIT,
          Redirect.INHERIT, pass, join, null));
    } catch (LaunchException e) {
      throw StartFailure.of(id, ContainerStartException.Step.HELPER, e);
    } finally {
      fds.forEach(Fd::close);
    }
    try (LaunchedProcess hook = process) {
      try (OutputStream in = java.util.Objects.requireNonNull(hook.stdin(), "stdin")) {
        in.write(stdin);
      } catch (IOException ignored) {
        // the program need not read its stdin
      }
      Optional<ExitStatus> status = timeout == null ? Optional.of(hook.waitFor()) : hook.waitFor(timeout);
      if (status.isEmpty()) {
        hook.signal(Constants.SIGKILL);
        hook.waitFor();
      }
      return status;
    } catch (InterruptedException e) {
      process.signal(Constants.SIGKILL);
      throw e;
    }
  }
}
