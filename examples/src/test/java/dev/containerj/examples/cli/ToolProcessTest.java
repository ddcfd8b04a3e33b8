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

  /**
   * Runs the tool on a new pty (Python's pty module) of 111x33; once the output shows READY, resizes
   * it to 100x40 (the tool gets SIGWINCH) and types "hello-typed", or (with {@code signal}) sends SIGTERM to the tool. Reports the terminal's output
   * (key "out", as Python's repr), whether its modes differed while the container ran (raw mode) and
   * whether they are those of before once the tool ended.
   */
  private static final String PTY_DRIVER = String.join("\n",
      "import os, pty, sys, time, termios, select, fcntl, struct, signal",
      "mode = sys.argv[1]",
      "pid, fd = pty.fork()",
      "if pid == 0:",
      "    os.execvp(sys.argv[2], sys.argv[2:])",
      "fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 111, 0, 0))",
      "before = termios.tcgetattr(fd)",
      "during = None",
      "out = b''",
      "deadline = time.time() + 60",
      "while time.time() < deadline:",
      "    if select.select([fd], [], [], 0.2)[0]:",
      "        try:",
      "            d = os.read(fd, 4096)",
      "        except OSError:",
      "            break",
      "        if not d:",
      "            break",
      "        out += d",
      "    if during is None and b'READY' in out:",
      "        during = termios.tcgetattr(fd)",
      "        if mode == 'type':",
      "            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 100, 0, 0))",
      "            time.sleep(0.5)",
      "            os.write(fd, b'hello-typed\\r')",
      "        else:",
      "            os.kill(pid, signal.SIGTERM)",
      "_, st = os.waitpid(pid, 0)",
      "print('out=%r' % out.decode(errors='replace'))",
      "print('raw_while_running=%s' % (during is not None and during != before))",
      "print('restored=%s' % (termios.tcgetattr(fd) == before))",
      "print('status=%d' % os.waitstatus_to_exitcode(st))");

  @Test
  void ttyInteractiveRelaysTheTerminalInRawModeAndRestoresIt() throws Exception {
    java.util.Map<String, String> typed = onPty("type", "run", "-it", "--", "sh", "-c",
        "tty; stty size; echo READY; read x; echo got:$x; stty size; exit 7");
    assertThat(typed.get("out")).as("the container's own terminal, our size, the echo of its pty, the line read")
        .contains("/dev/pts/0\\r\\n33 111\\r\\nREADY\\r\\nhello-typed\\r\\ngot:hello-typed\\r\\n40 100");
    assertThat(typed).containsEntry("raw_while_running", "True").containsEntry("restored", "True")
        .containsEntry("status", "7");

    // SIGTERM to the tool while the terminal is raw: the shutdown hook restores it too.
    java.util.Map<String, String> killed = onPty("signal", "run", "-it", "--", "sh", "-c", "echo READY; sleep 60");
    assertThat(killed).containsEntry("raw_while_running", "True").containsEntry("restored", "True")
        .containsEntry("status", "143");
  }

  @Test
  void aDirectoryAsStdinIsRefusedWithOneLine() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" < /", "sh"));
    cmd.addAll(command("run", "-i", "--", "cat"));
    Process p = new ProcessBuilder(cmd).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    String err = read(p.getErrorStream());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(125);
    assertThat(out.get()).isEmpty();
    assertThat(err).hasLineCount(1).contains("check stdin (fd 0) failed: EISDIR").contains("/proc/self/fd/0/..")
        .doesNotContain("Exception");
  }

  private static java.util.Map<String, String> onPty(String mode, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", PTY_DRIVER, mode));
    cmd.addAll(command(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = read(p.getInputStream());
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertThat(m).as("driver output:%n%s", out).containsKey("status");
    return m;
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
      // The payload dies of its parent-death signal (or the shutdown hook's kill) and is then reaped
      // by whoever inherits it: allow that a few seconds.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (ProcessHandle.of(c.pid()).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
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
    return new ProcessBuilder(command(args)).start();
  }

  /** The command line of the tool with {@code args}, in its own JVM. */
  private static List<String> command(String... args) {
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
    return cmd;
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
