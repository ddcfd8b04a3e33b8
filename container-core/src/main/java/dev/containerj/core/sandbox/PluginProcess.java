package dev.containerj.core.sandbox;

import dev.containerj.core.Container;
import dev.containerj.namespaces.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running plugin: its stdin and stdout for a request/response protocol, and its {@link
 * PluginResult}. Closing it kills the plugin and removes its container.
 */
public final class PluginProcess implements AutoCloseable {
  private final Container container;
  private final long startNanos = System.nanoTime();
  private final AtomicBoolean timedOut = new AtomicBoolean();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final Thread stderrReader;
  private final CompletableFuture<PluginResult> result;
  private final Runnable onClose;

  PluginProcess(Container container, Duration timeout, Runnable onClose) {
    this.container = container;
    this.onClose = onClose;
    InputStream err = container.stderr();
    this.stderrReader = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (err) {
        for (int n; (n = err.read(buf)) > 0; ) {
          synchronized (stderr) {
            stderr.write(buf, 0, n);
            if (stderr.size() > 2 * PluginSandbox.STDERR_LIMIT) { // keep the tail, bounded
              byte[] all = stderr.toByteArray();
              stderr.reset();
              stderr.write(all, all.length - PluginSandbox.STDERR_LIMIT, PluginSandbox.STDERR_LIMIT);
            }
          }
        }
      } catch (IOException e) {
        // the container was closed: stderr ends here
      }
    }, "containerj-plugin-stderr-" + container.id().substring(0, 12));
    stderrReader.setDaemon(true);
    stderrReader.start();
    // The time limit: a kill from outside, so that the plugin cannot ignore it (SIGKILL to pid 1
    // takes the whole pid namespace, pid_namespaces(7)).
    CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
      if (container.isRunning()) {
        timedOut.set(true);
        container.kill();
      }
    });
    this.result = container.onExit().thenApply(this::toResult);
  }

  private PluginResult toResult(ExitStatus status) {
    try {
      stderrReader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    PluginResult.Reason reason = timedOut.get() ? PluginResult.Reason.TIMEOUT
        : status.oomKilled() ? PluginResult.Reason.OOM
        : status.killedBySignal() ? PluginResult.Reason.SIGNAL
        : PluginResult.Reason.EXIT;
    String err;
    synchronized (stderr) {
      byte[] all = stderr.toByteArray();
      int from = Math.max(0, all.length - PluginSandbox.STDERR_LIMIT);
      err = new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
    }
    return new PluginResult(reason, status, err, Duration.ofNanos(System.nanoTime() - startNanos));
  }

  /**
   * The plugin's stdin: requests go here. Close it to tell the plugin that no more come.
   *
   * @return the pipe to the plugin's stdin
   */
  public OutputStream stdin() {
    return container.stdin();
  }

  /**
   * The plugin's stdout: its responses.
   *
   * @return the pipe from the plugin's stdout
   */
  public InputStream stdout() {
    return container.stdout();
  }

  /**
   * Waits for the plugin to end (by itself, its time limit, OOM or a signal) and tells how.
   *
   * @return how it ended: exit code, signal, time limit or OOM
   * @throws InterruptedException when this thread is interrupted while waiting; the plugin runs on
   */
  public PluginResult waitFor() throws InterruptedException {
    try {
      return result.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("the plugin's exit could not be read", e.getCause());
    }
  }

  /** {@return its result once it has ended, without waiting} */
  public CompletableFuture<PluginResult> onExit() {
    return result;
  }

  /** Kills the plugin now (its result then says {@link PluginResult.Reason#SIGNAL}). */
  public void kill() {
    container.kill();
  }

  /** {@return the container the plugin runs in (its id, stats, cgroup)} */
  public Container container() {
    return container;
  }

  /** Kills the plugin if it still runs and removes its container and its private root. Idempotent. */
  @Override
  public void close() {
    container.close();
    onClose.run();
  }
}
