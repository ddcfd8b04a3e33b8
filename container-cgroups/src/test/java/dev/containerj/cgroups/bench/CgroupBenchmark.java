package dev.containerj.cgroups.bench;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.CgroupManager;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The cgroup benchmark of the cgroups issue, as a plain main (run as root; see the module README):
 *
 * <ol>
 *   <li>create + configure (memory, cpu, pids) + add a process + remove (kill, wait, rmdir):
 *       operations per second. The processes are spawned before the timed section, so that the
 *       number is the cgroup work only;
 *   <li>the added cost of limits on a process start: start -> exit of /bin/true without a cgroup,
 *       and with a fresh limited cgroup that the process joins before it execs /bin/true (the shell
 *       waits on stdin until it has joined, as a launcher would; the same shell runs without the
 *       cgroup for the baseline).
 * </ol>
 *
 * Not part of the test suite; speed is measured here, never asserted.
 */
public final class CgroupBenchmark {
  private CgroupBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    CgroupManager m = CgroupManager.forCurrentProcess();
    CgroupLimits limits = CgroupLimits.builder().memoryMax(64L << 20).cpus(0.5).pidsMax(64).build();
    System.out.println("hierarchy: " + m.hierarchy() + ", parents: " + m.parentPaths());
    String prefix = "cj-bench-" + ProcessHandle.current().pid() + "-";

    lifecycle(m, limits, prefix + "warm-", Math.max(20, n / 5));
    double[] ms = lifecycle(m, limits, prefix, n);
    double total = Arrays.stream(ms).sum();
    System.out.printf("create+configure+add+remove: %d ops, %.0f ops/s, median %.3f ms, p90 %.3f ms%n",
        n, n / (total / 1000.0), pct(ms, 50), pct(ms, 90));

    startCost(m, limits, prefix + "warm-start-", 20);
    double[] plain = new double[n];
    double[] shellOnly = new double[n];
    double[] limited = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      new ProcessBuilder("/bin/true").start().waitFor();
      plain[i] = (System.nanoTime() - t0) / 1e6;
      t0 = System.nanoTime();
      Process p = gated();
      release(p);
      p.waitFor();
      shellOnly[i] = (System.nanoTime() - t0) / 1e6;
    }
    limited = startCost(m, limits, prefix + "start-", n);
    System.out.printf("start->exit /bin/true: plain median %.3f ms; gated shell without cgroup %.3f ms; "
        + "gated shell in a new limited cgroup (create+join+exit+remove) %.3f ms; added by the cgroup "
        + "%.3f ms%n", pct(plain, 50), pct(shellOnly, 50), pct(limited, 50),
        pct(limited, 50) - pct(shellOnly, 50));
  }

  private static double[] lifecycle(CgroupManager m, CgroupLimits limits, String prefix, int n)
      throws IOException, InterruptedException {
    List<Process> sleepers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      sleepers.add(new ProcessBuilder("sleep", "1000").start());
    }
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      try (Cgroup cg = m.create(prefix + i, limits)) {
        cg.addProcess(sleepers.get(i).pid());
      }
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    for (Process p : sleepers) {
      p.destroyForcibly().waitFor();
    }
    return ms;
  }

  private static double[] startCost(CgroupManager m, CgroupLimits limits, String prefix, int n)
      throws IOException, InterruptedException {
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      try (Cgroup cg = m.create(prefix + i, limits)) {
        Process p = gated();
        cg.addProcess(p.pid());
        release(p);
        p.waitFor();
      }
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return ms;
  }

  private static Process gated() throws IOException {
    return new ProcessBuilder("sh", "-c", "read x; exec /bin/true").start();
  }

  private static void release(Process p) throws IOException {
    OutputStream in = p.getOutputStream();
    in.write('\n');
    in.flush();
  }

  private static double pct(double[] v, int p) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, s.length * p / 100)];
  }
}
