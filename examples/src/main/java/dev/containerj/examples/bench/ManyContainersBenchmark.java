package dev.containerj.examples.bench;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerPool;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.ProcessSpec;
import dev.containerj.namespaces.Redirect;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Many containers from one JVM ({@code containerj bench --idle N}, {@code --throughput N}):
 *
 * <ul>
 *   <li>idle: N containers running {@code sleep}, all at once: the JVM's threads before and after,
 *       its fds per container, its retained heap per container (the total of a class histogram after
 *       a full GC, {@code jcmd GC.class_histogram}'s numbers), and the time to close them all;
 *   <li>throughput: N start->exit->close of {@code /bin/true} from 8 threads, default and pooled (a
 *       busy pool refilled as it goes, then the hand-out alone from pools filled before each round),
 *       in containers per second and CPU per container, and what the host shows before and after (mounts, cgroups, state
 *       directories, links, named network namespaces, this JVM's fds and threads), which must match.
 * </ul>
 *
 * <p>A measurement, never a test: nothing here asserts a time.
 */
public final class ManyContainersBenchmark {
  private ManyContainersBenchmark() {}

  /** The limits that decide how many containers fit: printed first, so that a failure explains itself. */
  private static void limits(PrintWriter out) throws IOException {
    out.printf("host: pid_max %s, threads-max %s, open files of this JVM: %s%n",
        read("/proc/sys/kernel/pid_max"), read("/proc/sys/kernel/threads-max"),
        Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
            .map(l -> l.replaceAll("\\s+", " ").replace("Max open files ", "")).findFirst().orElse("?"));
  }

  /** A sysctl's value: one line (JDK 17's Files.readString truncates a sysctl file after one byte). */
  private static String read(String path) throws IOException {
    try (java.io.BufferedReader r = Files.newBufferedReader(Path.of(path))) {
      return String.valueOf(r.readLine()).trim();
    }
  }

  /** {@code n} idle containers at once. */
  public static void idle(int n, PrintWriter out) throws Exception {
    limits(out);
    // close() returns once the processes are dead; the remains go on the teardown lane (drained below).
    ContainerRuntime runtime = ContainerRuntime.defaults();
    ContainerSpec sleep = ContainerSpec.builder().command("sleep", "100000").build();
    // Warm: the per-JVM machinery (reaper, spawner, helper memfd, cgroup manager) exists before counting.
    try (Container c = runtime.start(sleep)) {
      c.kill();
    }
    int threads0 = threads();
    int fds0 = fds();
    long heap0 = histogramBytes();
    List<Container> all = new ArrayList<>(n);
    long t0 = System.nanoTime();
    try {
      for (int i = 0; i < n; i++) {
        all.add(runtime.start(sleep));
      }
      double startS = (System.nanoTime() - t0) / 1e9;
      int threads1 = threads();
      int fds1 = fds();
      long heap1 = histogramBytes();
      out.printf(Locale.ROOT, "idle: %d containers running sleep, started in %.2f s%n", n, startS);
      out.printf(Locale.ROOT, "  JVM threads: %d before, %d with them running (target: constant)%n", threads0, threads1);
      out.printf(Locale.ROOT, "  fds of this JVM: %d before, %d after: %.2f per container (target <= 2)%n", fds0, fds1,
          (double) (fds1 - fds0) / n);
      out.printf(Locale.ROOT, "  retained heap (class histogram after full GC): %.1f MiB before, %.1f MiB after:"
          + " %.1f KiB per container (target < 1024 KiB)%n", heap0 / 1048576.0, heap1 / 1048576.0,
          (heap1 - heap0) / 1024.0 / n);
    } finally {
      long c0 = System.nanoTime();
      // SIGKILL to every pid 1 first, so that they die together (the kernel's teardown of their
      // namespaces overlaps), then close() each, which waits for its death and queues the rest.
      for (Container c : all) {
        c.kill();
      }
      // The kernel's part: every pid 1 dead and reaped (its namespaces torn down), apart from close()'s.
      java.util.concurrent.CompletableFuture.allOf(all.stream().map(Container::onExit)
          .toArray(java.util.concurrent.CompletableFuture[]::new)).exceptionally(e -> null).join();
      double deadS = (System.nanoTime() - c0) / 1e9;
      for (Container c : all) {
        c.close();
      }
      out.printf(Locale.ROOT, "  closing all %d: %.2f s (target < 2 s; all reaped after %.2f s)", all.size(),
          (System.nanoTime() - c0) / 1e9, deadS);
      runtime.awaitTeardown(java.time.Duration.ofMinutes(5));
      out.printf(Locale.ROOT, "; their remains removed in the background by %.2f s%n", (System.nanoTime() - c0) / 1e9);
      out.flush();
    }
  }

  /** {@code n} start->exit->close of /bin/true from 8 threads, default then pooled. */
  public static void throughput(int n, PrintWriter out) throws Exception {
    limits(out);
    ContainerRuntime runtime = ContainerRuntime.defaults();
    ContainerSpec spec = ContainerSpec.builder().command(StartupBenchmark.TRUE).build();
    ProcessSpec payload = ProcessSpec.builder().command(StartupBenchmark.TRUE).stdout(Redirect.DISCARD)
        .stderr(Redirect.DISCARD).build();
    try (Container c = runtime.start(spec)) {
      c.waitFor();
    }
    Snapshot before = Snapshot.take();
    long cpu0 = cpuTicks();
    double def = run(n, () -> {
      try (Container c = runtime.start(spec)) {
        c.waitFor();
      }
    });
    runtime.awaitTeardown(java.time.Duration.ofMinutes(5));
    long cpu1 = cpuTicks();
    out.printf(Locale.ROOT, "throughput: %d default containers from 8 threads: %.0f/s (target >= 300/s); CPU %.2f ms"
        + " per container%n", n, def, perContainer(cpu1 - cpu0, n));
    double pooled;
    try (ContainerPool pool = runtime.pool(spec, 16)) {
      pooled = run(n, () -> {
        try (Container c = pool.start(payload)) {
          c.waitFor();
        }
      });
    }
    runtime.awaitTeardown(java.time.Duration.ofMinutes(5));
    long cpu2 = cpuTicks();
    out.printf(Locale.ROOT, "throughput: %d pooled containers from 8 threads, a pool of 16 refilled meanwhile: %.0f/s"
        + " (target >= 600/s); CPU %.2f ms per container%n", n, pooled, perContainer(cpu2 - cpu1, n));
    handOut(runtime, spec, payload, n, out);
    runtime.awaitTeardown(java.time.Duration.ofMinutes(5)); // what the closes left to the background lane
    Thread.sleep(500); // the reaper's callbacks of the last ones
    Snapshot after = Snapshot.take();
    out.println("  leaks (after - before): " + before.diff(after));
    out.flush();
  }

  /** The pool of the hand-out rounds (at most {@link ContainerPool#MAX_SIZE}). */
  static final int ROUND = 512;

  /**
   * What a pooled start costs once its container is prepared: {@code n} start->exit->close from 8 threads in
   * rounds of {@link #ROUND}, each round from a pool filled before it (the filling is timed apart and not
   * counted). A busy pool refilled as it goes runs at the rate its containers are prepared, which is the
   * default start's; this is the rate of the hand-out alone, what a pool prepared ahead of a burst gives.
   */
  private static void handOut(ContainerRuntime runtime, ContainerSpec spec, ProcessSpec payload, int n, PrintWriter out)
      throws Exception {
    long handOutNanos = 0;
    long fillNanos = 0;
    long handOutTicks = 0;
    long fillTicks = 0;
    int done = 0;
    while (done < n) {
      int round = Math.min(ROUND, n - done);
      long t0 = System.nanoTime();
      long c0 = cpuTicks();
      // The idle timeout outlasts the round's filling: the pool must not shrink while it fills.
      try (ContainerPool pool = runtime.pool(spec, round, java.time.Duration.ofMinutes(10))) {
        while (pool.ready() < round) {
          if (pool.lastRefillFailure().isPresent()) {
            throw new IllegalStateException("the pool cannot fill", pool.lastRefillFailure().get());
          }
          Thread.sleep(5);
        }
        long t1 = System.nanoTime();
        long c1 = cpuTicks();
        run(round, () -> {
          try (Container c = pool.start(payload)) {
            c.waitFor();
          }
        });
        handOutNanos += System.nanoTime() - t1;
        fillNanos += t1 - t0;
        // The round's refills (started by its last hand-outs) are removed with the pool, untimed.
        pool.close();
        runtime.awaitTeardown(java.time.Duration.ofMinutes(5));
        long c2 = cpuTicks();
        fillTicks += c1 - c0;
        handOutTicks += c2 - c1;
      }
      done += round;
    }
    out.printf(Locale.ROOT, "hand-out: %d pooled containers from 8 threads, in rounds of %d from a pool filled before"
        + " each: %.0f/s, CPU %.2f ms per container (the filling apart: %.0f/s, CPU %.2f ms per container)%n", n,
        ROUND, n / (handOutNanos / 1e9), perContainer(handOutTicks, n), n / (fillNanos / 1e9),
        perContainer(fillTicks, n));
  }

  /**
   * The CPU time of this JVM and of its reaped children (the helpers and the containers), in clock ticks:
   * utime, stime, cutime and cstime of proc(5)'s {@code /proc/self/stat}.
   */
  private static long cpuTicks() throws IOException {
    String stat = read("/proc/self/stat");
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields 14-17 of proc(5), counted from the state (field 3) at index 0
    return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
  }

  /** Milliseconds of CPU per container; USER_HZ is 100 on Linux (proc(5), times(2)). */
  private static double perContainer(long ticks, int n) {
    return ticks * 10.0 / n;
  }

  private interface Task {
    void run() throws Exception;
  }

  private static double run(int n, Task task) throws Exception {
    AtomicInteger left = new AtomicInteger(n);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    long t0 = System.nanoTime();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(threads.submit(() -> {
          while (left.getAndDecrement() > 0) {
            task.run();
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      threads.shutdown();
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static int fds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count() - 1; // the listing's own
    }
  }

  /** The total bytes of a class histogram ({@code GC.class_histogram}: a full GC first). */
  private static long histogramBytes() throws Exception {
    Object out = ManagementFactory.getPlatformMBeanServer().invoke(
        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    String[] lines = String.valueOf(out).trim().split("\n");
    String[] total = lines[lines.length - 1].trim().split("\\s+"); // "Total <instances> <bytes>"
    return Long.parseLong(total[2]);
  }

  /** What a leak would show: mounts, cgroups, state directories, links, netns, fds, threads. */
  private record Snapshot(TreeSet<String> mounts, TreeSet<String> cgroups, TreeSet<String> state,
      TreeSet<String> links, TreeSet<String> netns, int fds, int threads) {
    static Snapshot take() throws IOException {
      TreeSet<String> mounts = new TreeSet<>(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(l -> l.split(" ")[4]).toList());
      TreeSet<String> cgroups = new TreeSet<>();
      for (String root : List.of("/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/pids")) {
        Path r = Path.of(root);
        if (Files.isDirectory(r)) {
          try (Stream<Path> s = Files.walk(r, 8)) {
            s.filter(p -> p.toString().contains("containerj") && Files.isDirectory(p)).forEach(p -> cgroups.add(p.toString()));
          } catch (java.io.UncheckedIOException ignored) {
            // a cgroup removed during the walk
          }
        }
      }
      TreeSet<String> state = new TreeSet<>();
      Path stateRoot = ContainerRuntime.defaults().stateDirectory();
      if (Files.isDirectory(stateRoot)) {
        try (Stream<Path> s = Files.list(stateRoot)) {
          s.forEach(p -> state.add(p.getFileName().toString()));
        }
      }
      TreeSet<String> links = new TreeSet<>();
      try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
        s.forEach(p -> links.add(p.getFileName().toString()));
      }
      TreeSet<String> netns = new TreeSet<>();
      if (Files.isDirectory(Path.of("/run/netns"))) {
        try (Stream<Path> s = Files.list(Path.of("/run/netns"))) {
          s.forEach(p -> netns.add(p.getFileName().toString()));
        }
      }
      return new Snapshot(mounts, cgroups, state, links, netns, ManyContainersBenchmark.fds(),
          ManyContainersBenchmark.threads());
    }

    String diff(Snapshot after) {
      List<String> d = new ArrayList<>();
      diff("mounts", mounts, after.mounts, d);
      diff("cgroups", cgroups, after.cgroups, d);
      diff("state", state, after.state, d);
      diff("links", links, after.links, d);
      diff("netns", netns, after.netns, d);
      if (after.fds != fds) {
        d.add("fds " + fds + " -> " + after.fds);
      }
      if (after.threads != threads) {
        d.add("threads " + threads + " -> " + after.threads);
      }
      return d.isEmpty() ? "none" : String.join("; ", d);
    }

    private static void diff(String what, TreeSet<String> a, TreeSet<String> b, List<String> d) {
      TreeSet<String> added = new TreeSet<>(b);
      added.removeAll(a);
      TreeSet<String> removed = new TreeSet<>(a);
      removed.removeAll(b);
      if (!added.isEmpty() || !removed.isEmpty()) {
        d.add(what + " +" + added + " -" + removed);
      }
    }
  }
}
