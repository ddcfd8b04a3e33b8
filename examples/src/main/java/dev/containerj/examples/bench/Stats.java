package dev.containerj.examples.bench;

import java.util.Arrays;

/**
 * Summary of a sample of durations in nanoseconds: nearest-rank percentiles (the value below which
 * the given share of the sample lies, with no interpolation).
 *
 * @param n the sample size
 * @param median the 50th percentile
 * @param p90 the 90th percentile
 * @param p99 the 99th percentile
 * @param min the fastest
 * @param max the slowest
 */
public record Stats(int n, long median, long p90, long p99, long min, long max) {
  /** Summarises {@code nanos}, which must not be empty. */
  public static Stats of(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("sample must not be empty");
    }
    long[] s = nanos.clone();
    Arrays.sort(s);
    return new Stats(s.length, percentile(s, 50), percentile(s, 90), percentile(s, 99), s[0], s[s.length - 1]);
  }

  /** Nearest rank: the smallest value with at least {@code p} percent of the sample at or below it. */
  static long percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
