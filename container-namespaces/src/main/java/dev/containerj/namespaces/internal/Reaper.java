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
 * waited for, never "any child", so the JDK's own process reaper is not disturbed. A thread that
 * blocks on a child's exit future reaps that child itself ({@link ExitFuture}): no hand-off through
 * the reaper thread on the way from the exit to the waiter. Without pidfds (before Linux 5.3) each
 * child gets a waiting thread instead.
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
  /**
   * An eventfd in the epoll set: a waiter that took the last watched child writes it, so that the
   * reaper thread leaves epoll_wait and parks (see the class comment).
   */
  private static final int WAKE_FD;
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
    int wake = -1;
    if (ep >= 0) {
      try {
        wake = LibC.eventfd(0, Constants.EFD_CLOEXEC);
        Memory ev = new Memory(EVENT_SIZE);
        ev.clear();
        ev.setInt(0, Constants.EPOLLIN);
        ev.setLong(EVENT_DATA, wake);
        LibC.epoll_ctl(ep, Constants.EPOLL_CTL_ADD, wake, ev);
      } catch (LastErrorException e) {
        wake = -1; // waiters then leave the last child to the reaper thread (see reapHere)
      }
    }
    WAKE_FD = wake;
    Thread t = null;
    if (ep >= 0) {
      t = new Thread(Reaper::loop, "containerj-reaper");
      t.setDaemon(true);
      t.start();
    }
    THREAD = t;
  }

  private record Child(int pid, int pidfd, CompletableFuture<ExitStatus> exit) {}

  /**
   * An exit future whose waiter reaps the child itself. A thread that blocks in {@code get} or
   * {@code join} takes the child from the reaper thread (out of the map, out of epoll), polls its
   * pidfd (pidfd_open(2): readable once the process has ended) and reaps it with waitid(P_PIDFD); the
   * future completes on the waiting thread, whose dependents (the container's bookkeeping) run there
   * too. So the common "start, then wait" needs no wake-up of the reaper thread and no hand-off back:
   * on a loaded machine each is a trip through the run queue. When the reaper thread got the child
   * first, or the wait ends (timeout, interrupt) before the exit, the reaper thread has it again and
   * the waiter waits for the future as before. Every future derived from one (copy, thenApply) waits
   * the same way.
   */
  static class ExitFuture<T> extends CompletableFuture<T> {
    /** The future the reaper completes; derived ones ask it for the child. */
    private final ExitFuture<?> root;
    /** The child this future's root is for (only set on the root, right after its creation). */
    private @Nullable Child child;

    ExitFuture(@Nullable ExitFuture<?> root) {
      this.root = root != null ? root : this;
    }

    /**
     * A derived future (thenApply, copy) is of the same class with its own result type, so its
     * {@code get} waits the same way; its type parameter is the derived value's, never the exit's.
     */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new ExitFuture<U>(root);
    }

    @Override
    public T get() throws InterruptedException, java.util.concurrent.ExecutionException {
      if (!isDone()) {
        reapHere(root.child, Long.MAX_VALUE);
      }
      return super.get();
    }

    @Override
    public T get(long timeout, java.util.concurrent.TimeUnit unit)
        throws InterruptedException, java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
      long deadline = System.nanoTime() + unit.toNanos(timeout);
      if (!isDone()) {
        reapHere(root.child, deadline);
      }
      return super.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public T join() {
      if (!isDone()) {
        try {
          reapHere(root.child, Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // join() is not interruptible: wait for the future
        }
      }
      return super.join();
    }
  }

  /**
   * Reaps {@code c} on this thread if the reaper thread has not taken it, waiting for its end until
   * {@code deadline} ({@link System#nanoTime}; {@code Long.MAX_VALUE}: no limit). Returns with the
   * child's future completed, or with the child given back to the reaper thread.
   */
  private static void reapHere(@Nullable Child c, long deadline) throws InterruptedException {
    // remove(key, value): only this child, never a later one whose pidfd got the same number
    if (c == null || WAKE_FD < 0 || !BY_PIDFD.remove(c.pidfd(), c)) {
      return; // the reaper thread (or another waiter) has it: its future completes
    }
    if (BY_PIDFD.isEmpty()) {
      try {
        LibC.write(WAKE_FD, ONE, 8); // the reaper thread parks instead of waiting in epoll_wait
      } catch (LastErrorException ignored) {
        // the counter is full: the reaper thread is being woken anyway
      }
    }
    int pidfd = c.pidfd();
    try {
      LibC.epoll_ctl(EPOLL_FD, Constants.EPOLL_CTL_DEL, pidfd, null);
    } catch (LastErrorException e) {
      giveBack(c); // cannot take it out of epoll: leave it to the reaper thread
      return;
    }
    Memory pfd = new Memory(8); // struct pollfd: int fd, short events, short revents
    boolean ended = false;
    try {
      while (!ended) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        long left = deadline == Long.MAX_VALUE ? SLICE : (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 && deadline != Long.MAX_VALUE) {
          break;
        }
        pfd.setInt(0, pidfd);
        pfd.setShort(4, (short) Constants.EPOLLIN); // POLLIN has EPOLLIN's value (poll(2), epoll_ctl(2))
        pfd.setShort(6, (short) 0);
        try {
          ended = dev.containerj.linux.internal.TtyLibC.poll(pfd, 1, (int) Math.min(left, SLICE)) > 0;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != Constants.EINTR) {
            break;
          }
        }
      }
    } finally {
      if (ended) {
        c.exit().complete(reap(c, new Memory(SIGINFO_SIZE)));
      } else {
        giveBack(c);
      }
    }
  }

  /** The eventfd increment: 1 in native byte order. */
  private static final byte[] ONE = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putLong(1).array();

  /** How long one poll of a waiting thread blocks before it checks for an interrupt, in ms. */
  private static final int SLICE = 50;

  /** Hands a child that a waiter took back to the reaper thread (an ended one is reported at once). */
  private static void giveBack(Child c) {
    BY_PIDFD.put(c.pidfd(), c);
    Memory ev = new Memory(EVENT_SIZE);
    ev.clear();
    ev.setInt(0, Constants.EPOLLIN);
    ev.setLong(EVENT_DATA, c.pidfd());
    try {
      LibC.epoll_ctl(EPOLL_FD, Constants.EPOLL_CTL_ADD, c.pidfd(), ev);
      LockSupport.unpark(THREAD);
    } catch (LastErrorException e) {
      if (BY_PIDFD.remove(c.pidfd(), c)) {
        threadWatch(c.pid(), c.exit()); // epoll refuses it now: a waiting thread, as without pidfds
      }
    }
  }

  /** waitid(P_PIDFD) of a child whose pidfd is readable (it has ended). */
  private static ExitStatus reap(Child c, Memory info) {
    info.clear();
    try {
      LibC.waitid(Constants.P_PIDFD, c.pidfd(), info, Constants.WEXITED | (leaveUnreaped ? Constants.WNOWAIT : 0));
      return decode(info);
    } catch (LastErrorException e) {
      return waitBlocking(c.pid(), leaveUnreaped ? Constants.WNOWAIT : 0);
    }
  }

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

  /** Set by {@link #leaveChildrenUnreaped()}. */
  private static volatile boolean leaveUnreaped;

  /**
   * From now on, a watched child that ends is not reaped: its future completes with its status
   * (waitid(2) WNOWAIT), and it stays a zombie until this JVM exits and it is reparented to the
   * nearest subreaper, which reaps it. For an OCI runtime's {@code exec --detach}: its caller (conmon,
   * containerd's shim) learns the process's exit status by reaping it itself, as with runc, whose
   * exec'd process is its child and is never waited for.
   */
  public static void leaveChildrenUnreaped() {
    leaveUnreaped = true;
  }

  /** Starts watching a child; the future completes with its status once it has been reaped. */
  public static CompletableFuture<ExitStatus> watch(int pid, int pidfd) {
    if (pidfd >= 0 && EPOLL_FD >= 0) {
      ExitFuture<ExitStatus> exit = new ExitFuture<>(null);
      Child child = new Child(pid, pidfd, exit);
      exit.child = child;
      BY_PIDFD.put(pidfd, child);
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
        return threadWatch(pid, exit);
      }
    }
    return threadWatch(pid, new CompletableFuture<>());
  }

  /** Before pidfds: a thread that blocks in waitid for this child. */
  private static CompletableFuture<ExitStatus> threadWatch(int pid, CompletableFuture<ExitStatus> exit) {
    Thread t = new Thread(() -> exit.complete(waitBlocking(pid, leaveUnreaped ? Constants.WNOWAIT : 0)),
        "containerj-wait-" + pid);
    t.setDaemon(true);
    t.start();
    return exit;
  }

  /** Reaps {@code pid} now, blocking (for the short-lived helper process). */
  public static ExitStatus waitBlocking(int pid) {
    return waitBlocking(pid, 0);
  }

  private static ExitStatus waitBlocking(int pid, int flags) {
    Memory info = new Memory(SIGINFO_SIZE);
    while (true) {
      info.clear();
      try {
        LibC.waitid(Constants.P_PID, pid, info, Constants.WEXITED | flags);
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
        if (pidfd == WAKE_FD) {
          try {
            LibC.read(WAKE_FD, new byte[8], 8); // reset the counter; the loop then parks if nothing is watched
          } catch (LastErrorException ignored) {
            // EAGAIN cannot happen: it was readable
          }
          continue;
        }
        Child c = BY_PIDFD.remove(pidfd);
        if (c == null) {
          continue;
        }
        ExitStatus status = reap(c, info);
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
