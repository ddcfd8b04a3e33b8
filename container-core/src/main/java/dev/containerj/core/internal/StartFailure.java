package dev.containerj.core.internal;

import dev.containerj.core.ContainerStartException;
import dev.containerj.core.ContainerStartException.Step;
import dev.containerj.namespaces.LaunchException;
import java.util.OptionalInt;

/**
 * The one place where a failed call becomes a {@link ContainerStartException}: its typed step, and
 * its errno only when the kernel gave one ({@link LaunchException#errno()} 0 stays empty).
 */
public final class StartFailure {
  private StartFailure() {}

  /**
   * The exception for container {@code id}: {@code phase} is the part of the start that was running;
   * during the launch ({@link Step#HELPER}) the helper's failed operation names the finer step.
   */
  public static ContainerStartException of(String id, Step phase, LaunchException e) {
    Step step = phase == Step.HELPER ? ofHelperStep(e.step()) : phase;
    OptionalInt errno = e.errno() == 0 ? OptionalInt.empty() : OptionalInt.of(e.errno());
    return new ContainerStartException(id, step, e.step(), errno, e);
  }

  /**
   * The step of a launch's failed call, from the step names that {@code HelperProgram} and the
   * launcher give their operations (the syscall first: {@code "mount(proc -> /proc)"}).
   */
  static Step ofHelperStep(String call) {
    if (call.equals("join cgroup")) {
      return Step.CGROUP; // the launcher's hook that puts the helper into the container's cgroup
    }
    if (call.equals("prepare container") || call.startsWith("ioctl(SIOCSIFFLAGS")) {
      return Step.NETWORK; // the launcher's hook that wires the veth; lo up
    }
    if (call.startsWith("execve(")) {
      return Step.EXEC;
    }
    if (call.startsWith("seccomp(")) {
      return Step.SECCOMP;
    }
    if (call.contains("uid_map") && !call.startsWith("user namespace for idmapped mounts")
        || call.contains("gid_map") || call.contains("/setgroups") || call.startsWith("newuidmap")
        || call.startsWith("newgidmap")) {
      return Step.ID_MAPS;
    }
    if (call.startsWith("setns(") || call.startsWith("unshare(") || call.startsWith("clone(")
        || (call.startsWith("readlink(/proc/") || call.startsWith("open(/proc/")) && call.contains("/ns/")) {
      // (an exec opens the running container's namespaces before it joins them)
      return Step.NAMESPACES;
    }
    if (call.startsWith("setresuid(") || call.startsWith("setresgid(") || call.startsWith("setgroups(")
        || call.startsWith("capset") || call.startsWith("prctl(") || call.startsWith("setrlimit(")
        || call.startsWith("setsid") || call.startsWith("close_range(")
        || call.startsWith("open the container's terminal") || call.startsWith("recvmsg(pty master)")) {
      return Step.CREDENTIALS;
    }
    if (call.startsWith("posix_spawn(") || call.startsWith("native helper") || call.startsWith("pipe2(")
        || call.startsWith("socketpair(") || call.startsWith("read(status pipe)")
        || call.startsWith("write(config pipe)") || call.startsWith("write(go)") || call.startsWith("fcntl(")
        || call.startsWith("wait for parent")) {
      return Step.HELPER;
    }
    // mount, mount_setattr, umount2, mkdir, create, symlink, lchown, open, chdir, pivot_root,
    // sethostname, write(file), idmapped mounts, the root's assembly
    return Step.ROOTFS;
  }
}
