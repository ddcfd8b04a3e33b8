package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ProcessSpec#redirectErrorStream()}: fd 2 is fd 1, for a container's first process and an
 * exec'd one, and the streams a handle gives are never null (a discarded one reads end-of-file).
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class RedirectErrorStreamTest {
  private static final String SCRIPT = "echo out; echo err >&2; echo out2; readlink /proc/self/fd/1 /proc/self/fd/2";

  @Test
  void firstProcessStderrGoesToStdoutInOrder() throws Exception {
    Run.Result r = Run.run(Run.sh(SCRIPT).redirectErrorStream(true).build());
    assertThat(r.status().code()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines).hasSize(5);
    assertThat(lines[0] + lines[1] + lines[2]).isEqualTo("outerrout2");
    assertThat(lines[3]).as("fd 1 and 2 are one pipe").startsWith("pipe:").isEqualTo(lines[4]);
    assertThat(r.err()).as("the stderr stream is at end-of-file").isEmpty();

    // Off: the same script without the redirect keeps the two apart.
    Run.Result off = Run.run(Run.sh(SCRIPT).build());
    assertThat(off.out()).startsWith("out\nout2\n");
    assertThat(off.err()).isEqualTo("err\n");
  }

  @Test
  void execStderrGoesToStdout() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").build())) {
      try (ExecProcess p = c.exec(ProcessSpec.builder().command("sh", "-c", SCRIPT).redirectErrorStream(true).build())) {
        String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.stderr().read()).as("end-of-file, never null").isEqualTo(-1);
        ExitStatus s = p.waitFor();
        assertThat(s.code()).isZero();
        assertThat(out).startsWith("out\nerr\nout2\n");
      }
      try (ExecProcess p = c.exec(ProcessSpec.builder().command("true").stdout(Redirect.DISCARD)
          .stderr(Redirect.DISCARD).build())) {
        assertThat(p.stdout().read()).isEqualTo(-1);
        assertThat(p.stderr().read()).isEqualTo(-1);
        assertThat(p.waitFor().code()).isZero();
      }
    }
  }
}
