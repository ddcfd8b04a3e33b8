package dev.containerj.examples.hermetic;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.examples.bench.Stats;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code containerj bench --hermetic}: the start->exit time of a {@link HermeticAction} running
 * {@code /bin/true} with 100 and 1,000 declared input files, against bwrap given the same binds.
 * "prepared" reuses the action's root; "prepare+run" makes it anew each time, as a build tool
 * that prepares each action would.
 */
public final class HermeticBenchmark {
  private HermeticBenchmark() {}

  private static String ms(Stats s) {
    return String.format(java.util.Locale.ROOT, "median %7.2f ms  p90 %7.2f ms  min %7.2f ms",
        s.median() / 1e6, s.p90() / 1e6, s.min() / 1e6);
  }

  /** Runs {@code n} measured iterations (after {@code warmup}) per row and prints the rows. */
  public static void run(int n, int warmup, PrintWriter out) throws IOException, InterruptedException {
    Path bwrap = Path.of("/usr/bin/bwrap");
    Path dir = Files.createTempDirectory("containerj-hermetic-bench");
    ContainerRuntime rt = ContainerRuntime.defaults();
    try {
      for (int count : new int[] {100, 1000}) {
        List<Path> inputs = new ArrayList<>();
        Path in = Files.createDirectories(dir.resolve("in" + count));
        for (int i = 0; i < count; i++) {
          inputs.add(Files.writeString(in.resolve("f" + i + ".txt"), "input " + i + "\n"));
        }
        Path output = Files.createDirectories(dir.resolve("out" + count));
        List<String> cmd = List.of("/bin/true");
        long[] prepared = new long[n];
        long[] fresh = new long[n];
        long[] bw = new long[n];
        try (HermeticAction action = HermeticAction.prepare(inputs, output, cmd)) {
          for (int i = -warmup; i < n; i++) {
            long t0 = System.nanoTime();
            action.run(rt);
            long t1 = System.nanoTime();
            try (HermeticAction a = HermeticAction.prepare(inputs, output, cmd)) {
              a.run(rt);
            }
            long t2 = System.nanoTime();
            if (Files.isExecutable(bwrap)) {
              Process p = new ProcessBuilder(HermeticAction.bwrapCommand(bwrap, inputs, output, cmd)).inheritIO().start();
              p.waitFor();
            }
            long t3 = System.nanoTime();
            if (i >= 0) {
              prepared[i] = t1 - t0;
              fresh[i] = t2 - t1;
              bw[i] = t3 - t2;
            }
          }
        }
        Stats sp = Stats.of(prepared);
        Stats sf = Stats.of(fresh);
        Stats sb = Stats.of(bw);
        out.printf("%5d inputs: containerj prepared    %s%n", count, ms(sp));
        out.printf("%5d inputs: containerj prepare+run %s%n", count, ms(sf));
        out.printf("%5d inputs: bwrap                  %s%n", count, ms(sb));
        out.printf("%5d inputs: ratio containerj / bwrap (median): prepared %.2fx, prepare+run %.2fx  target <= 1x%n",
            count, sp.median() / (double) sb.median(), sf.median() / (double) sb.median());
        out.flush();
      }
    } finally {
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
