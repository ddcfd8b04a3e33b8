package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's JUnit 5 example is the code of {@link HttpdExampleTest} between its README markers. */
class ReadmeSnippetTest {
  @Test
  void theReadmeQuotesTheExampleThatRuns() throws Exception {
    String test = Files.readString(Path.of("src/test/java/dev/containerj/junit5/HttpdExampleTest.java"));
    String begin = "  // README: httpd-example\n";
    String code = test.substring(test.indexOf(begin) + begin.length(), test.indexOf("  // README: end\n"));
    String dedented = code.lines().map(l -> l.startsWith("  ") ? l.substring(2) : l)
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).contains("```java\n" + dedented + "```\n");
  }
}
