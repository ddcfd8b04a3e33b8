package dev.containerj.examples.oci;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ExecProcess;
import dev.containerj.core.ProcessSpec;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.Signal;
import dev.containerj.oci.OciConfig;
import dev.containerj.oci.OciHook;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hooks that run in the container's namespaces (runtime-spec config.md, "POSIX-platform Hooks").
 *
 * <p>{@code createContainer}, in {@code create}, at the library's stop before the pivot ({@code
 * ContainerSpec.Builder.beforePivot}), as runc's init runs them: in the container's mount namespace
 * while the host's root is still its root (so the hook's path and the files it opens resolve in the
 * runtime's tree, and what it mounts on the bundle's {@code root.path} is the container's), in its
 * network, uts (its hostname set), ipc, pid and cgroup namespaces and its cgroup, with the runtime's
 * credentials, the state on stdin, and its own {@code env} only.
 *
 * <p>{@code startContainer}, in {@code start}, just before the process waiting on the start fifo is
 * released to its execve: one more process in the container's namespaces and cgroup, joined with
 * setns(2) by the library's {@code Container.exec}, confined as a process of the container (its user,
 * capabilities, seccomp filter); its path resolves in the container's root. It gets its own {@code
 * env} and nothing of the container's {@code process.env} (which may hold the payload's secrets): the
 * spec it is attached with has an empty environment, because {@code Container.exec} adds a process's
 * variables to its spec's.
 */
final class ContainerHooks {
  private ContainerHooks() {}

  /**
   * Runs the {@code createContainer} {@code hooks} in order at the start's stop before the pivot,
   * each with {@code state} on its stdin; the first that fails throws as {@link #run} does.
   */
  static void runBeforePivot(List<OciHook> hooks, dev.containerj.core.BeforePivot.Stop stop, byte[] state)
      throws InterruptedException {
    for (OciHook h : hooks) {
      String problem;
      try {
        Optional<ExitStatus> status = stop.run(h.path(), h.argv(), h.env(), state,
            h.timeoutSeconds() == null ? null : Duration.ofSeconds(h.timeoutSeconds()));
        problem = status.isEmpty() ? "timed out after " + h.timeoutSeconds() + "s"
            : status.get().success() ? null : "exited with " + status.get().shellCode();
      } catch (RuntimeException e) {
        problem = "could not run: " + e.getMessage();
      }
      if (problem != null) {
        throw new IllegalStateException("createContainer hook " + h.path() + " " + problem);
      }
    }
  }

  /**
   * Runs {@code hooks} in order in the container with library id {@code libraryId}, each with
   * {@code state} on its stdin; the first that fails (exit status not 0, or past its timeout, or
   * it cannot run) throws, naming the kind, the path and the reason.
   */
  static void run(String kind, List<OciHook> hooks, ContainerRuntime runtime, String libraryId, OciConfig config,
      byte[] state) throws InterruptedException {
    if (hooks.isEmpty()) {
      return;
    }
    Container c = runtime.attach(libraryId, config.container().toBuilder().environment(Map.of()).build());
    for (OciHook h : hooks) {
      List<String> argv = new ArrayList<>(h.argv());
      argv.set(0, h.path()); // the path is what runs, as for the host's hooks
      ProcessSpec.Builder p = ProcessSpec.builder().command(argv);
      for (String e : h.env()) {
        int eq = e.indexOf('=');
        if (eq > 0) {
          p.env(e.substring(0, eq), e.substring(eq + 1));
        }
      }
      p.stdin(Redirect.PIPE).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
      String problem;
      try (ExecProcess process = c.exec(p.build())) {
        try (OutputStream in = process.stdin()) {
          in.write(state);
        } catch (IOException ignored) {
          // the hook need not read its stdin
        }
        Optional<ExitStatus> status = h.timeoutSeconds() == null ? Optional.of(process.waitFor())
            : process.waitFor(Duration.ofSeconds(h.timeoutSeconds()));
        if (status.isEmpty()) {
          process.signal(Signal.SIGKILL);
          problem = "timed out after " + h.timeoutSeconds() + "s";
        } else {
          problem = status.get().success() ? null : "exited with " + status.get().shellCode();
        }
      } catch (RuntimeException e) {
        problem = "could not run in the container: " + e.getMessage();
      }
      if (problem != null) {
        throw new IllegalStateException(kind + " hook " + h.path() + " " + problem);
      }
    }
  }
}
