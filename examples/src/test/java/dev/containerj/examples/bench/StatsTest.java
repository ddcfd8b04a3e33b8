package dev.containerj.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void nearestRankPercentiles() {
    long[] sample = LongStream.rangeClosed(1, 200).map(i -> 201 - i).toArray(); // 200..1, unsorted
    Stats s = Stats.of(sample);
    assertThat(s).isEqualTo(new Stats(200, 100, 180, 198, 1, 200));
    assertThat(sample[0]).as("input left unsorted").isEqualTo(200);
  }

  @Test
  void singleValue() {
    assertThat(Stats.of(new long[] {7})).isEqualTo(new Stats(1, 7, 7, 7, 7, 7));
  }

  @Test
  void emptySampleIsRejected() {
    assertThatThrownBy(() -> Stats.of(new long[0])).hasMessage("sample must not be empty");
  }
}
