package dev.containerj.junit5;

import dev.containerj.core.ContainerException;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * When a started container counts as ready. Each strategy polls its condition (every
 * {@value #POLL_MILLIS} ms) until it holds, the container exits, or the {@linkplain #timeout()
 * timeout} passes; the last two fail with a {@link ContainerNotReadyException} whose message ends with
 * the container's last {@value #LOG_LINES_IN_MESSAGE} log lines. Immutable.
 *
 * <pre>{@code
 * Wait.forHttp(8080, "/health", 200).withTimeout(Duration.ofSeconds(10))
 * }</pre>
 */
public final class Wait {
  /** The timeout of a strategy unless {@link #withTimeout} changes it. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** How many of the container's last log lines a failure message carries. */
  public static final int LOG_LINES_IN_MESSAGE = 30;
  /** The pause between two checks of a condition, in milliseconds. */
  public static final long POLL_MILLIS = 50;

  /** A condition; {@code remaining} bounds a check that can block (an exec, an HTTP request). */
  @FunctionalInterface
  private interface Probe {
    boolean ready(TestContainer c, Duration remaining) throws Exception;
  }

  private final String description;
  private final @Nullable Probe probe;
  private final Duration timeout;

  private Wait(String description, @Nullable Probe probe, Duration timeout) {
    this.description = description;
    this.probe = probe;
    this.timeout = timeout;
  }

  /**
   * No wait: the container is ready once its payload has been exec'd.
   *
   * @return the wait that returns at once
   */
  public static Wait none() {
    return new Wait("no wait", null, DEFAULT_TIMEOUT);
  }

  /**
   * Ready once a line of its output (stdout or stderr) matches {@code regex} ({@link
   * java.util.regex.Matcher#find()}: anywhere in the line). Only the last {@link
   * TestContainer#KEPT_LOG_LINES} lines are searched.
   *
   * @param regex the pattern searched in each line
   * @return the wait, with {@link #DEFAULT_TIMEOUT}
   * @throws java.util.regex.PatternSyntaxException when {@code regex} is not a valid pattern
   */
  public static Wait forLogLine(String regex) {
    Pattern p = Pattern.compile(regex);
    return new Wait("a log line matching /" + regex + "/", (c, remaining) -> c.logBuffer().anyMatches(p), DEFAULT_TIMEOUT);
  }

  /**
   * Ready once a TCP socket of the container's network namespace listens on {@code containerPort}
   * (state LISTEN in {@code /proc/PID/net/tcp} or {@code tcp6}, proc(5)). Read there rather than by
   * connecting to the published port: the port proxy accepts on the host before the payload
   * listens, so a connect would succeed too early.
   *
   * @param containerPort the TCP port inside the container
   * @return the wait, with {@link #DEFAULT_TIMEOUT}
   * @throws IllegalArgumentException when {@code containerPort} is not in 1..65535
   */
  public static Wait forListeningPort(int containerPort) {
    checkPort(containerPort);
    return new Wait("TCP port " + containerPort + " listening",
        (c, remaining) -> listening(c.container().pid(), containerPort), DEFAULT_TIMEOUT);
  }

  /**
   * Ready once {@code argv}, exec'd in the container, exits with 0 (as a Compose health check).
   *
   * @param argv the probe's program and its arguments; not empty
   * @return the wait, with {@link #DEFAULT_TIMEOUT}
   * @throws IllegalArgumentException when {@code argv} is empty
   */
  public static Wait forCommand(String... argv) {
    if (argv.length == 0) {
      throw new IllegalArgumentException("argv: empty; Wait.forCommand needs a program to run");
    }
    String[] copy = argv.clone();
    return new Wait("command " + String.join(" ", copy) + " exiting with 0", (c, remaining) -> {
      Optional<ExecResult> r = c.exec(remaining, copy);
      return r.isPresent() && r.get().exitCode() == 0;
    }, DEFAULT_TIMEOUT);
  }

  /**
   * Ready once an HTTP GET of {@code path} on the host port published to {@code containerPort}
   * answers with {@code status}.
   *
   * @param containerPort the published port inside the container, 1..65535
   * @param path the request path, starting with "/"
   * @param status the HTTP status the answer must have, 100..599
   * @return the wait, with {@link #DEFAULT_TIMEOUT}
   * @throws IllegalArgumentException when the port is not in 1..65535, {@code path} does not start
   *     with "/" or {@code status} is not in 100..599
   */
  public static Wait forHttp(int containerPort, String path, int status) {
    checkPort(containerPort);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path: \"" + path + "\" must start with /");
    }
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " is not an HTTP status (100..599)");
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    return new Wait("HTTP GET " + path + " on port " + containerPort + " answering " + status, (c, remaining) -> {
      URI uri = URI.create("http://127.0.0.1:" + c.mappedPort(containerPort) + path);
      HttpRequest req = HttpRequest.newBuilder(uri).timeout(min(remaining, Duration.ofSeconds(5))).GET().build();
      return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == status;
    }, DEFAULT_TIMEOUT);
  }

  /**
   * The same condition with another timeout.
   *
   * @param timeout the longest wait, positive
   * @return a new wait; this one is unchanged
   * @throws IllegalArgumentException when {@code timeout} is zero or negative
   */
  public Wait withTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout: " + timeout + " must be positive");
    }
    return new Wait(description, probe, timeout);
  }

  /** {@return how long {@link #waitUntilReady} waits at most} */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Returns once the condition holds.
   *
   * @param c the started container to probe
   * @throws ContainerNotReadyException when the timeout passed or the container exited first, with
   *     the container's last log lines in its message and the probe's last error as its cause
   */
  public void waitUntilReady(TestContainer c) {
    if (probe == null) {
      return;
    }
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    @Nullable Exception last = null;
    while (true) {
      long left = deadline - System.nanoTime();
      if (!c.container().isRunning()) {
        throw notReady(c, "it exited (" + c.container().onExit().getNow(null) + ") before " + description, last);
      }
      if (left <= 0) {
        throw notReady(c, "no " + description + " within " + timeout, last);
      }
      try {
        if (probe.ready(c, Duration.ofNanos(left))) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerException("interrupted while waiting for " + description, e);
      } catch (Exception e) {
        last = e; // not ready yet (connection refused, exec racing with the start): try again
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerException("interrupted while waiting for " + description, e);
      }
    }
  }

  private static ContainerNotReadyException notReady(TestContainer c, String why, @Nullable Exception last) {
    try {
      c.logBuffer().drain(200); // the lines the payload wrote just before it exited
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String msg = "container " + c.shortId() + " not ready: " + why
        + (last == null ? "" : "; last check failed with " + last)
        + "\n--- its last " + LOG_LINES_IN_MESSAGE + " log lines ---\n" + c.logText(LOG_LINES_IN_MESSAGE);
    return last == null ? new ContainerNotReadyException(msg) : new ContainerNotReadyException(msg, last);
  }

  /** Whether a socket in the network namespace of {@code pid} listens on TCP {@code port}. */
  static boolean listening(int pid, int port) throws IOException {
    String hexPort = String.format(Locale.ROOT, ":%04X", port);
    for (String f : new String[] {"tcp", "tcp6"}) {
      // a reader, not Files.readString: proc files report size 0
      try (BufferedReader r = Files.newBufferedReader(Path.of("/proc", Integer.toString(pid), "net", f))) {
        r.readLine(); // header: sl local_address rem_address st ...
        for (String line; (line = r.readLine()) != null; ) {
          String[] cols = line.trim().split("\\s+");
          // st 0A is TCP_LISTEN (include/net/tcp_states.h)
          if (cols.length > 3 && cols[1].endsWith(hexPort) && cols[3].equals("0A")) {
            return true;
          }
        }
      } catch (NoSuchFileException e) {
        // no IPv6 in this kernel: tcp6 is missing
      }
    }
    return false;
  }

  private static void checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("containerPort: " + port + " is not a TCP port (1..65535)");
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  /** The condition, as failure messages name it. */
  @Override
  public String toString() {
    return description + " (timeout " + timeout + ")";
  }

}
