package dev.containerj.examples.cli;

import dev.containerj.examples.bench.StartupBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
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
        "A row that cannot be measured (no bwrap, no static busybox) is skipped and the output says why."})
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

  @Option(names = "--hermetic", description = "Instead: a hermetic action (/bin/true seeing 100 and 1,000 declared"
      + " input files read-only and one output directory) against bwrap with the same binds.")
  boolean hermetic;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
    if (hermetic) {
      dev.containerj.examples.hermetic.HermeticBenchmark.run(n, warmup, out);
      return 0;
    }
    StartupBenchmark.run(n, warmup, image, out);
    return 0;
  }
}
