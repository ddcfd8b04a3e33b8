package dev.containerj.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README quotes compiled, tested code: each block between {@code // README: NAME} and
 * {@code // README: end} in these sources appears in README.md verbatim (dedented) as a java block.
 */
class ReadmeSnippetsTest {
  private static final Pattern BLOCK = Pattern.compile("(?m)^( *)// README: (?!end)\\S+\\n(.*?)^ *// README: end\\n",
      Pattern.DOTALL);

  @ParameterizedTest
  @ValueSource(strings = {
      "../container-junit5/src/test/java/dev/containerj/junit5/HttpdExampleTest.java",
      "src/main/java/dev/containerj/examples/sandbox/PluginSandboxExample.java",
      "src/test/java/dev/containerj/examples/hermetic/HermeticActionTest.java"})
  void theReadmeQuotesTheCodeThatRuns(String source) throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    Matcher m = BLOCK.matcher(Files.readString(Path.of(source)));
    int blocks = 0;
    while (m.find()) {
      int indent = m.group(1).length();
      String dedented = m.group(2).lines().map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
          .collect(Collectors.joining("\n", "", "\n"));
      assertThat(readme).as("README.md quotes the block of %s", source).contains("```java\n" + dedented + "```\n");
      blocks++;
    }
    assertThat(blocks).as("README blocks in %s", source).isPositive();
  }
}
