package dev.containerj.namespaces.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.TtyLibC;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** The handle of a process the {@link Launcher} started. */
public final class LaunchedProcess implements NamespacedProcess {
  private final int pid;
  private final @Nullable Fd pidfd;
  private final CompletableFuture<ExitStatus> exit;
  private final @Nullable OutputStream stdin;
  private final @Nullable InputStream stdout;
  private final @Nullable InputStream stderr;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final @Nullable Fd ptyMaster;
  private final java.util.List<TtyRelay> relays;

  LaunchedProcess(int pid, int pidfd, CompletableFuture<ExitStatus> exit, @Nullable OutputStream stdin,
      @Nullable InputStream stdout, @Nullable InputStream stderr) {
    this(pid, pidfd, exit, stdin, stdout, stderr, null, java.util.List.of());
  }

  LaunchedProcess(int pid, int pidfd, CompletableFuture<ExitStatus> exit, @Nullable OutputStream stdin,
      @Nullable InputStream stdout, @Nullable InputStream stderr, @Nullable Fd ptyMaster,
      java.util.List<TtyRelay> relays) {
    this.ptyMaster = ptyMaster;
    this.relays = relays;
    this.pid = pid;
    this.pidfd = pidfd >= 0 ? new Fd(pidfd) : null;
    this.exit = exit;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
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
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
    try {
      return Optional.of(exit.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public CompletableFuture<ExitStatus> onExit() {
    return exit.copy();
  }

  @Override
  public boolean isAlive() {
    return !exit.isDone();
  }

  @Override
  public void signal(Signal signal) {
    signal(signal.number());
  }

  /** Sends signal number {@code sig} through the pidfd (immune to pid reuse), else with kill(2). */
  public void signal(int sig) {
    if (exit.isDone()) {
      return;
    }
    try {
      if (pidfd != null && pidfd.isOpen()) {
        LibC.syscall(Arch.SYS_PIDFD_SEND_SIGNAL, pidfd.get(), sig, 0, 0, 0);
      } else {
        LibC.kill(pid, sig);
      }
    } catch (LastErrorException | IllegalStateException e) {
      // ESRCH: it ended between the check and the signal.
    }
  }

  @Override
  public @Nullable OutputStream stdin() {
    return stdin;
  }

  @Override
  public @Nullable InputStream stdout() {
    return stdout;
  }

  @Override
  public @Nullable InputStream stderr() {
    return stderr;
  }

  @Override
  public void resizeTerminal(int columns, int rows) {
    if (ptyMaster == null) {
      throw new dev.containerj.linux.InvalidStateException("the process", "has no terminal: start it with Redirect.tty()");
    }
    if (columns < 0 || columns > 0xffff || rows < 0 || rows > 0xffff) {
      throw new dev.containerj.linux.InvalidValueException("terminal size", columns + "x" + rows, "must be 0..65535 x 0..65535");
    }
    try {
      TtyLibC.setWindowSize(ptyMaster.get(), columns, rows);
    } catch (LastErrorException | IllegalStateException e) {
      // the terminal is gone with the process
    }
  }

  @Override
  public void sendTerminal(java.nio.file.Path socket) throws java.io.IOException {
    if (ptyMaster == null) {
      throw new IllegalStateException("the process has no terminal: start it with Redirect.tty()");
    }
    dev.containerj.linux.internal.ConsoleSocket.send(socket, ptyMaster.get());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    signal(Signal.SIGKILL);
    boolean interrupted = false;
    while (true) {
      try {
        exit.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException e) {
        break;
      }
    }
    if (pidfd != null) {
      pidfd.close();
    }
    relays.forEach(TtyRelay::close);
    if (ptyMaster != null) {
      ptyMaster.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {stdin, stdout, stderr}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception ignored) {
          // closing is best effort
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "NamespacedProcess[pid=" + pid + (exit.isDone() ? ", " + exit.join() : ", running") + "]";
  }
}
