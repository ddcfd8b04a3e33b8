package dev.containerj.core;

import dev.containerj.linux.Errno;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@link Container#start} (or {@link Container#exec}) failed at one step, after which everything it
 * had created was removed. The message reads {@code "container ab12cd34ef56: mount(/data -> /mnt)
 * failed: ENOENT (No such file or directory)"}; {@link #step()} says which part of the start failed,
 * {@link #call()} the exact call, and {@link #errno()} the error number that the kernel reported,
 * empty where no system call failed (a helper killed half-way, a layer store that cannot be opened).
 */
public class ContainerStartException extends ContainerException {
  private static final long serialVersionUID = 1L;

  /** The parts of a start, in the order a start runs them. */
  public enum Step {
    /** The checks of stdio before anything is made (a directory or O_PATH descriptor is refused). */
    STDIO,
    /** The container's state directory and its owner file. */
    STATE_DIRECTORY,
    /** The container's cgroup: its creation, its limits, the helper joining it. */
    CGROUP,
    /** The image's root: its writable layer and overlay options. */
    IMAGE_ROOT,
    /** The network: /etc/hosts and resolv.conf, the veth and bridge, published ports, a shared netns. */
    NETWORK,
    /** The native helper itself: its spawn and the records it sends back. */
    HELPER,
    /** Joining or creating namespaces (setns, unshare, clone). */
    NAMESPACES,
    /** The user namespace's id maps (uid_map, gid_map, setgroups, newuidmap). */
    ID_MAPS,
    /** The root filesystem: mounts, masks, read-only paths, the pivot, the hostname. */
    ROOTFS,
    /** The payload's credentials: ids, groups, capabilities, rlimits, no_new_privs, its terminal. */
    CREDENTIALS,
    /** Loading the seccomp filter. */
    SECCOMP,
    /** execve(2) of the payload. */
    EXEC,
    /** The state record that makes the running container visible to other JVMs. */
    STATE_RECORD
  }

  /** The part of the start that failed. */
  private final Step step;
  /** The failed call, as {@code "execve(foo)"}. */
  private final String call;
  /** The kernel's error number, or 0 where no system call failed. */
  private final int errno;

  /**
   * An exception for container {@code containerId}, whose message is {@code cause}'s.
   *
   * @param step the part of the start that failed
   * @param call the failed call, as {@code "execve(foo)"}
   * @param errno the kernel's error number, empty where no system call failed
   * @param containerId the id of the container that failed to start
   * @param cause the failure; its message ends this one's
   */
  public ContainerStartException(String containerId, Step step, String call, OptionalInt errno, Throwable cause) {
    super("container " + containerId + ": " + cause.getMessage(), cause);
    this.step = step;
    this.call = call;
    this.errno = errno.orElse(0);
  }

  /** {@return the part of the start that failed} */
  public Step step() {
    return step;
  }

  /**
   * {@return the failed call, as {@code "execve(foo)"}, {@code
   * "pivot_root(/run/containerj/x/root)"}}
   */
  public String call() {
    return call;
  }

  /**
   * {@return the errno of the failed system call; empty where the failure was not one (never an
   * invented errno)}
   */
  public OptionalInt errno() {
    return errno == 0 ? OptionalInt.empty() : OptionalInt.of(errno);
  }

  /**
   * {@return the errno as an enum constant; empty where there is none or this library does not name
   * it}
   */
  public Optional<Errno> error() {
    return Optional.ofNullable(Errno.of(errno));
  }

  /**
   * {@return whether the payload could not be found (execve said ENOENT): shells exit 127 for this}
   */
  public boolean commandNotFound() {
    return step == Step.EXEC && errno == Errno.ENOENT.number();
  }

  /**
   * {@return whether the payload was found but execve(2) refused to run it (EACCES, ENOEXEC,
   * EISDIR, EPERM, ETXTBSY, or E2BIG for an argument list and environment too long): shells exit
   * 126 for these}
   */
  public boolean commandNotExecutable() {
    return step == Step.EXEC && (errno == Errno.EACCES.number() || errno == Errno.ENOEXEC.number()
        || errno == Errno.EISDIR.number() || errno == Errno.EPERM.number() || errno == Errno.ETXTBSY.number()
        || errno == Errno.E2BIG.number());
  }
}
