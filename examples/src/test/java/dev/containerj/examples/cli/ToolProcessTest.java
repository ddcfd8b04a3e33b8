package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerInfo;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * The tool as a user runs it: its own JVM ({@code java -cp <test class path> ContainerjCommand}),
 * with the container writing straight to the tool's inherited fds 1 and 2 (no --pipe-output), so
 * the output is read from the tool process's pipes.
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(120)
class ToolProcessTest {
  record Run(int code, String out, String err) {}

  @Test
  void readmeCommandShowsHostnameRootAndPayloadAsPid1() throws Exception {
    Run r = tool(null, "run", "--", "sh", "-c", "hostname; id; ps -ef");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).as("default hostname: 12 hex digits of the id").matches("[0-9a-f]{12}");
    assertThat(lines.get(1)).startsWith("uid=0(root) gid=0(root)");
    assertThat(lines.get(2)).startsWith("UID").contains("PID");
    List<String> processes = lines.subList(3, lines.size());
    assertThat(processes).as("only the container's processes: sh and ps").hasSize(2);
    assertThat(processes.get(0).split("\\s+")[1]).as("pid of sh").isEqualTo("1");
    assertThat(processes.get(0)).endsWith("sh -c hostname; id; ps -ef");
    assertThat(processes.get(1)).endsWith("ps -ef");
  }

  @Test
  void interactiveGivesTheContainerOurStdin() throws Exception {
    Run r = tool("hello through stdin\n", "run", "-i", "sh", "-c", "read line; echo got: $line");
    assertThat(r.out()).isEqualTo("got: hello through stdin\n");
    assertThat(r.code()).isZero();
    // Without -i, stdin is /dev/null: cat ends at once.
    Run closed = tool("never read\n", "run", "sh", "-c", "cat; echo stdin was empty");
    assertThat(closed.out()).isEqualTo("stdin was empty\n");
  }

  @Test
  void exitCodesAndErrorsFromTheRealProcess() throws Exception {
    assertThat(tool(null, "run", "sh", "-c", "exit 3").code()).isEqualTo(3);
    Run missing = tool(null, "run", "no-such-command-xyz");
    assertThat(missing.code()).isEqualTo(127);
    assertThat(missing.err()).contains("ENOENT").hasLineCount(1).doesNotContain("Exception");
    Run version = tool(null, "--version");
    assertThat(version.out()).startsWith("containerj ");
  }

  @Test
  void sigtermToTheToolTakesTheContainerDown() throws Exception {
    Process p = start("run", "sleep", "100");
    try {
      ContainerInfo c = awaitContainerOf(p.pid());
      p.destroy(); // SIGTERM: the JVM runs its shutdown hooks and exits 128+15
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(143);
      Optional<ProcessHandle> payload = ProcessHandle.of(c.pid());
      assertThat(payload.map(ProcessHandle::isAlive).orElse(false)).as("container pid 1 still alive").isFalse();
      assertThat(Container.list()).extracting(ContainerInfo::id).doesNotContain(c.id());
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  private static ContainerInfo awaitContainerOf(long ownerPid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (ContainerInfo c : Container.list()) {
        if (c.ownerPid() == ownerPid && c.running()) {
          return c;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the tool (pid " + ownerPid + ") started no container in 30 s");
  }

  private static Process start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
        "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path")));
    // Same state directory as this JVM (rootless with no XDG_RUNTIME_DIR, it lies under java.io.tmpdir).
    for (String property : new String[] {"java.io.tmpdir", "containerj.stateDir"}) {
      String value = System.getProperty(property);
      if (value != null) {
        cmd.add("-D" + property + "=" + value);
      }
    }
    cmd.add(ContainerjCommand.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).start();
  }

  private static Run tool(@Nullable String stdin, String... args) throws Exception {
    Process p = start(args);
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = read(p.getInputStream());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("tool ended").isTrue();
    return new Run(p.exitValue(), out, err.get());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
