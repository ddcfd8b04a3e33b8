package dev.containerj.examples.cli;

import dev.containerj.examples.bench.ColdStartBenchmark;
import dev.containerj.examples.bench.StartupBenchmark;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code containerj bench}: see {@link StartupBenchmark}. */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Measures container start->exit against bwrap and a plain ProcessBuilder.",
        "Times /bin/true in a container (default spec), in a container on an already imported OCI image",
        "(its overlay mounted at each start), in 'bwrap --unshare-all' and through ProcessBuilder, from",
        "this one JVM, and prints median, p90, p99, min and the ratios. The image is --image REF, else",
        "one built from /bin/busybox (busybox-static) into a temporary layer store, deleted afterwards.",
        "A row that cannot be measured (no bwrap, no static busybox) is skipped and the output says why.",
        "Then the cold rows: whole commands in new processes, containerj through its launcher against",
        "'runc run' of a busybox bundle and 'java -version'."})
final class BenchCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Option(names = "-n", paramLabel = "N", description = "Measured iterations per runner (default: ${DEFAULT-VALUE}).")
  int n = 200;

  @Option(names = "--warmup", paramLabel = "W", description = "Unmeasured iterations first (default: ${DEFAULT-VALUE}).")
  int warmup = 30;

  @Option(names = "--image", paramLabel = "REF",
      description = "The image of the image rows: oci:DIR[:TAG] or docker-archive:FILE (imported into this"
          + " user's store before timing), or the id of an imported one; it must have /bin/true."
          + " Default: a busybox image built at the start in a temporary store.")
  @Nullable String image;

  @Option(names = "--cold", paramLabel = "N",
      description = "Measured iterations of the cold-start rows: containerj run and --version through the"
          + " launcher, runc run of a busybox bundle, java -version; 0 leaves them out (default: ${DEFAULT-VALUE}).")
  int cold = 20;

  @Option(names = "--launcher", paramLabel = "PATH",
      description = "The containerj launcher of the cold rows (default: bin/containerj next to the running jar).")
  @Nullable Path launcher;
  @Option(names = "--idle", paramLabel = "N",
      description = "Instead: N idle containers (sleep) at once; prints the JVM's threads, fds and retained heap"
          + " per container and the time to close them all.")
  int idle;

  @Option(names = "--throughput", paramLabel = "N",
      description = "Instead: N start->exit->close of /bin/true from 8 threads, default and pooled (a pool of 16"
          + " refilled meanwhile, then in rounds of 512 from a pool filled before each), in containers per second"
          + " and CPU per container, with what the host shows before and after compared.")
  int throughput;

  @Option(names = "--port-throughput", paramLabel = "MIB",
      description = "Instead: TCP throughput through a published port, MIB MiB read 3 times from a server in the"
          + " container, for each network path of this user (user mode with pasta and slirp4netns; as root also"
          + " bridge and loopback through the userspace proxy).")
  int portThroughput;

  @Option(names = "--hermetic", description = "Instead: a hermetic action (/bin/true seeing 100 and 1,000 declared"
      + " input files read-only and one output directory) against bwrap with the same binds.")
  boolean hermetic;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
    if (idle > 0) {
      dev.containerj.examples.bench.ManyContainersBenchmark.idle(idle, out);
      return 0;
    }
    if (throughput > 0) {
      dev.containerj.examples.bench.ManyContainersBenchmark.throughput(throughput, out);
      return 0;
    }
    if (portThroughput > 0) {
      dev.containerj.examples.bench.PortThroughputBenchmark.run(portThroughput, 3, out);
      return 0;
    }
    if (hermetic) {
      dev.containerj.examples.hermetic.HermeticBenchmark.run(n, warmup, out);
      return 0;
    }
    StartupBenchmark.run(n, warmup, image, out);
    if (cold > 0) {
      // Two unmeasured runs: the first may record the launcher's cache.
      ColdStartBenchmark.run(cold, 2, launcher, out);
    }
    return 0;
  }
}
