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
        "Times /bin/true in a container (default spec), in 'bwrap --unshare-all' and through",
        "ProcessBuilder, from this one JVM, and prints median, p90, p99, min and the ratios.",
        "bwrap's row is skipped, and the output says so, when it is not installed."})
final class BenchCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Option(names = "-n", paramLabel = "N", description = "Measured iterations per runner (default: ${DEFAULT-VALUE}).")
  int n = 200;

  @Option(names = "--warmup", paramLabel = "W", description = "Unmeasured iterations first (default: ${DEFAULT-VALUE}).")
  int warmup = 30;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
    StartupBenchmark.run(n, warmup, out);
    return 0;
  }
}
