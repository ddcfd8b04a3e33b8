package dev.containerj.examples.bench;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.Container;
import dev.containerj.core.ContainerPool;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.Images;
import dev.containerj.layers.Image;
import dev.containerj.layers.ImageReference;
import dev.containerj.layers.LayerStore;
import dev.containerj.namespaces.ExitStatus;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Start-to-exit latency of {@code /bin/true}: in a ContainerJ container with the default spec (user,
 * mount, pid, uts, ipc, cgroup and net namespaces, the host's / under a writable overlay as root,
 * /proc, /dev, /sys, private /tmp), the same with the host's / read-only (as bwrap's), in a
 * ContainerJ container on an already imported OCI image (the same spec on an image root: the
 * overlay of the image's layers plus an upper and a work directory of the container's own, mounted
 * at each start and removed at each close), in {@code bwrap --unshare-all},
 * and as a plain child through {@code ProcessBuilder}, all from this one warm JVM.
 *
 * <p>The image is the one given ({@code --image}, imported into this user's store before timing,
 * or found there), else a tiny one built at the start from a static busybox ({@link BusyboxImage})
 * and imported into a temporary layer store that is deleted at the end. Without a static busybox
 * the image rows are skipped and the output says why.
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

  /** Debian's busybox-static, from which the default image is built. */
  public static final Path BUSYBOX = Path.of("/bin/busybox");

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
  static final String POOLED = "containerj pooled (start->exit)";
  static final String POOLED_CLOSE = "containerj pooled (start->exit+close)";
  static final String IMAGE_BG_CLOSE = "containerj image (+inline close)";
  static final String BRIDGE_CLOSE = "containerj bridge (start->exit+close)";
  static final String BRIDGE_BG_CLOSE = "containerj bridge (+inline close)";
  static final String READ_ONLY = "containerj --read-only (start->exit)";
  /** The default spec with the user-mode network (pasta/slirp4netns), against the loopback-only row. */
  static final String USER_MODE = "containerj user-mode net (start->exit)";
  static final String IMAGE = "containerj image (start->exit)";
  static final String IMAGE_CLOSE = "containerj image (start->exit+close)";
  static final String EXEC = "containerj exec (exec->exit)";
  static final String NSENTER = "nsenter -a (spawn->exit)";
  static final String BWRAP = "bwrap --unshare-all";
  static final String PROCESS_BUILDER = "ProcessBuilder /bin/true";

  /** {@link #run(int, int, String, PrintWriter)} on the image built from {@link #BUSYBOX}. */
  public static Result run(int n, int warmup, PrintWriter out) throws IOException, InterruptedException {
    return run(n, warmup, null, out);
  }

  /**
   * Runs {@code warmup} unrecorded and then {@code n} recorded iterations of every runner and prints
   * progress and the table to {@code out}.
   *
   * @param image the image of the image runner, in skopeo's syntax ({@code oci:DIR[:TAG]},
   *     {@code docker-archive:FILE}) or the id or reference of one in this user's store; null for
   *     the tiny busybox image in a temporary store
   */
  public static Result run(int n, int warmup, @Nullable String image, PrintWriter out)
      throws IOException, InterruptedException {
    return run(n, warmup, image, BUSYBOX, out);
  }

  static Result run(int n, int warmup, @Nullable String image, Path busybox, PrintWriter out)
      throws IOException, InterruptedException {
    if (n < 1 || warmup < 0) {
      throw new IllegalArgumentException("n must be >= 1 and warmup >= 0: n=" + n + ", warmup=" + warmup);
    }
    List<String> skipped = new ArrayList<>();
    try (ImageRunner imageRunner = ImageRunner.prepare(image, busybox, skipped)) {
      return run(n, warmup, imageRunner, skipped, out);
    }
  }

  private static Result run(int n, int warmup, ImageRunner image, List<String> skipped, PrintWriter out)
      throws IOException, InterruptedException {
    ContainerSpec spec = ContainerSpec.builder().command(TRUE).build();
    // The host's / read-only, as bwrap's --ro-bind / /: what the two tools do alike.
    ContainerSpec readOnly = ContainerSpec.builder().command(TRUE).readOnlyRootfs().build();
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
        spec.rootfs(), spec.network());
    if (image.spec() != null) {
      out.printf("containerj image: %s, rootfs %s%n", image.description(), image.spec().rootfs());
    }
    if (bwrap != null) {
      out.printf("bwrap: %s %s %s%n", bwrap, String.join(" ", BWRAP_ARGS), TRUE);
    }
    if (n < 200) {
      out.println("note: n < 200, fewer samples than the issue's benchmark asks for");
    }
    out.flush();

    long[] cj = new long[n];
    long[] cjClose = new long[n];
    long[] ro = new long[n];
    long[] img = new long[n];
    long[] imgClose = new long[n];
    long[] bw = new long[n];
    long[] pb = new long[n];
    long[] pooled = new long[n];
    long[] imgBg = new long[n];
    long[] br = new long[n];
    long[] brBg = new long[n];
    long[] pooledClose = new long[n];
    long[] ex = new long[n];
    long[] ns = new long[n];
    long[] um = new long[n];
    long[] umPair = new long[2];
    ContainerSpec userMode = null;
    if (dev.containerj.core.Network.installedStack().isPresent()) {
      userMode = spec.toBuilder().network(dev.containerj.core.Network.userMode()).build();
    } else {
      skipped.add("user-mode network: neither pasta (Debian: passt) nor slirp4netns is installed; its row is skipped");
    }
    // One running container for the exec rows: the same one for containerj exec and nsenter -a.
    Container target = Container.start(ContainerSpec.builder().command("sleep", "infinity").build());
    @Nullable Path nsenter = onPath("nsenter");
    List<String> nsenterCommand = nsenter == null ? List.of()
        : List.of(nsenter.toString(), "-a", "-t", Integer.toString(target.pid()), TRUE);
    if (nsenter == null) {
      skipped.add("nsenter: not installed (util-linux); its row is skipped");
    } else {
      try {
        processBuilder(nsenterCommand);
      } catch (IllegalStateException e) {
        skipped.add("nsenter: " + e.getMessage() + "; its row is skipped");
        nsenter = null;
      }
    }
    dev.containerj.core.ProcessSpec execTrue = dev.containerj.core.ProcessSpec.builder().command(TRUE)
        .stdout(dev.containerj.namespaces.Redirect.INHERIT).stderr(dev.containerj.namespaces.Redirect.INHERIT).build();
    long[] pair = new long[2];
    long[] imagePair = new long[2];
    long[] roPair = new long[2];
    long[] poolPair = new long[2];
    long[] imgBgPair = new long[2];
    long[] brPair = new long[2];
    long[] brBgPair = new long[2];
    // The default close() returns once the processes are dead (veth, cgroup, layer and state go on the
    // background lane); these rows' close() removes all of it before it returns, as before the lane.
    ContainerRuntime inline = ContainerRuntime.builder().backgroundTeardown(false).build();
    ContainerSpec bridge = spec;
    boolean bridged = true;
    try {
      // An ordinary user has no bridge (the spec is refused): its rows are skipped, saying why.
      bridge = spec.toBuilder().network(dev.containerj.core.Network.bridge()).build();
      ContainerSpec bridgeSpec = bridge;
      timed(() -> Container.start(bridgeSpec), brPair);
    } catch (RuntimeException e) {
      skipped.add("containerj bridge: " + e.getMessage() + "; its rows are skipped");
      bridged = false;
    }
    ContainerSpec imageSpec = image.spec();
    // The default spec, made in advance up to the payload; its refill runs while the other runners do.
    ContainerPool pool = ContainerRuntime.defaults().pool(spec, 4);
    dev.containerj.core.ProcessSpec pooledTrue = dev.containerj.core.ProcessSpec.builder().command(TRUE)
        .stdout(dev.containerj.namespaces.Redirect.INHERIT).stderr(dev.containerj.namespaces.Redirect.INHERIT).build();
    for (int i = -warmup; i < n; i++) {
      containerj(spec, pair);
      timed(() -> pool.start(pooledTrue), poolPair);
      containerj(readOnly, roPair);
      if (userMode != null) {
        containerj(userMode, umPair);
      }
      if (imageSpec != null) {
        containerj(imageSpec, imagePair);
        timed(() -> inline.start(imageSpec), imgBgPair);
      }
      if (bridged) {
        ContainerSpec bridgeSpec = bridge;
        timed(() -> Container.start(bridgeSpec), brPair);
        timed(() -> inline.start(bridgeSpec), brBgPair);
      }
      long tBwrap = bwrap == null ? 0 : processBuilder(bwrapCommand(bwrap));
      long tPb = processBuilder(List.of(TRUE));
      long tExec = exec(target, execTrue);
      long tNs = nsenter == null ? 0 : processBuilder(nsenterCommand);
      if (i >= 0) {
        ex[i] = tExec;
        ns[i] = tNs;
        cj[i] = pair[0];
        cjClose[i] = pair[1];
        pooled[i] = poolPair[0];
        imgBg[i] = imgBgPair[1];
        br[i] = brPair[1];
        brBg[i] = brBgPair[1];
        pooledClose[i] = poolPair[1];
        ro[i] = roPair[0];
        um[i] = umPair[0];
        img[i] = imagePair[0];
        imgClose[i] = imagePair[1];
        bw[i] = tBwrap;
        pb[i] = tPb;
      }
    }

    target.close();
    pool.close();
    List<Row> rows = new ArrayList<>();
    rows.add(new Row(CONTAINERJ, Stats.of(cj)));
    rows.add(new Row(CONTAINERJ_CLOSE, Stats.of(cjClose)));
    rows.add(new Row(POOLED, Stats.of(pooled)));
    rows.add(new Row(POOLED_CLOSE, Stats.of(pooledClose)));
    rows.add(new Row(READ_ONLY, Stats.of(ro)));
    if (userMode != null) {
      rows.add(new Row(USER_MODE, Stats.of(um)));
    }
    if (imageSpec != null) {
      rows.add(new Row(IMAGE, Stats.of(img)));
      rows.add(new Row(IMAGE_CLOSE, Stats.of(imgClose)));
      rows.add(new Row(IMAGE_BG_CLOSE, Stats.of(imgBg)));
    }
    if (bridged) {
      rows.add(new Row(BRIDGE_CLOSE, Stats.of(br)));
      rows.add(new Row(BRIDGE_BG_CLOSE, Stats.of(brBg)));
    }
    ContainerRuntime.defaults().awaitTeardown(java.time.Duration.ofMinutes(1));
    if (bwrap != null) {
      rows.add(new Row(BWRAP, Stats.of(bw)));
    }
    rows.add(new Row(PROCESS_BUILDER, Stats.of(pb)));
    rows.add(new Row(EXEC, Stats.of(ex)));
    if (nsenter != null) {
      rows.add(new Row(NSENTER, Stats.of(ns)));
    }
    Result result = new Result(rows, skipped);
    print(result, out);
    return result;
  }

  /** The table and the ratios. */
  static void print(Result result, PrintWriter out) {
    String format = "%-38s %6s %9s %9s %9s %9s%n";
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
    Row img = result.row(IMAGE);
    Row imgClose = result.row(IMAGE_CLOSE);
    if (cj != null && cjClose != null && img != null && imgClose != null) {
      out.printf("ratio containerj image / containerj (median): %5.2fx  (with close: %5.2fx)  cost of the image root%n",
          ratio(img, cj), ratio(imgClose, cjClose));
    }
    if (cj != null && cjClose != null) {
      if (bwrap != null) {
        out.printf("ratio containerj / bwrap (median):            %5.2fx  (with close: %5.2fx)  target <= 1x%n",
            ratio(cj, bwrap), ratio(cjClose, bwrap));
      }
      if (pb != null) {
        out.printf("ratio containerj / ProcessBuilder (median):   %5.2fx  (with close: %5.2fx)  target <= 2.5x%n",
            ratio(cj, pb), ratio(cjClose, pb));
      }
    }
    Row pooled = result.row(POOLED);
    Row pooledClose = result.row(POOLED_CLOSE);
    if (pooled != null && pooledClose != null && pb != null) {
      out.printf("ratio containerj pooled / ProcessBuilder:     %5.2fx  (with close: %5.2fx)  target <= 1.2x%n",
          ratio(pooled, pb), ratio(pooledClose, pb));
    }
    Row imgBg = result.row(IMAGE_BG_CLOSE);
    if (img != null && imgBg != null) {
      out.printf("ratio image (+close) / image:               %5.2fx  (inline teardown: %5.2fx)  target <= 1.15x%n",
          ratio(imgClose != null ? imgClose : imgBg, img), ratio(imgBg, img));
    }
    Row br = result.row(BRIDGE_CLOSE);
    Row brBg = result.row(BRIDGE_BG_CLOSE);
    if (br != null && brBg != null && cj != null) {
      out.printf("ratio bridge (+close) / containerj:          %5.2fx  (inline teardown: %5.2fx)  target <= 1.5x%n",
          ratio(br, cj), ratio(brBg, cj));
    }
    Row ro = result.row(READ_ONLY);
    if (ro != null && bwrap != null) {
      out.printf("ratio containerj --read-only / bwrap (median): %5.2fx  the same root as bwrap's --ro-bind / /%n",
          ratio(ro, bwrap));
    }
    if (ro != null && cj != null) {
      out.printf("ratio containerj / containerj --read-only:     %5.2fx  cost of the writable overlay of the host root%n",
          ratio(cj, ro));
    }
    Row exec = result.row(EXEC);
    Row nsenter = result.row(NSENTER);
    if (exec != null && nsenter != null) {
      out.printf("ratio containerj exec / nsenter -a (median):  %5.2fx  into the same container; target <= 1x%n",
          ratio(exec, nsenter));
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

  /**
   * The image runner's spec (null when its rows are skipped), and the temporary directory of the
   * built image and its store, deleted on close.
   */
  private static final class ImageRunner implements AutoCloseable {
    private final @Nullable ContainerSpec spec;
    private final String description;
    private final @Nullable Path temporary;

    private ImageRunner(@Nullable ContainerSpec spec, String description, @Nullable Path temporary) {
      this.spec = spec;
      this.description = description;
      this.temporary = temporary;
    }

    @Nullable ContainerSpec spec() {
      return spec;
    }

    String description() {
      return description;
    }

    /**
     * Imports {@code reference} into this user's store (or finds it there), or builds the busybox
     * image into a temporary store; then starts {@link #TRUE} once, so that an image that cannot run
     * it is reported in {@code skipped} rather than failing the benchmark.
     */
    static ImageRunner prepare(@Nullable String reference, Path busybox, List<String> skipped)
        throws IOException, InterruptedException {
      ImageRunner runner;
      if (reference != null) {
        long t0 = System.nanoTime();
        Image image = ContainerRuntime.defaults().images().importImage(reference);
        runner = new ImageRunner(ContainerSpec.builder().image(image).command(TRUE).build(),
            reference + " (" + image.layers().size() + " layer(s) in this user's store, imported or found in "
                + ms(System.nanoTime() - t0) + " ms before timing)", null);
      } else {
        String missing = staticBusyboxMissing(busybox);
        if (missing != null) {
          skipped.add("containerj image: " + missing + " (apt-get install busybox-static), so the benchmark"
              + " image cannot be built; give one with --image REF; its rows are skipped");
          return new ImageRunner(null, "", null);
        }
        Path tmp = Files.createTempDirectory("containerj-bench-");
        try {
          long t0 = System.nanoTime();
          String ref = BusyboxImage.write(busybox, tmp.resolve("layout"));
          LayerStore store = new LayerStore(tmp.resolve("store"));
          Image image = store.importImage(ImageReference.parse(ref));
          runner = new ImageRunner(ContainerSpec.builder().image(store, image).command(TRUE).build(),
              "busybox-static image built from " + busybox + " and imported into a temporary store in "
                  + ms(System.nanoTime() - t0) + " ms before timing", tmp);
        } catch (IOException | RuntimeException e) {
          delete(tmp);
          throw e;
        }
      }
      try {
        containerj(java.util.Objects.requireNonNull(runner.spec, "both branches above give a spec"), new long[2]);
      } catch (RuntimeException e) {
        runner.close();
        skipped.add("containerj image: " + TRUE + " does not run in " + (reference != null ? reference : "the busybox image")
            + ": " + e.getMessage() + "; its rows are skipped");
        return new ImageRunner(null, "", null);
      }
      return runner;
    }

    @Override
    public void close() {
      if (temporary != null) {
        delete(temporary);
      }
    }
  }

  /** Null when {@code busybox} is a statically linked ELF file, else what it is instead. */
  static @Nullable String staticBusyboxMissing(Path busybox) {
    if (!Files.isRegularFile(busybox)) {
      return busybox + " not found";
    }
    // A dynamically linked executable names its loader in a PT_INTERP program header (elf(5)); the
    // image has no loader, so the container's execve would fail with ENOENT.
    try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(busybox)) {
      java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      f.read(h, 0);
      if (h.getInt(0) != 0x464c457f || h.get(4) != 2 || h.get(5) != 1) {
        return busybox + " is not a 64-bit little-endian ELF executable";
      }
      long phoff = h.getLong(0x20);
      int phentsize = Short.toUnsignedInt(h.getShort(0x36));
      int phnum = Short.toUnsignedInt(h.getShort(0x38));
      java.nio.ByteBuffer type = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < phnum; i++) {
        type.clear();
        f.read(type, phoff + (long) i * phentsize);
        if (type.getInt(0) == 3) { // PT_INTERP
          return busybox + " is dynamically linked";
        }
      }
      return null;
    } catch (IOException e) {
      return busybox + " cannot be read (" + e.getMessage() + ")";
    }
  }

  /** Deletes the temporary tree {@code dir}; a failure is reported on stderr, not thrown. */
  static void delete(Path dir) {
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      System.err.println("containerj bench: could not delete the temporary directory " + dir + ": " + e);
    }
  }

  private static void containerj(ContainerSpec spec, long[] times) throws InterruptedException {
    timed(() -> Container.start(spec), times);
  }

  /** Start -> exit in {@code times[0]}, with close in {@code times[1]}, of the container {@code start} gives. */
  private static void timed(java.util.function.Supplier<Container> start, long[] times) throws InterruptedException {
    long t0 = System.nanoTime();
    Container c = start.get();
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

  private static long exec(Container c, dev.containerj.core.ProcessSpec spec) throws InterruptedException {
    long t0 = System.nanoTime();
    try (dev.containerj.core.ExecProcess p = c.exec(spec)) {
      ExitStatus status = p.waitFor();
      long t = System.nanoTime() - t0;
      if (!status.success()) {
        throw new IllegalStateException("containerj exec: " + TRUE + " " + status);
      }
      return t;
    }
  }

  private static long processBuilder(List<String> command) throws IOException, InterruptedException {
    return processBuilder(command, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT);
  }

  /** The wall time of {@code command}, which must exit 0, with its stdout and stderr so redirected. */
  static long processBuilder(List<String> command, ProcessBuilder.Redirect stdout, ProcessBuilder.Redirect stderr)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(stdout).redirectError(stderr);
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

  /** The effective uid of this process, from /proc/self/status, or "?". */
  static String euid() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
          .map(l -> l.split("\\s+")[2]).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }
}
