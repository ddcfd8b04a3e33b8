package dev.containerj.examples.bench;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerSpec;
import dev.containerj.namespaces.ExitStatus;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Start-to-exit latency of {@code /bin/true}: in a ContainerJ container with the default spec (user,
 * mount, pid, uts, ipc, cgroup and net namespaces, the host's / read-only as root, /proc, /dev, /sys,
 * private /tmp), in {@code bwrap --unshare-all}, and as a plain child through {@code ProcessBuilder},
 * all from this one warm JVM.
 *
 * <p>The runners take turns within each iteration, so that noise from the (shared) machine falls on
 * all of them alike. Each sample is wall time from the start call to the moment the exit is known
 * ({@code Container.waitFor()}, {@code Process.waitFor()}); for ContainerJ a second row also counts
 * {@code close()}, which a real caller always pays (kill of what is left, state removal).
 *
 * <p>This is a measurement, never a test: nothing here asserts a time.
 */
public final class StartupBenchmark {
  /** The bwrap command line of the issue, minus the payload. */
  public static final List<String> BWRAP_ARGS =
      List.of("--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev");

  /** The payload every runner starts. */
  public static final String TRUE = "/bin/true";

  private StartupBenchmark() {}

  /** One measured row. */
  public record Row(String name, Stats stats) {}

  /** The measured rows, and what was skipped and why. */
  public record Result(List<Row> rows, List<String> skipped) {
    /** The row called {@code name}, or null. */
    public @Nullable Row row(String name) {
      return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }
  }

  static final String CONTAINERJ = "containerj (start->exit)";
  static final String CONTAINERJ_CLOSE = "containerj (start->exit+close)";
  static final String BWRAP = "bwrap --unshare-all";
  static final String PROCESS_BUILDER = "ProcessBuilder /bin/true";

  /**
   * Runs {@code warmup} unrecorded and then {@code n} recorded iterations of every runner and prints
   * progress and the table to {@code out}.
   */
  public static Result run(int n, int warmup, PrintWriter out) throws IOException, InterruptedException {
    if (n < 1 || warmup < 0) {
      throw new IllegalArgumentException("n must be >= 1 and warmup >= 0: n=" + n + ", warmup=" + warmup);
    }
    ContainerSpec spec = ContainerSpec.builder().command(TRUE).build();
    List<String> skipped = new ArrayList<>();
    @Nullable Path bwrap = onPath("bwrap");
    if (bwrap == null) {
      skipped.add("bwrap: not installed (apt-get install bubblewrap); its row is skipped");
    } else {
      String failure = bwrapFailure(bwrap);
      if (failure != null) {
        skipped.add("bwrap: " + failure + "; its row is skipped");
        bwrap = null;
      }
    }

    out.printf("containerj bench: start->exit of %s, %d warm-up + %d measured iterations per runner%n",
        TRUE, warmup, n);
    out.printf("host: Linux %s %s, %d CPUs, Java %s, euid %s%n", System.getProperty("os.version"),
        System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), euid());
    out.printf("containerj spec: namespaces %s, rootfs %s, network %s%n",
        spec.namespaces().stream().map(ns -> ns.procName()).collect(Collectors.joining(",")),
        spec.rootfs(), spec.network().name().toLowerCase(Locale.ROOT));
    if (bwrap != null) {
      out.printf("bwrap: %s %s %s%n", bwrap, String.join(" ", BWRAP_ARGS), TRUE);
    }
    if (n < 200) {
      out.println("note: n < 200, fewer samples than the issue's benchmark asks for");
    }
    out.flush();

    long[] cj = new long[n];
    long[] cjClose = new long[n];
    long[] bw = new long[n];
    long[] pb = new long[n];
    long[] pair = new long[2];
    for (int i = -warmup; i < n; i++) {
      containerj(spec, pair);
      long tBwrap = bwrap == null ? 0 : processBuilder(bwrapCommand(bwrap));
      long tPb = processBuilder(List.of(TRUE));
      if (i >= 0) {
        cj[i] = pair[0];
        cjClose[i] = pair[1];
        bw[i] = tBwrap;
        pb[i] = tPb;
      }
    }

    List<Row> rows = new ArrayList<>();
    rows.add(new Row(CONTAINERJ, Stats.of(cj)));
    rows.add(new Row(CONTAINERJ_CLOSE, Stats.of(cjClose)));
    if (bwrap != null) {
      rows.add(new Row(BWRAP, Stats.of(bw)));
    }
    rows.add(new Row(PROCESS_BUILDER, Stats.of(pb)));
    Result result = new Result(rows, skipped);
    print(result, out);
    return result;
  }

  /** The table and the ratios. */
  static void print(Result result, PrintWriter out) {
    String format = "%-32s %6s %9s %9s %9s %9s%n";
    out.println();
    out.printf(format, "runner", "n", "median", "p90", "p99", "min");
    for (Row r : result.rows()) {
      Stats s = r.stats();
      out.printf(format, r.name(), s.n(), ms(s.median()), ms(s.p90()), ms(s.p99()), ms(s.min()));
    }
    out.println("(milliseconds)");
    out.println();
    Row cj = result.row(CONTAINERJ);
    Row cjClose = result.row(CONTAINERJ_CLOSE);
    Row bwrap = result.row(BWRAP);
    Row pb = result.row(PROCESS_BUILDER);
    if (cj != null && cjClose != null) {
      if (bwrap != null) {
        out.printf("ratio containerj / bwrap (median):          %5.2fx  (with close: %5.2fx)  target <= 1x%n",
            ratio(cj, bwrap), ratio(cjClose, bwrap));
      }
      if (pb != null) {
        out.printf("ratio containerj / ProcessBuilder (median): %5.2fx  (with close: %5.2fx)  target <= 3x%n",
            ratio(cj, pb), ratio(cjClose, pb));
      }
    }
    for (String s : result.skipped()) {
      out.println("skipped " + s);
    }
    out.flush();
  }

  private static double ratio(Row a, Row b) {
    return (double) a.stats().median() / b.stats().median();
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
  }

  private static void containerj(ContainerSpec spec, long[] times) throws InterruptedException {
    long t0 = System.nanoTime();
    Container c = Container.start(spec);
    try {
      ExitStatus status = c.waitFor();
      times[0] = System.nanoTime() - t0;
      c.close();
      times[1] = System.nanoTime() - t0;
      if (!status.success()) {
        throw new IllegalStateException("containerj runner: " + TRUE + " " + status);
      }
    } finally {
      c.close();
    }
  }

  private static long processBuilder(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
    long t0 = System.nanoTime();
    int code = pb.start().waitFor();
    long t = System.nanoTime() - t0;
    if (code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited with code " + code);
    }
    return t;
  }

  private static List<String> bwrapCommand(Path bwrap) {
    List<String> cmd = new ArrayList<>();
    cmd.add(bwrap.toString());
    cmd.addAll(BWRAP_ARGS);
    cmd.add(TRUE);
    return cmd;
  }

  /** Null when bwrap runs the payload, else why not. */
  private static @Nullable String bwrapFailure(Path bwrap) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(bwrapCommand(bwrap)).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      int code = p.waitFor();
      return code == 0 ? null : "exits " + code + " on this host: " + output;
    } catch (IOException e) {
      return "cannot be started: " + e.getMessage();
    }
  }

  /** The executable {@code name} in PATH, or null. */
  static @Nullable Path onPath(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static String euid() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
          .map(l -> l.split("\\s+")[2]).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }
}
