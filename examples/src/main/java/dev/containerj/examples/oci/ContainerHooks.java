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
 * The hooks that run inside the container (runtime-spec config.md, "POSIX-platform Hooks"):
 * {@code createContainer} at the end of {@code create}, {@code startContainer} in {@code start}
 * just before the process waiting on the start fifo is released to its execve. Each is one more
 * process in the container's namespaces and cgroup, joined with setns(2) by the library's
 * {@code Container.exec} while the container's first process waits, confined as a process of the
 * container (its user, capabilities, seccomp filter), with the state on its stdin.
 *
 * <p>A hook gets its own {@code env} and nothing of the container's {@code process.env} (which may
 * hold the payload's secrets and is the payload's, not the hook's): the spec it is attached with has
 * an empty environment, because {@code Container.exec} adds a process's variables to its spec's.
 *
 * <p>Unlike runc, whose init runs {@code createContainer} hooks before pivot_root (so their path is
 * resolved on the host's root, in the container's mount namespace), ContainerJ's container process
 * has pivoted already when {@code create} returns from the library: the path of a {@code
 * createContainer} hook is resolved inside the container's root, as {@code startContainer}'s is.
 */
final class ContainerHooks {
  private ContainerHooks() {}

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
