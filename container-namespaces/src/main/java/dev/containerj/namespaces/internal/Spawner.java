package dev.containerj.namespaces.internal;

import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.LaunchException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Spawns the native helper with posix_spawn(3) from one dedicated, never-ending thread.
 *
 * <p>Why a dedicated thread: the container process is a child of the spawning <em>thread</em>, and
 * PR_SET_PDEATHSIG fires when that thread exits, not the process (prctl(2)); a pool thread that dies
 * would kill its containers. Why posix_spawn: it is vfork-based and safe in a multithreaded JVM, and
 * unlike ProcessBuilder it can place exactly the fds wanted. The signal mask is emptied and every
 * signal reset to its default, so a payload is not born with the JVM's blocked or ignored signals.
 */
public final class Spawner {
  private static final int FILE_ACTIONS_SIZE = 256; // glibc: 80 bytes
  private static final int ATTR_SIZE = 1024; // glibc: 336 bytes
  private static final int SIGSET_SIZE = 128;

  /** One file action: open a path onto fd, or dup2 fd onto fd. */
  public record FileAction(int targetFd, int sourceFd, String path, int oflag, int mode) {
    public static FileAction dup2(int sourceFd, int targetFd) {
      return new FileAction(targetFd, sourceFd, "", 0, 0);
    }

    public static FileAction open(int targetFd, String path, int oflag, int mode) {
      return new FileAction(targetFd, -1, path, oflag, mode);
    }
  }

  private record Request(String path, String[] argv, List<FileAction> actions, CompletableFuture<Integer> result) {}

  private static final LinkedBlockingQueue<Request> QUEUE = new LinkedBlockingQueue<>();

  static {
    Thread t = new Thread(Spawner::loop, "containerj-spawner");
    t.setDaemon(true);
    t.start();
  }

  private Spawner() {}

  /** Spawns {@code path} with {@code argv}, an empty environment and the file actions; returns its pid. */
  public static int spawn(String path, String[] argv, List<FileAction> actions) throws LaunchException {
    CompletableFuture<Integer> result = new CompletableFuture<>();
    QUEUE.add(new Request(path, argv, actions, result));
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // The spawn itself still completes; the caller's cleanup kills what it started.
      throw new LaunchException("posix_spawn(containerj-helper)", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof LaunchException le) {
        throw le;
      }
      throw new LaunchException("posix_spawn(containerj-helper)", c != null ? c : e);
    }
  }

  private static void loop() {
    // Reused across spawns: this thread is the only user.
    Memory fileActions = new Memory(FILE_ACTIONS_SIZE);
    Memory attr = new Memory(ATTR_SIZE);
    Memory emptySet = new Memory(SIGSET_SIZE);
    Memory fullSet = new Memory(SIGSET_SIZE);
    LibC.sigemptyset(emptySet);
    LibC.sigfillset(fullSet);
    int[] pid = new int[1];
    while (true) {
      Request r;
      try {
        r = QUEUE.take();
      } catch (InterruptedException e) {
        continue; // never end: containers' parent-death signal is tied to this thread
      }
      try {
        fileActions.clear();
        attr.clear();
        check(LibC.posix_spawn_file_actions_init(fileActions), "posix_spawn_file_actions_init");
        try {
          for (FileAction a : r.actions()) {
            if (a.sourceFd() >= 0) {
              check(LibC.posix_spawn_file_actions_adddup2(fileActions, a.sourceFd(), a.targetFd()),
                  "posix_spawn_file_actions_adddup2(" + a.sourceFd() + " -> " + a.targetFd() + ")");
            } else {
              check(LibC.posix_spawn_file_actions_addopen(fileActions, a.targetFd(), a.path(), a.oflag(), a.mode()),
                  "posix_spawn_file_actions_addopen(" + a.path() + ")");
            }
          }
          check(LibC.posix_spawnattr_init(attr), "posix_spawnattr_init");
          try {
            check(LibC.posix_spawnattr_setflags(attr,
                (short) (Constants.POSIX_SPAWN_SETSIGMASK | Constants.POSIX_SPAWN_SETSIGDEF)), "posix_spawnattr_setflags");
            check(LibC.posix_spawnattr_setsigmask(attr, emptySet), "posix_spawnattr_setsigmask");
            check(LibC.posix_spawnattr_setsigdefault(attr, fullSet), "posix_spawnattr_setsigdefault");
            int err = LibC.posix_spawn(pid, r.path(), fileActions, attr, new StringArray(r.argv()),
                new StringArray(new String[0]));
            check(err, "posix_spawn(containerj-helper)");
            r.result().complete(pid[0]);
          } finally {
            LibC.posix_spawnattr_destroy(attr);
          }
        } finally {
          LibC.posix_spawn_file_actions_destroy(fileActions);
        }
      } catch (LaunchException e) {
        r.result().completeExceptionally(e);
      } catch (Throwable t) {
        r.result().completeExceptionally(t);
      }
    }
  }

  private static void check(int err, String step) throws LaunchException {
    if (err != 0) {
      throw new LaunchException(step, err, null);
    }
  }
}
