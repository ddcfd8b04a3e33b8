package dev.containerj.net.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Errors;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One shared thread that runs short tasks inside other network namespaces: for each task it enters
 * the target namespace (setns(2)), runs the task, and returns to its own namespace before it takes
 * the next one. It serves namespaces that are configured once and never again from Java (a bridge
 * container's eth0: address, routes, accept_ra), which would otherwise start and keep a {@link
 * NetnsThread} each: a thread creation on every start (about 0.3-0.8 ms on a loaded machine) and a
 * thread per running container.
 *
 * <p>Why it is safe to leave a namespace again: setns(CLONE_NEWNET) changes only the calling thread
 * (setns(2)), this thread runs nothing but the library's tasks, and a task's sockets keep the
 * namespace they were opened in. If the return fails, the thread ends at once (it never runs a task
 * in a namespace it was not asked for, and it stops pinning the one it is in) and the next call
 * starts a new one. Tasks are serialized: each is a few netlink messages and one sysctl write.
 */
public final class NetnsHop {
  /**
   * A task run inside the target namespace.
   *
   * @param <T> the result's type
   */
  @FunctionalInterface
  public interface Task<T> {
    /**
     * Runs inside the namespace.
     *
     * @return the result handed to the caller
     * @throws IOException to fail the call
     */
    T call() throws IOException;
  }

  /** The thread's name: short enough for the kernel's 15-byte comm, so tests find it in /proc. */
  public static final String THREAD_NAME = "cj-netns-hop";

  private static final Object LOCK = new Object();
  private static volatile @Nullable NetnsThread thread;
  private static volatile @Nullable Fd home;
  /** Tests only: whether the thread goes back to its namespace after a task (the protection-off run). */
  private static volatile boolean returnHome = true;

  private NetnsHop() {}

  /**
   * Runs {@code task} inside the network namespace of {@code nsFd} and returns its result; the
   * shared thread is back in its own namespace when this returns.
   *
   * @param <T> the result's type
   * @param nsFd an open descriptor of the target network namespace
   * @param description the namespace, for messages
   * @param task what to run inside
   * @return what {@code task} returned
   * @throws IOException what {@code task} threw, or when setns(2) fails
   */
  public static <T> T call(int nsFd, String description, Task<T> task) throws IOException {
    synchronized (LOCK) {
      NetnsThread t = thread();
      Fd back = java.util.Objects.requireNonNull(home);
      CompletableFuture<T> result = new CompletableFuture<>();
      t.submit(() -> {
        // The result is handed over only once the thread is back home (or has been retired), so the
        // next call never queues a task behind a thread that is about to end.
        T value = null;
        Throwable failure = null;
        try {
          setns(nsFd, "network namespace " + description);
          try {
            value = task.call();
          } catch (Throwable e) {
            failure = e;
          } finally {
            if (returnHome) {
              try {
                setns(back.get(), "the hop thread's own network namespace");
              } catch (Throwable e) {
                broken(t); // stuck in the task's namespace: end the thread before it runs anything else
              }
            }
          }
        } catch (Throwable e) {
          failure = e;
        }
        if (failure != null) {
          result.completeExceptionally(failure);
        } else {
          result.complete(value);
        }
      });
      return NetnsThread.await(result, "the configuration of network namespace " + description);
    }
  }

  private static NetnsThread thread() throws IOException {
    if (thread == null) {
      CompletableFuture<Fd> own = new CompletableFuture<>();
      try {
        thread = NetnsThread.startNamed(THREAD_NAME, () -> own.complete(openNamespaceFile("/proc/thread-self/ns/net")));
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
      home = own.join();
    }
    return thread;
  }

  /** Runs on the hop thread while the caller waits in {@link #call} holding the lock. */
  private static void broken(NetnsThread t) {
    t.shutdown();
    if (thread == t) { // the caller holds LOCK while the task runs, so this is its thread
      thread = null;
      Fd h = home;
      home = null;
      if (h != null) {
        h.close();
      }
    }
  }

  private static void setns(int fd, String what) throws IOException {
    try {
      LibC.setns(fd, Constants.CLONE_NEWNET);
    } catch (LastErrorException e) {
      throw Errors.exception("setns", what, e);
    }
  }

  /**
   * Opens a namespace file ({@code /proc/thread-self/ns/net}, {@code /run/netns/NAME}) read-only,
   * close-on-exec.
   *
   * @param path the file
   * @return its descriptor
   * @throws IOException naming open(2) and the path
   */
  public static Fd openNamespaceFile(String path) throws IOException {
    try {
      return new Fd(LibC.open(path, Constants.O_RDONLY | Constants.O_CLOEXEC, 0));
    } catch (LastErrorException e) {
      throw Errors.exception("open", path, e);
    }
  }

  /**
   * Tests only: turns the return to the own namespace off (the protection-off run), or on again.
   *
   * @param on whether the thread goes back to its own namespace after each task
   */
  public static void returnHomeForTest(boolean on) {
    returnHome = on;
  }
}
