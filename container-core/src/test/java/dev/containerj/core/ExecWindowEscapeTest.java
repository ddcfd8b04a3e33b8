package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.ContainerExec;
import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.linux.IdMapping;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An exec'd process between its capset and its seccomp filter (runc's CVE-2016-9962): it then has
 * the payload's uid and capabilities and no filter yet. The test holds it there (a fifo it opens
 * just before the filter, {@link ContainerExec#gateBeforeSeccomp}) and the container's pid 1, a
 * Python payload, tries to take it. See container-core/README-security.md, "New ways in".
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class ExecWindowEscapeTest {
  /**
   * With the protection the helper is non-dumpable: PTRACE_SEIZE {@code EPERM}, its
   * {@code /proc/PID/mem} and the links of {@code /proc/PID/fd/N} {@code EACCES}. Off ({@link
   * ProtectionsOff#dumpableExec}): the payload attaches to it and reads its memory and fds. As root
   * the container has the identity map (the helper keeps its uid, as an ordinary user's does); the
   * default map of a root JVM changes the helper's ids, which alone makes it non-dumpable.
   */
  @Test
  void anExecdProcessCannotBeTracedBeforeItsSeccompFilter() throws Exception {
    Map<String, String> on = attackTheWindow();
    assertThat(on).containsEntry("window", "NoNewPrivs=1 Seccomp=0").containsEntry("seize", "EPERM")
        .containsEntry("mem", "EACCES").containsEntry("fds", "EACCES").containsEntry("exec", "done");

    ProtectionsOff.dumpableExec = true;
    Map<String, String> off;
    try {
      off = attackTheWindow();
    } finally {
      ProtectionsOff.dumpableExec = false;
    }
    assertThat(off).containsEntry("window", "NoNewPrivs=1 Seccomp=0").containsEntry("seize", "OK")
        .containsEntry("mem", "OK").containsEntry("exec", "done");
    assertThat(off.get("fds")).as("the helper's fds, read by the payload").startsWith("0>").contains("3>user:[");
  }

  /**
   * Starts a container whose pid 1 waits for an exec'd process to reach the gate, attacks it, then
   * lets it go on; returns what pid 1 saw and what the exec'd process printed ({@code exec}).
   */
  private static Map<String, String> attackTheWindow() throws Exception {
    String script = String.join("\n",
        "import time",
        "os.mkfifo('/tmp/gate')",
        "out('ready', 1)",
        EscapeProbe.WINDOW_ATTACK,
        "g = os.open('/tmp/gate', os.O_RDONLY)",
        "os.read(g, 1)",
        "os.close(g)",
        "out('released', 1)",
        "time.sleep(60)");
    ContainerSpec.Builder b = EscapeProbe.python(script);
    if (EscapeProbe.ROOT) {
      b.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
    }
    Map<String, String> seen = new LinkedHashMap<>();
    ContainerExec.gateBeforeSeccomp = "/tmp/gate";
    try (Container c = Container.start(b.build())) {
      BufferedReader lines = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
      CompletableFuture<String> err = Run.drain(c.stderr());
      String line = lines.readLine();
      assertThat(line).as("pid 1's first line; stderr %s", err.isDone() ? err.get() : "").isEqualTo("ready=1");
      CompletableFuture<String> exec = CompletableFuture.supplyAsync(() -> {
        try (ExecProcess p = c.exec(ProcessSpec.builder().command("echo", "done").build())) {
          String o = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8).strip();
          return p.waitFor().code() + ":" + o;
        } catch (Exception e) {
          return e.toString();
        }
      });
      while ((line = lines.readLine()) != null && !line.startsWith("released=")) {
        seen.putAll(EscapeProbe.parse(line));
      }
      assertThat(line).as("pid 1 released the gate; seen %s", seen).isEqualTo("released=1");
      String r = exec.get(30, TimeUnit.SECONDS);
      seen.put("exec", r.startsWith("0:") ? r.substring(2) : r);
    } finally {
      ContainerExec.gateBeforeSeccomp = null;
    }
    return seen;
  }
}
