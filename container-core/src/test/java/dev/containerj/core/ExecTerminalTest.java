package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.namespaces.Redirect;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code exec -t}: an exec'd process gets a terminal of the container's own devpts, as the first
 * process does with {@link Redirect#tty()}, sized as asked, resizable, and its controlling terminal.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class ExecTerminalTest {

  @Test
  void execGetsAPtyOfTheContainersDevpts() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").build())) {
      // st_dev names a devpts instance: the container's own, not the host's.
      String devpts = exec(c, ProcessSpec.builder().command("stat", "-c", "%d", "/dev/pts").build()).trim();
      assertThat(devpts).isNotEqualTo(String.valueOf(java.nio.file.Files.getAttribute(java.nio.file.Path.of("/dev/pts"),
          "unix:dev")));
      Redirect tty = Redirect.tty(100, 30);
      try (ExecProcess p = c.exec(ProcessSpec.builder().stdin(tty).stdout(tty).stderr(tty).command("sh", "-c",
          "tty; readlink /proc/self/fd/2; stty size; stat -L -c %d $(tty); read line; echo \"got $line\"; stty size")
          .build())) {
        InputStream out = p.stdout();
        String head = readUntil(out, "\n", 4);
        String[] lines = head.split("\r?\n");
        assertThat(lines[0]).as("the controlling terminal").matches("/dev/pts/\\d+");
        assertThat(lines[1]).as("stderr is the terminal too").isEqualTo(lines[0]);
        assertThat(lines[2]).isEqualTo("30 100");
        assertThat(lines[3]).as("the container's devpts instance, not the host's").isEqualTo(devpts);
        p.resizeTerminal(90, 20);
        p.stdin().write("hello\n".getBytes(StandardCharsets.UTF_8));
        p.stdin().flush();
        String rest = readUntil(out, "\n", 3); // the echo of the line, "got hello", the new size
        assertThat(rest).contains("got hello").contains("20 90");
        assertThat(p.waitFor(Duration.ofSeconds(10))).hasValueSatisfying(s -> assertThat(s.code()).isZero());
      }
      // Off: without a tty the same process has no controlling terminal.
      assertThat(exec(c, ProcessSpec.builder().command("sh", "-c", "tty; true").build())).isEqualTo("not a tty\n");
    }
  }

  private static String exec(Container c, ProcessSpec ps) throws Exception {
    try (ExecProcess p = c.exec(ps)) {
      String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    }
  }

  /** Reads until {@code count} occurrences of {@code sep} (a terminal's master never reaches EOF while open). */
  private static String readUntil(InputStream in, String sep, int count) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int seen = 0;
    while (seen < count) {
      int ch = in.read();
      if (ch < 0) {
        break;
      }
      b.write(ch);
      if (ch == sep.charAt(0)) {
        seen++;
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
