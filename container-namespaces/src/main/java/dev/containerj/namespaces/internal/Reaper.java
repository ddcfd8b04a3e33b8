package dev.containerj.namespaces.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.KernelFeatures;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.ExitStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Waits for the container processes (children of this JVM) and completes their exit futures.
 *
 * <p>One daemon thread watches every live child's pidfd with epoll and reaps it with waitid(P_PIDFD)
 * when it becomes readable: no polling, no thread per container. Only pids this JVM started are
 * waited for, never "any child", so the JDK's own process reaper is not disturbed. Without pidfds
 * (before Linux 5.3) each child gets a waiting thread instead.
 *
 * <p>The reaper thread sits in {@code epoll_wait} only while a child is watched; with none it parks
 * in Java. HotSpot's exit (System.exit and a return from main alike) waits up to 30 x 10 ms for
 * every Java thread that is inside native code to come back (VM_Exit::wait_for_threads_in_native_to_block,
 * {@code -XX:UserThreadWaitAttemptsAtExit} on JDK 25), and a parked thread is not in native code: so
 * a JVM that exits after its containers are reaped does not pay 0.3 s for the reaper.
 */
public final class Reaper {
  private static final int SIGINFO_SIZE = 128;
  // siginfo_t on 64-bit Linux: si_code at 8, si_pid at 16, si_status at 24
  private static final int SI_CODE = 8;
  private static final int SI_STATUS = 24;
  private static final boolean PACKED_EPOLL_EVENT = Arch.current() == Arch.X86_64;
  private static final int EVENT_SIZE = PACKED_EPOLL_EVENT ? 12 : 16;
  private static final int EVENT_DATA = PACKED_EPOLL_EVENT ? 4 : 8;

  private static final ConcurrentHashMap<Integer, Child> BY_PIDFD = new ConcurrentHashMap<>();
  private static final int EPOLL_FD;
  /** The reaper thread, unparked by {@link #watch} when it may be parked with nothing to watch. */
  private static final @Nullable Thread THREAD;

  static {
    int ep = -1;
    if (KernelFeatures.pidfd().available()) {
      try {
        ep = LibC.epoll_create1(Constants.EPOLL_CLOEXEC);
      } catch (LastErrorException e) {
        ep = -1;
      }
    }
    EPOLL_FD = ep;
    Thread t = null;
    if (ep >= 0) {
      t = new Thread(Reaper::loop, "containerj-reaper");
      t.setDaemon(true);
      t.start();
    }
    THREAD = t;
  }

  private record Child(int pid, int pidfd, CompletableFuture<ExitStatus> exit) {}

  /** Set by {@link #leaveToSubreaper()}: watched children are waited for with WNOWAIT, never reaped. */
  private static volatile boolean leaveZombies;

  private Reaper() {}

  /**
   * Opens a pidfd for {@code pid} (a child of this JVM that has not been waited for), or -1 when the
   * kernel has none. The pidfd makes later signals safe from pid reuse.
   */
  public static int openPidfd(int pid) {
    if (!KernelFeatures.pidfd().available()) {
      return -1;
    }
    try {
      return (int) LibC.syscall(Arch.SYS_PIDFD_OPEN, pid, 0, 0, 0, 0);
    } catch (LastErrorException e) {
      return -1;
    }
  }

  /** Starts watching a child; the future completes with its status once it has been reaped. */
  public static CompletableFuture<ExitStatus> watch(int pid, int pidfd) {
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    if (pidfd >= 0 && EPOLL_FD >= 0) {
      BY_PIDFD.put(pidfd, new Child(pid, pidfd, exit));
      Memory ev = new Memory(EVENT_SIZE);
      ev.clear();
      ev.setInt(0, Constants.EPOLLIN);
      ev.setLong(EVENT_DATA, pidfd);
      try {
        LibC.epoll_ctl(EPOLL_FD, Constants.EPOLL_CTL_ADD, pidfd, ev);
        // after the put: a reaper that saw the map empty and parks returns at once (the permit)
        LockSupport.unpark(THREAD);
        return exit;
      } catch (LastErrorException e) {
        BY_PIDFD.remove(pidfd);
      }
    }
    Thread t = new Thread(() -> exit.complete(waitBlocking(pid)), "containerj-wait-" + pid);
    t.setDaemon(true);
    t.start();
    return exit;
  }

  /**
   * From now on this JVM reads a watched child's exit status without reaping it (waitid(2)
   * {@code WNOWAIT}): the zombie stays for the caller's child subreaper (prctl(2)
   * {@code PR_SET_CHILD_SUBREAPER}), which adopts it when this JVM exits and reaps it itself. An OCI
   * runtime's {@code exec --detach} needs it: containerd's shim learns of the exec'd process's end
   * only by reaping it, so a process that ended before the runtime exited must still be there.
   * Helper processes (waited for by {@link #waitBlocking}) are still reaped. For a short-lived JVM
   * only: each child's zombie holds its pid until this JVM exits.
   */
  public static void leaveToSubreaper() {
    leaveZombies = true;
  }

  /** Reaps {@code pid} now, blocking (for the short-lived helper process). */
  public static ExitStatus waitBlocking(int pid) {
    Memory info = new Memory(SIGINFO_SIZE);
    while (true) {
      info.clear();
      try {
        LibC.waitid(Constants.P_PID, pid, info, Constants.WEXITED);
        return decode(info);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Constants.EINTR) {
          // ECHILD: someone else reaped it; nothing is known of its status.
          return ExitStatus.killed(Constants.SIGKILL, false);
        }
      }
    }
  }

  private static void loop() {
    int max = 64;
    Memory events = new Memory((long) EVENT_SIZE * max);
    Memory info = new Memory(SIGINFO_SIZE);
    while (true) {
      if (BY_PIDFD.isEmpty()) {
        // Nothing to wait for: park in Java, not in epoll_wait (see the class comment). watch() puts
        // the child before it unparks, so a child added between the check and the park is not
        // missed; a spurious return only checks again.
        LockSupport.park(Reaper.class);
        continue;
      }
      int n;
      try {
        n = LibC.epoll_wait(EPOLL_FD, events, max, -1);
      } catch (LastErrorException e) {
        continue; // EINTR
      }
      for (int i = 0; i < n; i++) {
        int pidfd = (int) events.getLong((long) i * EVENT_SIZE + EVENT_DATA);
        Child c = BY_PIDFD.remove(pidfd);
        if (c == null) {
          continue;
        }
        ExitStatus status;
        info.clear();
        try {
          LibC.waitid(Constants.P_PIDFD, pidfd, info, Constants.WEXITED | (leaveZombies ? Constants.WNOWAIT : 0));
          status = decode(info);
        } catch (LastErrorException e) {
          status = waitBlocking(c.pid());
        }
        try {
          LibC.epoll_ctl(EPOLL_FD, Constants.EPOLL_CTL_DEL, pidfd, null);
        } catch (LastErrorException ignored) {
          // the owner may already have closed the pidfd
        }
        c.exit().complete(status);
      }
    }
  }

  private static ExitStatus decode(Memory info) {
    int code = info.getInt(SI_CODE);
    int status = info.getInt(SI_STATUS);
    if (code == Constants.CLD_EXITED) {
      return ExitStatus.exited(status & 0xff);
    }
    return ExitStatus.killed(status, code == Constants.CLD_DUMPED);
  }
}
