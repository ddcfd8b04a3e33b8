package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many starts at once share the spawner, the reaper and the state directory safely. */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class ConcurrencyTest {

  @Test
  void fiftyContainersFromEightThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Run.Result>> results = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        results.add(pool.submit(() -> Run.run("echo container-" + n + " $$; exit " + (n % 7))));
      }
      for (int i = 0; i < 50; i++) {
        Run.Result r = results.get(i).get();
        String what = "container " + i + " (" + r.id() + "): status " + r.status() + ", stderr: " + r.err();
        assertThat(r.out()).as(what).isEqualTo("container-" + i + " 1\n");
        assertThat(r.status().code()).as(what).isEqualTo(i % 7);
      }
      assertThat(results.stream().map(f -> {
        try {
          return f.get().id();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }).distinct()).hasSize(50);
    } finally {
      pool.shutdownNow();
    }
  }
}
