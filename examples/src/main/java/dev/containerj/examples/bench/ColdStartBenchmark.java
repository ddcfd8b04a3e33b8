package dev.containerj.examples.bench;

import dev.containerj.examples.bench.StartupBenchmark.Result;
import dev.containerj.examples.bench.StartupBenchmark.Row;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The cold-start rows of {@code containerj bench}: whole commands, each in a new process, as a user
 * or a container manager runs them, next to {@code runc run} of a busybox bundle (the reference of
 * the targets) and {@code java -version} of the JDK that the launcher picks.
 *
 * <ul>
 *   <li>{@code containerj run -- /bin/true} through the launcher ({@code bin/containerj} next to
 *       the jar, with its AOT/CDS cache): target at most 3x {@code runc run};
 *   <li>{@code runc run} of a bundle made in a temporary directory from the static busybox
 *       ({@code runc spec}, {@code --rootless} for an ordinary user), with its own {@code --root};
 *   <li>{@code containerj --version} through the launcher: target at most 2x {@code java -version};
 *   <li>{@code containerj-runtime create; start; delete --force} of runc's bundle (the launcher next
 *       to the tool's), against runc's same three calls: target at most 3x.
 * </ul>
 *
 * <p>The rows are interleaved, one iteration of each in turn, so that the load of the machine
 * weighs on all of them alike. The unmeasured first iterations also make the launcher's cache. A
 * row that cannot be measured (no launcher next to the jar, runc missing or refusing this host) is
 * skipped and the output says why.
 */
public final class ColdStartBenchmark {
  private ColdStartBenchmark() {}

  static final String RUN = "containerj run -- /bin/true (launcher)";
  static final String RUNC = "runc run (busybox bundle)";
  static final String VERSION = "containerj --version (launcher)";
  static final String JAVA_VERSION = "java -version (same JDK)";
  static final String CYCLE = "containerj-runtime create;start;delete";
  static final String RUNC_CYCLE = "runc create;start;delete";

  /**
   * Measures the rows {@code n} times after {@code warmup} unmeasured runs and prints the table and
   * the ratios to {@code out}.
   *
   * @param launcher the {@code containerj} launcher, or null for the one next to the running jar
   */
  public static Result run(int n, int warmup, @Nullable Path launcher, PrintWriter out)
      throws IOException, InterruptedException {
    if (n < 1 || warmup < 0) {
      throw new IllegalArgumentException("cold n must be >= 1 and warmup >= 0: n=" + n + ", warmup=" + warmup);
    }
    List<String> skipped = new ArrayList<>();
    @Nullable Path tool = launcher != null ? launcher : besideJar();
    if (tool == null) {
      skipped.add("containerj launcher: not found next to the running jar (run the tool from"
          + " examples/target/containerj.jar or give --launcher); its rows are skipped");
    } else if (!Files.isExecutable(tool)) {
      skipped.add("containerj launcher: " + tool + " is not executable; its rows are skipped");
      tool = null;
    }
    @Nullable Path java = tool == null ? null : launcherJava(tool, skipped);
    Path temp = Files.createTempDirectory("containerj-cold-bench-");
    try {
      @Nullable List<String> runc = runcCommand(temp, skipped);
      out.printf("%ncontainerj bench, cold starts: each command a new process, %d warm-up + %d measured%n",
          warmup, n);
      if (tool != null) {
        out.printf("launcher: %s, JDK %s%n", tool, java);
      }
      if (runc != null) {
        out.printf("runc: %s%n", String.join(" ", runc));
      }
      out.flush();
      long[] run = new long[n];
      long[] ref = new long[n];
      long[] version = new long[n];
      long[] javaVersion = new long[n];
      long[] cycle = new long[n];
      long[] runcCycle = new long[n];
      // The OCI runtime launcher sits next to the tool's (one script, its name picks the main class).
      @Nullable Path runtime = tool == null ? null : tool.resolveSibling("containerj-runtime");
      if (runtime != null && !Files.isExecutable(runtime)) {
        skipped.add("containerj-runtime: " + runtime + " is not executable; its row is skipped");
        runtime = null;
      }
      for (int i = -warmup; i < n; i++) {
        long tRun = tool == null ? 0 : time(List.of(tool.toString(), "run", "--", StartupBenchmark.TRUE));
        long tRef = runc == null ? 0 : time(withId(runc, i));
        long tVersion = tool == null ? 0 : time(List.of(tool.toString(), "--version"));
        // java -version prints to stderr: nothing of it in the table.
        long tJava = java == null ? 0 : StartupBenchmark.processBuilder(List.of(java.toString(), "-version"),
            ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD);
        // The same bundle through both runtimes' two-step lifecycle (what containerd and Podman call).
        long tCycle = runtime == null || runc == null ? 0 : cycle(List.of(runtime.toString(), "--root",
            temp.resolve("cj-state").toString()), runc, "cj", i);
        long tRuncCycle = runc == null ? 0 : cycle(runc.subList(0, 3), runc, "runc", i);
        if (i >= 0) {
          cycle[i] = tCycle;
          runcCycle[i] = tRuncCycle;
          run[i] = tRun;
          ref[i] = tRef;
          version[i] = tVersion;
          javaVersion[i] = tJava;
        }
      }
      List<Row> rows = new ArrayList<>();
      if (tool != null) {
        rows.add(new Row(RUN, Stats.of(run)));
      }
      if (runc != null) {
        rows.add(new Row(RUNC, Stats.of(ref)));
      }
      if (tool != null) {
        rows.add(new Row(VERSION, Stats.of(version)));
      }
      if (java != null) {
        rows.add(new Row(JAVA_VERSION, Stats.of(javaVersion)));
      }
      if (runtime != null && runc != null) {
        rows.add(new Row(CYCLE, Stats.of(cycle)));
      }
      if (runc != null) {
        rows.add(new Row(RUNC_CYCLE, Stats.of(runcCycle)));
      }
      Result result = new Result(rows, List.of());
      StartupBenchmark.print(result, out);
      print(result, out);
      for (String s : skipped) {
        out.println("skipped " + s);
      }
      out.flush();
      return new Result(rows, skipped);
    } finally {
      StartupBenchmark.delete(temp);
    }
  }

  private static void print(Result r, PrintWriter out) {
    Row run = r.row(RUN);
    Row runc = r.row(RUNC);
    Row version = r.row(VERSION);
    Row java = r.row(JAVA_VERSION);
    if (run != null && runc != null) {
      out.printf("ratio containerj run / runc run (median):      %5.2fx  target <= 3x%n", ratio(run, runc));
    }
    if (version != null && java != null) {
      out.printf("ratio containerj --version / java -version:    %5.2fx  target <= 2x%n", ratio(version, java));
    }
    Row cycle = r.row(CYCLE);
    Row runcCycle = r.row(RUNC_CYCLE);
    if (cycle != null && runcCycle != null) {
      out.printf("ratio create;start;delete / runc's (median):   %5.2fx  target <= 3x%n", ratio(cycle, runcCycle));
    }
    if (version != null && runc != null) {
      out.printf("ratio containerj --version / runc run:         %5.2fx%n", ratio(version, runc));
    }
  }

  private static double ratio(Row a, Row b) {
    return (double) a.stats().median() / b.stats().median();
  }

  /** {@code bin/containerj} next to the jar this class was loaded from, or null. */
  static @Nullable Path besideJar() {
    try {
      Path jar = Path.of(ColdStartBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path launcher = jar.resolveSibling("bin").resolve("containerj");
      return Files.isRegularFile(jar) && Files.exists(launcher) ? launcher : null;
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /** The java binary that the launcher picks (its debug line says which), or null with the reason. */
  private static @Nullable Path launcherJava(Path tool, List<String> skipped) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(tool.toString(), "--version").redirectErrorStream(true);
    pb.environment().put("CONTAINERJ_LAUNCHER_DEBUG", "1");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    for (String line : output.split("\n")) {
      String prefix = "containerj-launcher: java ";
      if (line.startsWith(prefix)) {
        String path = line.substring(prefix.length());
        int space = path.indexOf(' ');
        return Path.of(space < 0 ? path : path.substring(0, space));
      }
    }
    skipped.add("java -version: the launcher did not say which JDK it runs (exit " + code + "): " + output.strip());
    return null;
  }

  /** runc's command line for a busybox bundle made under {@code temp}, or null with the reason. */
  private static @Nullable List<String> runcCommand(Path temp, List<String> skipped)
      throws IOException, InterruptedException {
    @Nullable Path runc = StartupBenchmark.onPath("runc");
    if (runc == null) {
      skipped.add("runc: not installed (apt-get install runc); its row is skipped");
      return null;
    }
    String missing = StartupBenchmark.staticBusyboxMissing(StartupBenchmark.BUSYBOX);
    if (missing != null) {
      skipped.add("runc: " + missing + " (apt-get install busybox-static); its row is skipped");
      return null;
    }
    Path bundle = temp.resolve("bundle");
    Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
    Files.copy(StartupBenchmark.BUSYBOX, bin.resolve("busybox"));
    Files.createSymbolicLink(bin.resolve("true"), Path.of("busybox"));
    // runc's own default config (namespaces, mounts, masks), not one written here; rootless
    // adds the user namespace an ordinary user needs. Only the payload and the terminal change.
    List<String> spec = new ArrayList<>(List.of(runc.toString(), "spec", "--bundle", bundle.toString()));
    if (!"0".equals(StartupBenchmark.euid())) {
      spec.add("--rootless");
    }
    String failure = failure(spec);
    if (failure != null) {
      skipped.add("runc: runc spec " + failure + "; its row is skipped");
      return null;
    }
    Path config = bundle.resolve("config.json");
    String json = Files.readString(config);
    String edited = json.replace("\"terminal\": true", "\"terminal\": false")
        .replaceFirst("\"args\": \\[\\s*\"sh\"\\s*\\]", "\"args\": [\"" + StartupBenchmark.TRUE + "\"]");
    if (edited.equals(json) || !edited.contains("\"" + StartupBenchmark.TRUE + "\"")) {
      skipped.add("runc: its default config.json has no terminal/args to set; its row is skipped");
      return null;
    }
    Files.writeString(config, edited);
    List<String> command = List.of(runc.toString(), "--root", temp.resolve("state").toString(), "run",
        "--bundle", bundle.toString(), "containerj-bench");
    failure = failure(withId(command, -1_000_000));
    if (failure != null) {
      skipped.add("runc: runc run " + failure + "; its row is skipped");
      return null;
    }
    return command;
  }

  /**
   * The wall time of {@code create --bundle B ID; start ID; delete --force ID} with {@code runtime}
   * (its command and global flags), on the bundle of {@code runc} (runc's own run command line).
   */
  private static long cycle(List<String> runtime, List<String> runc, String tag, int i)
      throws IOException, InterruptedException {
    String bundle = runc.get(runc.indexOf("--bundle") + 1);
    String id = withId(List.of("containerj-cycle-" + tag), i).get(0);
    List<String> create = new ArrayList<>(runtime);
    create.addAll(List.of("create", "--bundle", bundle, id));
    List<String> start = new ArrayList<>(runtime);
    start.addAll(List.of("start", id));
    List<String> delete = new ArrayList<>(runtime);
    delete.addAll(List.of("delete", "--force", id));
    return time(create) + time(start) + time(delete);
  }

  /** {@code command} with its last word (runc's container id) made unique for iteration {@code i}. */
  private static List<String> withId(List<String> command, int i) {
    List<String> c = new ArrayList<>(command);
    int last = c.size() - 1;
    c.set(last, c.get(last) + "-" + ProcessHandle.current().pid() + "-" + (i < 0 ? "w" + -i : Integer.toString(i)));
    return c;
  }

  /** Null when {@code command} exits 0, else its code and output. */
  private static @Nullable String failure(List<String> command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      int code = p.waitFor();
      return code == 0 ? null : "exits " + code + " on this host: " + output;
    } catch (IOException e) {
      return "cannot be started: " + e.getMessage();
    }
  }

  /** The wall time of {@code command}, which must exit 0; its output is discarded. */
  private static long time(List<String> command) throws IOException, InterruptedException {
    return StartupBenchmark.processBuilder(command, ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.INHERIT);
  }
}
