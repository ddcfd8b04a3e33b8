package dev.containerj.cgroups;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Shared helpers of the real-kernel tests: one manager, unique names, payload processes. */
final class KernelSupport {
  static final String PREFIX = "cj-test-" + ProcessHandle.current().pid() + "-";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static CgroupManager manager;

  private KernelSupport() {}

  /**
   * The manager every kernel test uses. On a pure v2 host whose own cgroup is not the root (as under
   * systemd, and in the QEMU lane), the JVM is first moved into a leaf, since cgroup v2 refuses
   * controllers in a non-root cgroup that holds processes.
   */
  static synchronized CgroupManager manager() throws IOException {
    if (manager == null) {
      CgroupEnvironment env = CgroupEnvironment.detect();
      CgroupManager.Builder b = CgroupManager.builder().environment(env);
      if (env.hierarchy() == CgroupHierarchy.UNIFIED && !env.ownUnifiedCgroup().orElse("/").equals("/")) {
        b.moveParentProcessesTo("containerj-test-jvm");
      }
      manager = b.build();
    }
    return manager;
  }

  static String uniqueName() {
    return PREFIX + COUNTER.incrementAndGet();
  }

  /** Directories below the manager's parents whose name starts with this JVM's test prefix. */
  static List<Path> leftovers() throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path parent : manager().parentPaths().values()) {
      try (var s = Files.list(parent)) {
        s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).forEach(out::add);
      }
    }
    return out;
  }

  /** A shell payload that waits for one line on stdin before running {@code script}. */
  static final class Payload implements AutoCloseable {
    final Process process;

    Payload(String script) throws IOException {
      process = new ProcessBuilder("sh", "-c", "read _ignored; " + script)
          .redirectErrorStream(true).start();
    }

    long pid() {
      return process.pid();
    }

    /** Lets the script run (after the test has put the shell into its cgroup). */
    Payload go() throws IOException {
      OutputStream in = process.getOutputStream();
      in.write('\n');
      in.flush();
      return this;
    }

    int exitCode(long seconds) throws InterruptedException {
      assertThat(process.waitFor(seconds, TimeUnit.SECONDS)).as("payload exits within %ds", seconds).isTrue();
      return process.exitValue();
    }

    String output() throws IOException {
      return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Reads output lines until one equals {@code line}. */
    void awaitLine(String line) throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = process.getInputStream().read()) >= 0) {
        if (c == '\n') {
          if (sb.toString().equals(line)) {
            return;
          }
          sb.setLength(0);
        } else {
          sb.append((char) c);
        }
      }
      throw new AssertionError("payload ended before printing " + line);
    }

    @Override
    public void close() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  /** Waits for a condition the test observes (not for the library: it has its own events). */
  static boolean eventually(long millis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  static String read(Path p) {
    try {
      return Files.readString(p).trim();
    } catch (IOException e) {
      return "<" + e.getMessage() + ">";
    }
  }
}
