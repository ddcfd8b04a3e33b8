package dev.containerj.core.internal;

import dev.containerj.namespaces.internal.HelperProgram;
import java.util.ArrayList;
import java.util.List;

/**
 * A helper program as the planner made it, each operation labelled with the stage that made it, so
 * that golden tests can check what each stage plans on a given host.
 */
public final class ProgramPlan {
  /** The planner's stages, in the order they run (the seccomp stage sits inside the credentials). */
  public enum Stage {
    /** Namespaces, the root filesystem (host overlay, image, directory), its read-only and nodev flags. */
    ROOT,
    /** /proc, /dev, /sys (and the cgroup view), the private /tmp. */
    DEV,
    /** /etc/hosts and /etc/resolv.conf, bound read-only. */
    NETWORK_FILES,
    /** The user's binds and tmpfs mounts. */
    MOUNTS,
    /** Masked paths, the hidden state directory, read-only paths. */
    MASKS,
    /** pivot_root, the locked copy of the tree, hostname, loopback, oom_score_adj. */
    PIVOT,
    /** Working directory, rlimits, bounding set, ids, capabilities, no_new_privs, parent-death signal, terminal. */
    CREDENTIALS,
    /** The seccomp filter. */
    SECCOMP,
    /** The fds the payload keeps and the execve. */
    EXEC
  }

  private final HelperProgram program;
  private final List<Stage> stages = new ArrayList<>();

  ProgramPlan(HelperProgram program) {
    this.program = program;
  }

  /** The program. */
  public HelperProgram program() {
    return program;
  }

  /** Labels every operation added since the last mark as made by {@code stage}. */
  void mark(Stage stage) {
    while (stages.size() < program.size()) {
      stages.add(stage);
    }
  }

  /** The step names of the operations that {@code stage} made, in program order. */
  public List<String> steps(Stage stage) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      if (stages.get(i) == stage) {
        out.add(program.step(i));
      }
    }
    return out;
  }
}
