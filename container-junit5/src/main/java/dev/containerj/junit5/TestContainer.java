package dev.containerj.junit5;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerException;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.ExecProcess;
import dev.containerj.core.ProcessSpec;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A container started for tests: the {@link Container} plus what tests need around it, its recent
 * output ({@link #logs()}), commands run to completion ({@link #exec(String...)}), file copies
 * ({@link #copyTo}, {@link #copyFrom}) and its published ports ({@link #mappedPort(int)}).
 *
 * <p>{@link ContainerExtension} starts and closes these; {@link #start} is for code that manages
 * the lifecycle itself. Safe for use by several threads at once.
 */
public final class TestContainer implements AutoCloseable {
  /** The number of output lines a container keeps for {@link #logs()}, failure messages and reports. */
  public static final int KEPT_LOG_LINES = 1000;

  private final Container container;
  private final LogBuffer logs;
  private final String name;

  private TestContainer(Container container, LogBuffer logs, String name) {
    this.container = container;
    this.logs = logs;
    this.name = name;
  }

  /**
   * Starts {@code spec} in {@code runtime} with its stdout and stderr piped to a log buffer (whatever
   * the spec said for them), hands every line to {@code consumers}, and waits for {@code wait}. When
   * the wait fails the container is closed before the exception leaves.
   *
   * @param runtime the runtime to start it in; not null
   * @param spec the container; its stdout and stderr settings are replaced by pipes
   * @param wait the readiness condition; not null
   * @param consumers the log consumers, called on the container's log thread; empty for none
   * @return the container, ready
   * @throws ContainerNotReadyException when {@code wait} timed out or the container exited first
   * @throws ContainerException when the start failed (see {@link ContainerRuntime#start})
   * @throws dev.containerj.core.SpecValidationException when {@code spec} breaks a rule
   */
  public static TestContainer start(ContainerRuntime runtime, ContainerSpec spec, Wait wait,
      List<Consumer<LogLine>> consumers) {
    Objects.requireNonNull(wait, "wait");
    // The output must be piped for the log buffer; this is the one place the extension changes a spec.
    ContainerSpec piped = spec.toBuilder().stdout(Redirect.PIPE).stderr(Redirect.PIPE).build();
    Container c = runtime.start(piped);
    String name = c.id().substring(0, 12);
    LogBuffer logs = new LogBuffer(KEPT_LOG_LINES, consumers);
    logs.pump(c.stdout(), LogLine.Source.STDOUT, name);
    logs.pump(c.stderr(), LogLine.Source.STDERR, name);
    TestContainer tc = new TestContainer(c, logs, name);
    try {
      wait.waitUntilReady(tc);
    } catch (RuntimeException | Error e) {
      tc.close();
      throw e;
    }
    return tc;
  }

  /**
   * {@return the container itself, for everything this class does not wrap (signals, stats, exit
   * status)}
   */
  public Container container() {
    return container;
  }

  /** {@return the container's id (32 hex digits)} */
  public String id() {
    return container.id();
  }

  /**
   * {@return the first 12 hex digits of the id: the name used in messages, thread names and report
   * entries}
   */
  public String shortId() {
    return name;
  }

  /**
   * The host port published to {@code containerPort} (see {@link Container#mappedPort(int)}): with
   * {@code PortMapping.ephemeral}, a port the kernel chose, so tests running in parallel never
   * collide. The port listens on the mapping's host address, the loopback address by default.
   *
   * @param containerPort the port inside the container
   * @return the host port
   * @throws ContainerException when no published port forwards to {@code containerPort}
   */
  public int mappedPort(int containerPort) {
    return container.mappedPort(containerPort);
  }

  /**
   * The last {@code max} lines of output, oldest first (at most {@link #KEPT_LOG_LINES}).
   *
   * @param max how many lines at most
   * @return the lines, oldest first
   */
  public List<LogLine> logs(int max) {
    return logs.last(max);
  }

  /** {@return all the output lines kept, oldest first (the last {@link #KEPT_LOG_LINES})} */
  public List<LogLine> logs() {
    return logs.last(KEPT_LOG_LINES);
  }

  /**
   * The last {@code max} lines as text, one {@code "STREAM: text"} a line: what reports carry.
   *
   * @param max how many lines at most
   * @return the text, oldest line first
   */
  public String logText(int max) {
    return LogBuffer.format(logs.last(max));
  }

  LogBuffer logBuffer() {
    return logs;
  }

  /**
   * Runs {@code argv} in the container ({@link Container#exec}) and waits for it to end, collecting
   * its output.
   *
   * @param argv the program and its arguments; not empty
   * @return its exit code, stdout and stderr
   * @throws ContainerException when it cannot start (the container does not run, no such program)
   */
  public ExecResult exec(String... argv) {
    return exec(Duration.ofDays(1), argv).orElseThrow();
  }

  /**
   * Runs {@code argv} like {@link #exec(String...)} but kills it when it has not ended within
   * {@code timeout}; then the result is empty.
   *
   * @param timeout the longest run before the process is killed
   * @param argv the program and its arguments; not empty
   * @return its exit code, stdout and stderr, or empty when it was killed for the timeout
   */
  public Optional<ExecResult> exec(Duration timeout, String... argv) {
    ProcessSpec ps = ProcessSpec.builder().command(argv).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build();
    try (ExecProcess p = container.exec(ps)) {
      return collect(p, null, timeout);
    }
  }

  /** Runs {@code ps} with {@code input} (when not null) written to its stdin, and collects it. */
  Optional<ExecResult> collect(ExecProcess p, byte @org.jspecify.annotations.Nullable [] input, Duration timeout) {
    CompletableFuture<byte[]> out = readAll(p.stdout());
    CompletableFuture<byte[]> err = readAll(p.stderr());
    try {
      if (input != null) {
        try (var in = p.stdin()) {
          in.write(input);
        } catch (IOException e) {
          // it ended without reading all of it: its status and stderr tell why
        }
      }
      Optional<ExitStatus> status = p.waitFor(timeout);
      if (status.isEmpty()) {
        p.close(); // kills it; the readers then see end-of-file
        return Optional.empty();
      }
      return Optional.of(new ExecResult(status.get(), new String(out.join(), StandardCharsets.UTF_8),
          new String(err.join(), StandardCharsets.UTF_8)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException("interrupted while waiting for " + p + " in container " + name, e);
    }
  }

  private static CompletableFuture<byte[]> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, r -> {
      Thread t = new Thread(r, "containerj-exec-reader");
      t.setDaemon(true);
      t.start();
    });
  }

  /**
   * Copies the host file or directory {@code hostPath} to {@code containerPath} (the file or the
   * directory it becomes, with its parents made as needed), owned by the container's user. It runs
   * {@code sh} and {@code tar} in the container (busybox's do), which see the container's own
   * mounts: a read-only path stays read-only.
   *
   * @param hostPath an existing host file or directory
   * @param containerPath the absolute path it becomes in the container
   * @throws ContainerException naming the paths and tar's message when the copy fails
   */
  public void copyTo(Path hostPath, String containerPath) {
    TarCopy.copyTo(this, hostPath, containerPath);
  }

  /**
   * Copies the file or directory {@code containerPath} of the container to {@code hostPath} (the
   * file or directory it becomes; a directory's parents must exist). Entries that would land
   * outside {@code hostPath} (absolute names, {@code ..}, through a symbolic link the copy made) are
   * refused, and so is a directory entry on a symbolic link (its mode would reach the link's
   * target): the container is not trusted. Every entry is made through descriptors opened below
   * {@code hostPath}'s parent without following any link, so a container that has {@code hostPath}
   * bound in cannot lead the copy elsewhere by swapping a directory for a link while it runs; a
   * {@code hostPath} that is itself a link to a directory is refused.
   *
   * @param containerPath the absolute path of a file or directory in the container
   * @param hostPath the host path it becomes
   * @throws ContainerException naming the paths and tar's message when the copy fails
   */
  public void copyFrom(String containerPath, Path hostPath) {
    TarCopy.copyFrom(this, containerPath, hostPath);
  }

  /** Kills the container and removes what it left (see {@link Container#close()}). Idempotent. */
  @Override
  public void close() {
    container.close();
    try {
      logs.drain(1000); // the last lines reach the consumers before close returns
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "TestContainer[" + name + ", " + container.spec().command() + "]";
  }
}
