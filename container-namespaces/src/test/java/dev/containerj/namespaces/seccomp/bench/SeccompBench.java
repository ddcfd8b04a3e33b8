package dev.containerj.namespaces.seccomp.bench;

import dev.containerj.namespaces.seccomp.NativeHarness;
import dev.containerj.namespaces.seccomp.SeccompArch;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import dev.containerj.namespaces.seccomp.SeccompProgram;
import dev.containerj.namespaces.seccomp.internal.SeccompCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The seccomp benchmark of issue 7, in one run (see container-namespaces/README-seccomp.md):
 * <ol>
 *   <li>start-time cost: assembling the default profile (first time in a fresh JVM, then warmed
 *       up), and taking the cached program, which is what a container start pays;
 *   <li>per-syscall overhead: a C loop of raw getpid(2) calls, without a filter, under the default
 *       profile and under the hardened profile (medians of interleaved rounds); and the same with
 *       personality(0xffffffff), a call with an argument rule, which runs the whole filter.
 * </ol>
 * Arguments: [getpid calls per round, default 5000000] [rounds, default 7].
 */
public final class SeccompBench {
  private static final Set<String> DOCKER_CAPS = Set.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  public static void main(String[] args) throws Exception {
    long calls = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    SeccompArch arch = SeccompArch.current();

    // 1. Start-time cost.
    long t0 = System.nanoTime();
    SeccompProfile profile = SeccompProfile.defaultProfile(DOCKER_CAPS);
    SeccompProgram program = profile.compile(arch);
    long firstNs = System.nanoTime() - t0;
    long[] compile = new long[2000];
    for (int i = 0; i < compile.length; i++) {
      long s = System.nanoTime();
      SeccompCompiler.compile(profile, arch);
      compile[i] = System.nanoTime() - s;
    }
    long[] cached = new long[20000];
    for (int i = 0; i < cached.length; i++) {
      long s = System.nanoTime();
      profile.compile(arch);
      cached[i] = System.nanoTime() - s;
    }
    System.out.printf("default profile on %s: %d rules, %d BPF instructions (%d bytes)%n",
        arch, profile.rules().size(), program.instructionCount(), program.bytes().length);
    System.out.printf("  first compile in this JVM (profile + tables + classes): %8.3f ms%n", firstNs / 1e6);
    System.out.printf("  compile, warmed up (median of %d):                      %8.1f us%n",
        compile.length, median(compile) / 1e3);
    System.out.printf("  cached program lookup (median of %d):                  %8.3f us%n",
        cached.length, median(cached) / 1e3);

    // 2. Per-syscall overhead.
    String cc = NativeHarness.compiler();
    if (cc == null) {
      System.out.println("no C compiler on PATH: per-syscall overhead not measured");
      return;
    }
    Path dir = Files.createTempDirectory("seccomp-bench");
    try {
      NativeHarness harness = NativeHarness.build(cc, dir);
      Map<String, SeccompProgram> filters = new LinkedHashMap<>();
      filters.put("none", null);
      filters.put("default", program);
      filters.put("hardened", SeccompProfile.hardened().compile(arch));
      for (String call : new String[] {"getpid", "personality"}) {
        Map<String, List<Double>> results = new LinkedHashMap<>();
        filters.keySet().forEach(k -> results.put(k, new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
          for (Map.Entry<String, SeccompProgram> f : filters.entrySet()) {
            NativeHarness.Run run = harness.run(f.getValue(),
                harness.program("getpid-loop").toString(), Long.toString(calls), call);
            if (run.exit() != 0) {
              throw new IllegalStateException("getpid-loop failed under " + f.getKey() + ": " + run.output());
            }
            results.get(f.getKey()).add(Double.parseDouble(run.output().strip()));
          }
        }
        double none = medianOf(results.get("none"));
        System.out.printf("%s, %d calls x %d rounds, median ns per call:%n",
            call.equals("getpid") ? "getpid()" : "personality(0xffffffff)", calls, rounds);
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
          double m = medianOf(e.getValue());
          System.out.printf("  %-9s %7.1f ns  (%+.1f ns per call against none)%n", e.getKey(), m, m - none);
        }
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static double median(long[] values) {
    long[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  private static double medianOf(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(null);
    return v.get(v.size() / 2);
  }
}
