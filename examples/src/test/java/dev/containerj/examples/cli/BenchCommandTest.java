package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code containerj bench} runs and prints its table. A smoke run with three samples: it checks that
 * the example works, and measures nothing (the benchmark itself is run by hand, see README).
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(60)
class BenchCommandTest {
  @Test
  void printsATableWithEveryRunner() {
    Tool.Result r = Tool.execute("bench", "-n", "3", "--warmup", "1");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("containerj (start->exit) ", "containerj (start->exit+close) ",
        "ProcessBuilder /bin/true ", "ratio containerj / ProcessBuilder (median):", "median", "p99");
    // bwrap is measured when installed, and its absence is said, never silently dropped.
    assertThat(r.out()).containsAnyOf("bwrap --unshare-all ", "skipped bwrap: not installed");
    assertThat(Tool.ownedByThisJvm()).isEmpty();
  }
}
