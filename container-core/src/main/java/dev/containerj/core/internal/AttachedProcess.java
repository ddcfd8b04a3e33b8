package dev.containerj.core.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.Signal;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The pid 1 of a container that another JVM started (detached), held by a pidfd: signals reach that
 * process and no other, even once its pid is reused (pidfd_open(2), pidfd_send_signal(2)). It is not
 * a child of this JVM, so its exit status is known only to its parent (wait(2)): {@link #onExit()}
 * tells when it ended and completes exceptionally, saying so, rather than inventing a status.
 */
public final class AttachedProcess implements NamespacedProcess {
  /** Why an attached container's status is not known. */
  public static final String NO_STATUS =
      "the exit status of a container that this JVM did not start is known only to its parent (wait(2))";

  private final int pid;
  private final int pidfd;
  private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
  private volatile boolean closed;

  private AttachedProcess(int pid, int pidfd) {
    this.pid = pid;
    this.pidfd = pidfd;
    ProcessHandle.of(pid).map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null))
        .whenComplete((h, e) -> exit.completeExceptionally(new IllegalStateException(NO_STATUS)));
  }

  /**
   * Opens the process {@code pid} if it still is the one that started at {@code startTime} (the
   * check follows the open, so the pidfd is of that very process); empty if it has ended.
   */
  public static Optional<AttachedProcess> open(int pid, long startTime) {
    int fd;
    try {
      fd = (int) LibC.syscall(Arch.SYS_PIDFD_OPEN, pid, 0, 0, 0, 0);
    } catch (LastErrorException e) {
      return Optional.empty(); // ESRCH: gone (pidfd_open needs Linux 5.3, which mount_setattr's 5.12 implies)
    }
    if (!StateStore.isSameProcess(pid, startTime)) {
      LibC.close(fd);
      return Optional.empty();
    }
    return Optional.of(new AttachedProcess(pid, fd));
  }

  @Override
  public int pid() {
    return pid;
  }

  @Override
  public ExitStatus waitFor() throws InterruptedException {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(NO_STATUS, e.getCause());
    }
  }

  @Override
  public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
    try {
      return Optional.of(exit.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(NO_STATUS, e.getCause());
    }
  }

  @Override
  public CompletableFuture<ExitStatus> onExit() {
    return exit;
  }

  @Override
  public boolean isAlive() {
    return !exit.isDone();
  }

  @Override
  public synchronized void signal(Signal signal) {
    if (closed || exit.isDone()) {
      return;
    }
    try {
      LibC.syscall(Arch.SYS_PIDFD_SEND_SIGNAL, pidfd, signal.number(), 0, 0, 0);
    } catch (LastErrorException e) {
      // ESRCH: it ended meanwhile
    }
  }

  @Override
  public @Nullable OutputStream stdin() {
    return null;
  }

  @Override
  public @Nullable InputStream stdout() {
    return null;
  }

  @Override
  public @Nullable InputStream stderr() {
    return null;
  }

  /** Kills the container's pid 1 (and with it its pid namespace), waits until it is gone, closes the pidfd. */
  @Override
  public void close() {
    signal(Signal.SIGKILL);
    try {
      exit.handle((s, e) -> null).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // not gone within 10 s: the pidfd is released anyway
    }
    synchronized (this) {
      if (!closed) {
        closed = true;
        LibC.close(pidfd);
      }
    }
  }
}
