package dev.containerj.core.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.SpecValidationException;
import dev.containerj.core.SpecValidationException.Violation;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.TtyLibC;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.ProgramSteps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The existing namespaces a container joins ({@link ContainerSpec#joinedNamespaces()}): the rules of
 * the spec, the one open of each path at the start, and the helper's joins.
 *
 * <p>Each path is opened once, before anything is created, and checked through that descriptor: it
 * must be a regular file (so a fifo or device is never opened for reading) that ioctl(2) NS_GET_NSTYPE
 * (ioctl_ns(2)) answers with the asked type, which only nsfs files do. The helper then joins through
 * the same descriptor (setns(2) with the type, which the kernel checks again), never through the
 * path: a path swapped after the check (a symbolic link pointed elsewhere, a process that exited and
 * whose pid was reused) cannot change what is joined.
 */
public final class JoinedNamespaces {
  /** {@code _IO(0xb7, 0x3)}: the CLONE_NEW* type of a namespace file (ioctl_ns(2), Linux 4.11). */
  static final long NS_GET_NSTYPE = 0xb703;

  /**
   * Test-only: runs after the paths were opened and checked, before the helper is started (a test
   * swaps a path there to show that the join does not follow it).
   */
  public static volatile @Nullable Runnable afterOpen;

  /**
   * Test-only protection off: the helper joins by path (it opens the path again, OP_SETNS_PATH)
   * instead of through the descriptor that was checked.
   */
  public static volatile boolean joinByPath;

  /**
   * Test-only protection off: the descriptors are opened unchecked and the helper's setns(2) takes
   * a namespace of any type (nstype 0), as a runtime that trusts the path would.
   */
  public static volatile boolean typeUnchecked;

  private JoinedNamespaces() {}

  /** The field name of a join in violations, as the builder call: {@code joinNamespace[NET]}. */
  static String field(Namespace type) {
    return "joinNamespace[" + type + "]";
  }

  /** The spec's rules on its joins (no host access: {@link #open} checks the files). */
  static void validate(ContainerSpec s, List<Violation> v) {
    for (Map.Entry<Namespace, Path> e : s.joinedNamespaces().entrySet()) {
      Namespace type = e.getKey();
      String path = e.getValue().toString();
      String field = field(type);
      if (type == Namespace.USER) {
        v.add(new Violation(field, path, "is not supported: joining a user namespace would give the container that "
            + "namespace's id map and the capabilities its root has there, which this runtime does not check; "
            + "the container gets its own user namespace (or none)"));
      } else if (type == Namespace.MOUNT) {
        v.add(new Violation(field, path, "is not supported: the container's root filesystem is assembled in a mount "
            + "namespace of its own; joining another one would run the payload in that namespace's tree (the "
            + "host's, for /proc/self/ns/mnt)"));
      } else if (!ContainerSpec.JOINABLE_NAMESPACES.contains(type)) {
        v.add(new Violation(field, path, "is not supported: only net, ipc, uts, pid and cgroup namespaces can be joined"));
      } else if (s.namespaces().contains(type)) {
        v.add(new Violation(field, path, "cannot be combined with a new " + type + " namespace in namespaces "
            + s.namespaces() + " (a type is either created or joined)"));
      }
      if (!e.getValue().isAbsolute()) {
        v.add(new Violation(field, path, "must be an absolute path"));
      }
    }
    Path net = s.joinedNamespaces().get(Namespace.NET);
    if (net != null) {
      String path = net.toString();
      NetKind kind = NetKind.of(s);
      if (kind != NetKind.LOOPBACK && kind != NetKind.NONE) {
        v.add(new Violation(field(Namespace.NET), path, "cannot be combined with network " + s.network()
            + ": the joined namespace is the container's network, it gets no bridge, user-mode network or other "
            + "namespace of its own (keep the default Network.loopback() or Network.none())"));
      }
      if (!s.ports().isEmpty()) {
        v.add(new Violation(field(Namespace.NET), path, "cannot be combined with ports " + s.ports()
            + ": ports are published into a network namespace the container owns"));
      }
    }
    Path pid = s.joinedNamespaces().get(Namespace.PID);
    if (pid != null && s.process().init()) {
      v.add(new Violation("init", "true", "cannot be combined with " + field(Namespace.PID) + " " + pid + ": the init would not be pid 1 of the joined namespace, whose "
          + "own pid 1 reaps its orphans"));
    }
  }

  /** Whether the container has a pid namespace, its own or a joined one (a fresh /proc shows it). */
  static boolean hasPidNamespace(ContainerSpec s) {
    return s.namespaces().contains(Namespace.PID) || s.joinedNamespaces().containsKey(Namespace.PID);
  }

  /** Whether the container has an ipc namespace, its own or a joined one (it gets /dev/mqueue). */
  static boolean hasIpcNamespace(ContainerSpec s) {
    return s.namespaces().contains(Namespace.IPC) || s.joinedNamespaces().containsKey(Namespace.IPC);
  }

  /**
   * Opens and checks every joined path, in the order of {@link ContainerSpec#joinedNamespaces()}.
   * On a failure the ones already opened are closed and a {@link SpecValidationException} names the
   * join, its path and the rule.
   *
   * @return the descriptors, which the launcher places after the other container's netns
   */
  static List<Fd> open(ContainerSpec s) {
    List<Fd> out = new ArrayList<>();
    try {
      for (Map.Entry<Namespace, Path> e : s.joinedNamespaces().entrySet()) {
        out.add(openOne(e.getKey(), e.getValue().toString()));
      }
      Runnable hook = afterOpen;
      if (hook != null) {
        hook.run();
      }
      return out;
    } catch (RuntimeException | Error e) {
      out.forEach(Fd::close);
      throw e;
    }
  }

  private static Fd openOne(Namespace type, String path) {
    if (typeUnchecked) {
      try {
        return new Fd(LibC.open(path, Constants.O_RDONLY | Constants.O_CLOEXEC, 0));
      } catch (LastErrorException e) {
        throw refused(type, path, "must open (errno " + e.getErrorCode() + ")");
      }
    }
    int pathFd;
    try {
      // O_PATH first: nothing is opened for reading (a fifo would block, a device could act) until
      // the file is known to be a regular one, as nsfs files are.
      pathFd = LibC.open(path, Constants.O_PATH | Constants.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw refused(type, path, "must be a namespace file that this process may open (open: errno "
          + e.getErrorCode() + ")");
    }
    try (Fd p = new Fd(pathFd)) {
      Memory buf = new Memory(256); // struct statx; stx_mode (u16) at offset 28
      TtyLibC.statx(p.get(), "", TtyLibC.AT_EMPTY_PATH, TtyLibC.STATX_TYPE, buf);
      if ((buf.getShort(28) & TtyLibC.S_IFMT) != 0100000) {
        throw refused(type, path, "must be a namespace file (/proc/PID/ns/" + type.procName() + "), not "
            + "a directory, fifo, socket or device");
      }
      // Reopened through the descriptor, not the path: the file checked is the file read.
      Fd fd = new Fd(LibC.open("/proc/self/fd/" + p.get(), Constants.O_RDONLY | Constants.O_CLOEXEC, 0));
      try {
        int actual;
        try {
          actual = TtyLibC.ioctl(fd.get(), NS_GET_NSTYPE, com.sun.jna.Pointer.NULL);
        } catch (LastErrorException e) {
          throw refused(type, path, "must be a namespace file (/proc/PID/ns/" + type.procName()
              + "): ioctl NS_GET_NSTYPE failed with errno " + e.getErrorCode());
        }
        if (actual != ProgramSteps.flag(type)) {
          throw refused(type, path, "must be a " + type.procName() + " namespace, but it is " + describe(actual));
        }
        return fd;
      } catch (RuntimeException e) {
        fd.close();
        throw e;
      }
    } catch (LastErrorException e) {
      throw refused(type, path, "must be a namespace file that this process may open (errno " + e.getErrorCode() + ")");
    }
  }

  private static String describe(int flag) {
    for (Namespace n : Namespace.values()) {
      if (ProgramSteps.flag(n) == flag) {
        return "a " + n.procName() + " namespace";
      }
    }
    return "of type 0x" + Integer.toHexString(flag);
  }

  private static SpecValidationException refused(Namespace type, String path, String rule) {
    return new SpecValidationException(List.of(new Violation(field(type), path, rule)));
  }

  /**
   * The helper's joins, before the clone: the container process is born in the joined namespaces
   * (setns(2) of a pid namespace moves only the children, which the clone makes). {@code firstFd} is
   * where the launcher placed the first descriptor of {@link #open}.
   */
  static void join(HelperProgram p, ContainerSpec s, int firstFd) {
    int fd = firstFd;
    for (Map.Entry<Namespace, Path> e : s.joinedNamespaces().entrySet()) {
      int flag = typeUnchecked ? 0 : ProgramSteps.flag(e.getKey());
      if (joinByPath) {
        p.setnsPath(e.getValue().toString(), flag);
      } else {
        p.setns(fd, flag, "joined " + e.getKey().procName() + " namespace " + e.getValue());
      }
      fd++;
    }
  }
}
