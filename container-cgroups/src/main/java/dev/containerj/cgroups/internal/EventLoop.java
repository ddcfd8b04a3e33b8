package dev.containerj.cgroups.internal;

import org.jspecify.annotations.Nullable;
import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.containerj.cgroups.Subscription;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Errors;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One daemon thread that delivers cgroup events to Java listeners: inotify IN_MODIFY on cgroup
 * files (cgroup.events, memory.events: the kernel notifies their changes, cgroup-v2.rst), and
 * readiness of other descriptors (a v1 OOM eventfd: POLLIN; a PSI trigger: POLLPRI, psi.rst). It
 * blocks in poll(2); nothing sleeps in a loop. Timers exist only for the v1 OOM count re-read.
 */
final class EventLoop {
  private static final int EVENT_HEADER = 16; // struct inotify_event: wd, mask, cookie, len

  private static volatile @Nullable EventLoop instance;

  private final Fd inotify;
  private final Fd wake;
  private final Map<Integer, CopyOnWriteArrayList<Runnable>> watches = new ConcurrentHashMap<>();
  private final Map<Integer, FdWatch> fds = new ConcurrentHashMap<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();

  private record FdWatch(int fd, short events, Runnable callback) {}

  private record Timer(long deadlineNanos, Runnable task) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return Long.compare(deadlineNanos, o.deadlineNanos);
    }
  }

  private EventLoop() throws IOException {
    try {
      inotify = new Fd(CgroupLibC.inotify_init1(CgroupLibC.IN_NONBLOCK | CgroupLibC.IN_CLOEXEC));
      wake = new Fd(LibC.eventfd(0, Constants.EFD_CLOEXEC | Constants.O_NONBLOCK));
    } catch (LastErrorException e) {
      throw Errors.exception("inotify_init1/eventfd", null, e);
    }
    Thread t = new Thread(this::run, "containerj-cgroup-events");
    t.setDaemon(true);
    t.start();
  }

  static EventLoop get() throws IOException {
    EventLoop l = instance;
    if (l == null) {
      synchronized (EventLoop.class) {
        l = instance;
        if (l == null) {
          l = new EventLoop();
          instance = l;
        }
      }
    }
    return l;
  }

  /** Calls {@code callback} on this thread after every IN_MODIFY of {@code file}. */
  Subscription watchFile(Path file, Runnable callback) throws IOException {
    int wd;
    try {
      wd = CgroupLibC.inotify_add_watch(inotify.get(), file.toString(), CgroupLibC.IN_MODIFY);
    } catch (LastErrorException e) {
      throw Errors.exception("inotify_add_watch", file.toString(), e);
    }
    watches.computeIfAbsent(wd, k -> new CopyOnWriteArrayList<>()).add(callback);
    return new Once(() -> {
      CopyOnWriteArrayList<Runnable> list = watches.get(wd);
      if (list != null) {
        list.remove(callback);
        if (list.isEmpty()) {
          watches.remove(wd);
          try {
            CgroupLibC.inotify_rm_watch(inotify.get(), wd);
          } catch (LastErrorException ignored) {
            // EINVAL: the file (cgroup) is gone and the kernel dropped the watch already
          }
        }
      }
    });
  }

  /** Calls {@code callback} on this thread whenever {@code fd} reports {@code events}; owns fd. */
  Subscription watchFd(Fd fd, short events, Runnable callback) {
    int n = fd.get();
    fds.put(n, new FdWatch(n, events, callback));
    wakeUp();
    return new Once(() -> {
      fds.remove(n);
      wakeUp();
      // The poll thread may still hold the number for one round; POLLNVAL there is harmless.
      fd.close();
    });
  }

  /** Runs {@code task} on this thread after {@code delayMillis}. */
  void schedule(long delayMillis, Runnable task) {
    synchronized (timers) {
      timers.add(new Timer(System.nanoTime() + delayMillis * 1_000_000L, task));
    }
    wakeUp();
  }

  private void wakeUp() {
    byte[] one = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(1).array();
    try {
      LibC.write(wake.get(), one, 8);
    } catch (LastErrorException ignored) {
      // EAGAIN: the counter is already non-zero, a wake-up is pending
    }
  }

  private void run() {
    byte[] buf = new byte[8192];
    while (true) {
      List<FdWatch> list = new ArrayList<>(fds.values());
      int n = 2 + list.size();
      try (Memory pfd = new Memory(8L * n)) {
        pfd.clear();
        pfd.setInt(0, wake.get());
        pfd.setShort(4, CgroupLibC.POLLIN);
        pfd.setInt(8, inotify.get());
        pfd.setShort(12, CgroupLibC.POLLIN);
        for (int i = 0; i < list.size(); i++) {
          pfd.setInt(8L * (i + 2), list.get(i).fd());
          pfd.setShort(8L * (i + 2) + 4, list.get(i).events());
        }
        int timeout = runDueTimers();
        try {
          CgroupLibC.poll(pfd, n, timeout);
        } catch (LastErrorException e) {
          continue; // EINTR
        }
        if (pfd.getShort(6) != 0) {
          drain(wake.get(), buf);
        }
        if (pfd.getShort(14) != 0) {
          dispatchInotify(buf);
        }
        for (int i = 0; i < list.size(); i++) {
          short revents = pfd.getShort(8L * (i + 2) + 6);
          FdWatch w = list.get(i);
          if (revents != 0 && fds.get(w.fd()) == w) {
            if ((revents & (CgroupLibC.POLLNVAL | CgroupLibC.POLLERR | CgroupLibC.POLLHUP)) != 0) {
              // The cgroup is gone (a PSI trigger reports POLLERR then): stop watching; the
              // subscription's owner still closes the fd.
              fds.remove(w.fd());
            }
            if ((revents & w.events()) != 0) {
              safely(w.callback());
            }
          }
        }
      } catch (RuntimeException | Error e) {
        // keep delivering other events
      }
    }
  }

  private int runDueTimers() {
    while (true) {
      Timer due;
      synchronized (timers) {
        Timer next = timers.peek();
        if (next == null) {
          return -1;
        }
        long left = next.deadlineNanos() - System.nanoTime();
        if (left > 0) {
          return (int) Math.max(1, left / 1_000_000L);
        }
        due = timers.poll();
      }
      safely(due.task());
    }
  }

  private void dispatchInotify(byte[] buf) {
    while (true) {
      long len;
      try {
        len = LibC.read(inotify.get(), buf, buf.length);
      } catch (LastErrorException e) {
        return; // EAGAIN
      }
      if (len <= 0) {
        return;
      }
      ByteBuffer b = ByteBuffer.wrap(buf, 0, (int) len).order(ByteOrder.nativeOrder());
      while (b.remaining() >= EVENT_HEADER) {
        int wd = b.getInt();
        int mask = b.getInt();
        b.getInt();
        int nameLen = b.getInt();
        b.position(b.position() + nameLen);
        if ((mask & CgroupLibC.IN_IGNORED) != 0) {
          watches.remove(wd);
          continue;
        }
        List<Runnable> cbs = watches.get(wd);
        if (cbs != null) {
          for (Runnable r : cbs) {
            safely(r);
          }
        }
      }
    }
  }

  private static void drain(int fd, byte[] buf) {
    try {
      LibC.read(fd, buf, 8);
    } catch (LastErrorException ignored) {
      // EAGAIN
    }
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    }
  }

  /** A subscription whose close action runs once. */
  static final class Once implements Subscription {
    private final Runnable action;
    private boolean closed;

    Once(Runnable action) {
      this.action = action;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        action.run();
      }
    }
  }
}
