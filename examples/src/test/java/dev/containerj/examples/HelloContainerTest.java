package dev.containerj.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the example as a reader would, and checks what it printed. */
@Tag("kernel")
@Tag("rootless")
@Timeout(60)
class HelloContainerTest {
  @Test
  void printsTheContainersOutputAndExitStatus() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      code = HelloContainer.run(out);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("hello from hello\ncontainer exited with code 3 (shell code 3)\n");
    assertThat(code).isZero();
  }
}
