package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** A failed test's report carries the container's output; log consumers get every line. */
@Tag("kernel")
class ReportTest {
  static final List<LogLine> consumed = new CopyOnWriteArrayList<>();

  @Test
  void aFailedTestGetsTheContainersOutputAsAReportEntryAndAFile() throws Exception {
    consumed.clear();
    EngineExecutionResults r = LifecycleTest.runInParallel(Failing.class);
    r.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
    List<Map<String, String>> entries = r.allEvents().reportingEntryPublished().stream()
        .map(e -> e.getRequiredPayload(ReportEntry.class).getKeyValuePairs()).toList();
    assertThat(entries).as("only the failed test is reported").hasSize(1);
    Map<String, String> entry = entries.get(0);
    String logKey = entry.keySet().stream().filter(k -> k.endsWith(".log")).findFirst().orElseThrow();
    assertThat(entry.get(logKey)).contains("STDOUT: marker-out-1").contains("STDERR: marker-err-2");
    Path file = Path.of(entry.get(logKey.replace(".log", ".file")));
    assertThat(file).exists().hasFileName("fails-" + logKey.substring("containerj.".length(), logKey.length() - 4) + ".log");
    assertThat(Files.readString(file)).contains("marker-out-1");
    assertThat(consumed).contains(new LogLine(LogLine.Source.STDOUT, "marker-out-1"),
        new LogLine(LogLine.Source.STDERR, "marker-err-2"));
  }

  static class Failing {
    static final Consumer<LogLine> CONSUMER = consumed::add;

    @RegisterExtension
    ContainerExtension ext = ContainerExtension.of(ContainerSpec.builder()
            .command("sh", "-c", "echo marker-out-1; echo marker-err-2 >&2; exec sleep 600").build())
        .waitingFor(Wait.forLogLine("marker-err-\\d"))
        .withLogConsumer(CONSUMER);

    @Test
    void fails() {
      throw new AssertionError("this test fails on purpose");
    }

    @Test
    void passes() {
      assertThat(ext.container().logs()).isNotEmpty();
    }
  }
}
