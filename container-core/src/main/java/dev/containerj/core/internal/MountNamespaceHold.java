package dev.containerj.core.internal;

import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A reference from this JVM to a container's mount namespace (an nsfs fd of
 * {@code /proc/PID/ns/mnt}, namespaces(7)), so that the namespace's teardown happens when this
 * reference is dropped, in the container's removal on the teardown lane, and not inside a process's
 * exit or {@code unshare(2)} on the caller's path.
 *
 * <p>Why: the last process of a mount namespace to leave it (by exiting, or by unsharing it)
 * unmounts the whole tree there and waits for an RCU grace period ({@code put_mnt_ns},
 * {@code namespace_unlock} in fs/namespace.c). A payload's exit reached its pidfd only after that,
 * and with the locked assembly of a root JVM (RootfsProgram) the container's unshare of its own copy
 * of the assembled tree paid the same teardown for the assembly's namespace, before its execve.
 *
 * <p>At most one fd is held at a time: the container's pidfd and this one are the two fds an idle
 * container costs (stdio only when piped). Everything is best effort: without the fd, the exit pays
 * the teardown as before. The fd dies with the JVM, so a killed JVM leaves no namespace behind.
 */
final class MountNamespaceHold {
  private @Nullable Fd held;
  private @Nullable String heldName;

  /**
   * Takes a reference to the mount namespace {@code pid} is in now: for the start, called while the
   * container process waits for its go byte (in the locked assembly, that is the assembly's namespace,
   * which its unshare would otherwise tear down before the execve).
   */
  synchronized void open(int pid) {
    String path = path(pid);
    try {
      heldName = Files.readSymbolicLink(Path.of(path)).toString();
      held = new Fd(LibC.open(path, Constants.O_RDONLY | Constants.O_CLOEXEC, 0));
    } catch (IOException | RuntimeException e) {
      // gone already, or not ours to open (ptrace access mode, proc(5)): the exit pays the teardown
      heldName = null;
    }
  }

  /**
   * After the execve: if {@code pid} has since moved to a namespace of its own (the locked assembly's
   * unshare), holds that one instead, and hands the reference to the old one to the teardown lane,
   * which then tears it down off the caller's path. A payload that already exited keeps the old
   * reference until the removal.
   */
  void settle(int pid) {
    String path = path(pid);
    Fd old;
    synchronized (this) {
      String now;
      try {
        now = Files.readSymbolicLink(Path.of(path)).toString();
        if (now.equals(heldName)) {
          return; // the payload's own namespace is the one held
        }
        Fd fd = new Fd(LibC.open(path, Constants.O_RDONLY | Constants.O_CLOEXEC, 0));
        old = held;
        held = fd;
        heldName = now;
      } catch (IOException | RuntimeException e) {
        return; // the payload exited (its exit paid its own namespace's teardown)
      }
    }
    if (old != null) {
      TeardownLane.submit(old::close);
    }
  }

  /** Drops the reference: the namespace is torn down here when nothing else is in it. Idempotent. */
  synchronized void close() {
    if (held != null) {
      held.close();
      held = null;
    }
  }

  private static String path(int pid) {
    return "/proc/" + pid + "/ns/mnt";
  }
}
