package dev.containerj.core.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.cgroups.Cgroup;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.ContainerStartException;
import dev.containerj.core.ProcessSpec;
import dev.containerj.core.SpecValidationException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.LaunchRequest;
import dev.containerj.namespaces.internal.Launcher;
import dev.containerj.namespaces.internal.ProgramSteps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One more process in a running container (the {@code runc exec} of this library): the helper
 * joins the container's cgroup before it reads its program, then every namespace of the container's
 * pid 1 that differs from this JVM's (the user namespace first: it grants the capabilities that
 * joining the others needs, see setns(2)), forks so that the process is inside the pid namespace,
 * and runs the same process stages as the first process ({@link RootfsProgram#process}): bounding
 * set, seccomp filter, ids, capabilities, no_new_privs, fds 0-2 only. Joining the mount namespace
 * sets the root and working directory to that namespace's root, the container's pivoted root
 * (setns(2)); the process then goes to {@code /} and its working directory.
 */
public final class ContainerExec {
  private ContainerExec() {}

  /**
   * Tests only: the path (in the container) of a fifo that an exec'd process opens for writing just
   * before its seccomp filter, so it waits there, in the window after its capset, until a reader
   * opens the fifo (fifo(7)). Never set in production.
   */
  public static volatile @Nullable String gateBeforeSeccomp;

  /**
   * Tests only: puts the open of the fifo {@code gate} (for writing, so it waits for a reader) just
   * before the last seccomp step of {@code p}'s container process; nothing when {@code gate} is null.
   */
  static void gate(HelperProgram p, @Nullable String gate) {
    if (gate != null) {
      for (int i = p.size() - 1; i > p.cloneIndex(); i--) {
        if (p.step(i).startsWith("seccomp(")) {
          p.insert(i, new HelperProgram().writeFile(gate, "x", 0));
          break;
        }
      }
    }
  }

  /**
   * Tests only: puts the open of the fifo {@code gate} right after the first setresuid of {@code p}'s
   * container process and the {@code PR_SET_DUMPABLE} step that follows it, if any; nothing when
   * {@code gate} is null.
   */
  static void gateAfterIdChange(HelperProgram p, @Nullable String gate) {
    if (gate != null) {
      for (int i = p.cloneIndex() + 1; i < p.size(); i++) {
        if (p.step(i).startsWith("setresuid(")) {
          int at = p.step(i + 1).startsWith("prctl(PR_SET_DUMPABLE") ? i + 2 : i + 1;
          p.insert(at, new HelperProgram().writeFile(gate, "x", 0));
          break;
        }
      }
    }
  }

  /** The namespaces in the order they are joined: the user namespace first. */
  private static final List<Namespace> ORDER = List.of(Namespace.USER, Namespace.MOUNT, Namespace.PID,
      Namespace.UTS, Namespace.IPC, Namespace.NET, Namespace.CGROUP, Namespace.TIME);

  /**
   * {@link #ORDER}, but the namespaces the container joined ({@link ContainerSpec#joinedNamespaces()})
   * first: they belong to another user namespace, over which the container's own gives no privilege
   * (setns(2)), so they are joined while the helper still has the host's.
   */
  private static List<Namespace> order(ContainerSpec spec) {
    if (spec.joinedNamespaces().isEmpty()) {
      return ORDER;
    }
    List<Namespace> out = new ArrayList<>(spec.joinedNamespaces().keySet());
    ORDER.stream().filter(n -> !out.contains(n)).forEach(out::add);
    return out;
  }

  /**
   * Starts {@code ps} in the container {@code id} whose pid 1 is {@code pid}.
   *
   * @throws SpecValidationException when {@code ps} would widen what the container has
   * @throws ContainerStartException naming the step that failed
   */
  public static NamespacedProcess exec(String id, ContainerSpec spec, RuntimeConfig config, int pid,
      @Nullable Cgroup cgroup, ProcessSpec ps) {
    return exec(id, spec, config, pid, cgroup == null ? null : cgroup::addProcess, ps);
  }

  /**
   * The same, joining the cgroup directories of a container that another JVM started (as its owner
   * file names them): the pid is written to each one's {@code cgroup.procs}.
   */
  public static NamespacedProcess exec(String id, ContainerSpec spec, RuntimeConfig config, int pid,
      List<Path> cgroupDirectories, ProcessSpec ps) {
    LaunchRequest.PidHook join = cgroupDirectories.isEmpty() ? null : helper -> {
      for (Path dir : cgroupDirectories) {
        Files.writeString(dir.resolve("cgroup.procs"), Integer.toString(helper));
      }
    };
    return exec(id, spec, config, pid, join, ps);
  }

  private static NamespacedProcess exec(String id, ContainerSpec spec, RuntimeConfig config, int pid,
      LaunchRequest.@Nullable PidHook join, ProcessSpec ps) {
    RootfsProgram.ProcessStages stages = stages(spec, config, ps);
    HelperProgram p = new HelperProgram();
    List<Fd> fds = new ArrayList<>();
    List<Integer> pass = new ArrayList<>();
    try {
      if (!ProtectionsOff.dumpableExec) {
        // runc's CVE-2016-9962: with the identity map or as an ordinary user the helper keeps its uid
        // through setresuid, and the kernel only clears "dumpable" on a change of ids; after its
        // capset it has the payload's uid and capabilities, so a payload could ptrace it, or open its
        // /proc/PID/mem and fds, before its seccomp filter (ptrace(2), "Ptrace access mode
        // checking"). Non-dumpable from here on, inherited by the fork into the pid namespace; execve
        // makes the payload dumpable again (prctl(2), PR_SET_DUMPABLE).
        p.prctl(HelperProgram.PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE, 0");
      }
      joinNamespaces(p, pid, id, order(spec), fds, pass);
      // A child, so that it is inside the pid namespace that setns(2) gave to the helper's children.
      ProgramSteps.cloneInto(p, EnumSet.noneOf(Namespace.class));
      p.setsid(); // never in the JVM's process group: kill(0) inside must not reach it
      p.chdir("/");
      String hostname = spec.hostname() != null ? spec.hostname() : id.substring(0, 12);
      // Redirect.tty(): a pty of the container's own devpts (its /dev/ptmx, reached through the joined
      // mount namespace), as the first process's; the socket for its master follows the passed fds.
      stages = new RootfsProgram.ProcessStages(stages.command(), stages.environment(), stages.workingDirectory(),
          stages.uid(), stages.gid(), stages.groups(), stages.capabilities(), stages.noNewPrivileges(),
          stages.dieWithParent(), false, stages.redirectErrorStream(), false, new RootfsProgram.ProcessStages.ExecTerminal(
              new dev.containerj.namespaces.Redirect[] {ps.stdin(), ps.stdout(), ps.stderr()}, pass.size()));
      // Non-dumpable across its id changes too, which reset "dumpable" to the host's suid_dumpable.
      RootfsProgram.process(new ProgramPlan(p), config.planHost(), spec, config.rootless(),
          hostname, stages, !ProtectionsOff.dumpableExec);
      gate(p, gateBeforeSeccomp);
      return Launcher.launch(new LaunchRequest(p, false, List.of(), List.of(), ps.stdin(), ps.stdout(), ps.stderr(),
          pass, join, null));
    } catch (LaunchException e) {
      throw StartFailure.of(id, ContainerStartException.Step.HELPER, e);
    } finally {
      fds.forEach(Fd::close);
    }
  }

  /** The process stages of {@code ps}: the container's values where it sets none; never wider. */
  static RootfsProgram.ProcessStages stages(ContainerSpec spec, RuntimeConfig config, ProcessSpec ps) {
    List<SpecValidationException.Violation> v = new ArrayList<>();
    Set<Capability> caps = ps.capabilities().orElse(spec.capabilities());
    if (!spec.capabilities().containsAll(caps)) {
      Set<Capability> extra = EnumSet.noneOf(Capability.class);
      extra.addAll(caps);
      extra.removeAll(spec.capabilities());
      v.add(new SpecValidationException.Violation("capabilities", extra.toString(),
          "must be a subset of the container's capabilities " + spec.capabilities()));
    }
    if (ps.init()) {
      v.add(new SpecValidationException.Violation("init", "true", "is only for a container's first process (pid 1)"));
    }
    if (!ps.rlimits().isEmpty()) {
      v.add(new SpecValidationException.Violation("rlimits", ps.rlimits().toString(),
          "must be empty for an exec'd process: it gets the container's " + spec.rlimits()));
    }
    long uid = ps.uid().orElse(spec.uid());
    long gid = ps.gid().orElse(spec.gid());
    if (spec.namespaces().contains(Namespace.USER)) {
      // setresuid(2) to an id outside the user namespace's map fails with a bare EINVAL.
      List<dev.containerj.linux.IdMapping> uids = ContainerStarter.uidMappings(spec, config);
      List<dev.containerj.linux.IdMapping> gids = ContainerStarter.gidMappings(spec, config);
      if (uids.stream().noneMatch(m -> m.coversContainerId(uid))) {
        v.add(new SpecValidationException.Violation("uid", Long.toString(uid), "must be mapped by the container's "
            + "uid map " + uids));
      }
      if (gids.stream().noneMatch(m -> m.coversContainerId(gid))) {
        v.add(new SpecValidationException.Violation("gid", Long.toString(gid), "must be mapped by the container's "
            + "gid map " + gids));
      }
    }
    if (!v.isEmpty()) {
      throw new SpecValidationException(v);
    }
    Map<String, String> env = new LinkedHashMap<>(spec.environment());
    env.putAll(ps.environment());
    return new RootfsProgram.ProcessStages(ps.command(), env, ps.workingDirectory().orElse(spec.workingDirectory()),
        uid, gid, ps.groups().orElse(spec.supplementaryGroups()), caps,
        spec.noNewPrivileges() || ps.noNewPrivileges(), !spec.detached(), false, ps.redirectErrorStream(), false,
        null);
  }

  /**
   * Steps that join each namespace of {@code order} that process {@code pid} (container {@code id})
   * does not share with this JVM: its {@code /proc/PID/ns} file opened here (the fd added to
   * {@code fds}, to close after the launch, and to {@code pass}, passed to the helper at 3, 4, ...)
   * and a setns step on it. One rule for an exec and a before-pivot step's program.
   */
  static void joinNamespaces(HelperProgram p, int pid, String id, Iterable<Namespace> order, List<Fd> fds,
      List<Integer> pass) throws LaunchException {
    for (Namespace ns : order) {
      Path theirs = Path.of("/proc/" + pid + "/ns/" + ns.procName());
      Path ours = Path.of("/proc/self/ns/" + ns.procName());
      try {
        if (!Files.exists(theirs) || Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(ours))) {
          continue; // shared with this JVM (the host's network, say), or not in this kernel
        }
      } catch (IOException e) {
        throw new LaunchException("readlink(" + theirs + ")", e);
      }
      int fd;
      try {
        fd = LibC.open(theirs.toString(), Constants.O_RDONLY | Constants.O_CLOEXEC, 0);
      } catch (LastErrorException e) {
        throw new LaunchException("open(" + theirs + ")", e.getErrorCode(), null);
      }
      fds.add(new Fd(fd));
      pass.add(fd);
      p.setns(3 + pass.size() - 1, ProgramSteps.flag(ns), ns.procName() + " of container " + id.substring(0, 12));
    }
  }
}
