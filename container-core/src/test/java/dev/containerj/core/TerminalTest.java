package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.internal.FaultPlan;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Terminals and stdio descriptors (issue #11, classes 8 and 9): an inherited terminal is relayed, a
 * container's own terminal ({@link Redirect#tty()}), TIOCSTI denied, directories and O_PATH
 * descriptors refused as stdio. Each test runs again with its protection turned off and must then
 * see the weakness. The terminal cases run a child JVM on a pty made by a small Python driver, so
 * that this JVM's own fds stay as surefire gave them.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class TerminalTest {
  private static final boolean ROOT = LibC.geteuid() == 0;
  /** The system's Python on the host side (the rootless lane's user has no other). */
  private static final String PYTHON = "/usr/bin/python3";

  /**
   * The payload of the inherited-terminal runs: what its fds 0-2 are, whether fd 2 can be read,
   * whether the terminal's modes and size can be changed through fds 1 and 2, TIOCSTI; then, when fd 2
   * is readable, what is typed on the caller's terminal.
   */
  private static final String PROBE = String.join("\n",
      "import os, termios, fcntl, errno, struct, select",
      "def e(f):",
      "    try:",
      "        f(); return 'OK'",
      "    except (OSError, termios.error) as x:",
      "        n = x.errno if isinstance(x, OSError) else x.args[0]",
      "        return errno.errorcode.get(n, str(n))",
      "def noecho():",
      "    a = termios.tcgetattr(1); a[3] &= ~termios.ECHO; termios.tcsetattr(1, termios.TCSANOW, a)",
      "for fd in (0, 1, 2):",
      "    print('link%d=%s' % (fd, os.readlink('/proc/self/fd/%d' % fd)), flush=True)",
      "r2 = e(lambda: os.read(2, 0))",
      "print('read2=' + r2, flush=True)",
      "print('tcsets1=' + e(noecho), flush=True)",
      "print('winsz2=' + e(lambda: fcntl.ioctl(2, termios.TIOCSWINSZ, struct.pack('HHHH', 5, 7, 0, 0))), flush=True)",
      "print('tiocsti1=' + e(lambda: fcntl.ioctl(1, termios.TIOCSTI, b'x')), flush=True)",
      "print('READY', flush=True)",
      "if r2 == 'OK' and select.select([2], [], [], 10)[0]:",
      "    print('typed=' + os.read(2, 100).decode().strip(), flush=True)",
      "print('END', flush=True)");

  /**
   * Runs a command on a new pty (Python's pty module), types "secret" once the output shows READY,
   * and reports the output's key=value lines (prefixed "c.") and whether the terminal's modes and size
   * after the end are those before.
   */
  private static final String DRIVER = String.join("\n",
      "import os, pty, sys, time, termios, select, fcntl, struct",
      "pid, fd = pty.fork()",
      "if pid == 0:",
      "    os.execvp(sys.argv[1], sys.argv[1:])",
      "fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))",
      "before = termios.tcgetattr(fd)",
      "size = lambda: fcntl.ioctl(fd, termios.TIOCGWINSZ, b'\\0' * 8)",
      "size_before = size()",
      "out = b''",
      "typed = False",
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
      "    if not typed and b'READY' in out:",
      "        time.sleep(0.3)",
      "        os.write(fd, b'secret\\r')",
      "        typed = True",
      "_, st = os.waitpid(pid, 0)",
      "for line in out.decode(errors='replace').replace('\\r', '').split('\\n'):",
      "    print('c.' + line)",
      "print('termios_same=%s' % (termios.tcgetattr(fd) == before))",
      "print('size_same=%s' % (size() == size_before))",
      "print('status=%d' % os.waitstatus_to_exitcode(st))");

  /** The child JVM: starts one container as {@code args[0]} says, with this JVM's stdio. */
  public static void main(String[] args) throws Exception {
    ContainerSpec.Builder b = ContainerSpec.builder();
    switch (args[0]) {
      case "relay" -> b.command("python3", "-c", PROBE).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
      case "unrelayed" -> b.command("python3", "-c", PROBE).stdout(Redirect.inheritUnrelayed())
          .stderr(Redirect.inheritUnrelayed());
      case "relay-stdin" -> b.command("sh", "-c", "echo link0=$(readlink /proc/self/fd/0); echo READY; read x; "
          + "echo got=$x").stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
      case "stdin" -> b.command("true").stdin(Redirect.INHERIT).stdout(Redirect.PIPE).stderr(Redirect.PIPE);
      default -> throw new IllegalArgumentException(args[0]);
    }
    int code;
    try (Container c = Container.start(b.build())) {
      code = c.waitFor().code();
    } catch (ContainerStartException e) {
      System.out.println("refused=" + e.getMessage());
      code = 125;
    }
    System.out.flush();
    System.exit(code);
  }

  @Test
  void anInheritedTerminalIsRelayed_theContainerCannotReadOrReconfigureIt() throws Exception {
    Map<String, String> on = onPty("relay");
    assertThat(on).containsEntry("status", "0");
    for (String fd : new String[] {"1", "2"}) {
      assertThat(on.get("c.link" + fd)).as("fd %s of the container", fd).startsWith("pipe:[");
    }
    assertThat(on).containsEntry("c.link0", "/dev/null") // no -i: stdin is /dev/null
        .containsEntry("c.read2", "EBADF") // the write end of a pipe
        .containsEntry("c.tcsets1", "ENOTTY").containsEntry("c.winsz2", "ENOTTY")
        .containsEntry("c.tiocsti1", "EPERM") // the seccomp rule answers before the pipe's ENOTTY
        .doesNotContainKey("c.typed")
        .containsEntry("termios_same", "True").containsEntry("size_same", "True");

    // Protection off: the JVM's own descriptor on the terminal, passed directly.
    Map<String, String> off = onPty("unrelayed");
    assertThat(off.get("c.link2")).startsWith("/dev/pts/");
    assertThat(off).containsEntry("c.read2", "OK") // read-write: the keyboard can be read
        .containsEntry("c.tcsets1", "OK").containsEntry("c.winsz2", "OK")
        .containsEntry("c.tiocsti1", "EPERM") // still: the seccomp rule, see the tty test's off run
        .containsEntry("c.typed", "secret") // the keys typed on the caller's terminal
        .containsEntry("termios_same", "False").containsEntry("size_same", "False"); // left changed
  }

  @Test
  void anInheritedTerminalAsStdinIsRelayedToo() throws Exception {
    // Redirect.INHERIT for stdin (containerj run -i): the container reads what is typed, through a pipe.
    Map<String, String> r = onPty("relay-stdin");
    assertThat(r).containsEntry("status", "0").containsEntry("c.got", "secret")
        .containsEntry("termios_same", "True");
    assertThat(r.get("c.link0")).startsWith("pipe:[");
  }

  @Test
  void ttyGivesTheContainerATerminalOfItsOwn_andTiocstiIsDenied() throws Exception {
    String script = "tty; stty size; python3 -c \"import fcntl, termios, errno\n"
        + "try:\n  fcntl.ioctl(0, termios.TIOCSTI, b'x'); print('tiocsti=OK')\n"
        + "except OSError as e: print('tiocsti=' + errno.errorcode[e.errno])\"; "
        + "stat -c owner=%u /dev/pts/0; echo READY; read x; echo got:$x; stty size";
    Redirect tty = Redirect.tty(111, 33);
    ContainerSpec.Builder spec = ContainerSpec.builder().command("sh", "-c", script)
        .user(ROOT ? 1000 : 0, ROOT ? 1000 : 0) // an ordinary user's map has one id
        .stdin(tty).stdout(tty).stderr(tty);
    List<String> on = interact(spec.build());
    assertThat(on).containsSubsequence("/dev/pts/0", "33 111", "tiocsti=EPERM", "owner=" + (ROOT ? 1000 : 0),
        "READY", "typed", "got:typed", "20 80");

    // Protection off: without the seccomp filter, TIOCSTI pushes input into the terminal: the 'x'
    // shows (echoed) before the result and is read back by the next read, as if typed.
    List<String> off = interact(spec.seccomp(SeccompProfile.unconfined()).build());
    assertThat(off).contains("xtiocsti=OK", "got:xtyped");
  }

  @Test
  void aFailedStartWithATerminalLeavesNoDescriptor() throws Exception {
    ContainerSpec spec = ContainerSpec.builder().command("true").stdin(Redirect.tty()).stdout(Redirect.tty())
        .build();
    boolean rootless = !ROOT;
    dev.containerj.namespaces.internal.HelperProgram program = dev.containerj.core.internal.ContainerStarter.program(
        spec, "0".repeat(32), "/x", dev.containerj.core.internal.StateStore.forCurrentUser().root().toString(),
        rootless, dev.containerj.core.internal.ContainerStarter.gidMappings(spec, rootless));
    int openPty = -1;
    for (int i = 0; i < program.size(); i++) {
      if (program.step(i).startsWith("open the container's terminal")) {
        openPty = i;
      }
    }
    assertThat(openPty).as("the program's terminal step").isPositive();
    Run.run(spec.toBuilder().stdin(Redirect.DISCARD).stdout(Redirect.PIPE).build()); // the JVM's lazy fds
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    int fdsBefore = openFds();
    for (FaultPlan plan : new FaultPlan[] {FaultPlan.javaStep("socketpair(pty)"), FaultPlan.helperStep(openPty),
        FaultPlan.javaStep("write(go)")}) {
      FaultPlan.install(plan);
      try {
        assertThatThrownBy(() -> Container.start(spec)).as("%s", plan).isInstanceOfSatisfying(
            ContainerStartException.class, x -> assertThat(x.errno()).hasValue(FaultPlan.INJECTED_ERRNO));
      } finally {
        FaultPlan.install(null);
      }
    }
    assertThat(openFds()).as("fds of this JVM after the failed starts").isEqualTo(fdsBefore);
  }

  private static int openFds() throws java.io.IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    }
  }

  @Test
  void aDirectoryAsStdinIsRefused_andWithoutTheCheckLeadsToTheHostsFiles() throws Exception {
    Path base = Files.createTempDirectory("cj-stdio-");
    try {
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path dir = Files.createDirectory(base.resolve("dir"));
      Path marker = Files.writeString(base.resolve("marker"), "host-only");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(marker, PosixFilePermissions.fromString("rw-r--r--"));
      ContainerSpec spec = Run.sh("cat /proc/self/fd/0/../marker; echo").stdin(Redirect.file(dir)).build();

      assertThatThrownBy(() -> Run.run(spec)).isInstanceOf(ContainerStartException.class)
          .hasMessageContaining("check stdin (fd 0) (" + dir + ") failed: EISDIR")
          .hasMessageContaining("/proc/self/fd/0/..");

      // The helper's own check, with the Java one skipped (as when the path became a directory after it).
      FaultPlan.install(FaultPlan.skipStdioChecks(false));
      try {
        assertThatThrownBy(() -> Run.run(spec)).isInstanceOf(ContainerStartException.class)
            .hasMessageContaining("check stdin (fd 0) failed: EISDIR");
      } finally {
        FaultPlan.install(null);
      }

      // Protection off: both checks skipped, the container reads the host's file through fd 0.
      FaultPlan.install(FaultPlan.skipStdioChecks(true));
      Run.Result off;
      try {
        off = Run.run(spec);
      } finally {
        FaultPlan.install(null);
      }
      assertThat(off.out().trim()).isEqualTo("host-only");
    } finally {
      try (var s = Files.walk(base)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aDirectoryOrOPathDescriptorInheritedAsStdinIsRefused() throws Exception {
    // The child JVM's fd 0 is the directory /, or an O_PATH descriptor; its container asks for INHERIT.
    for (String open : new String[] {"os.O_RDONLY | os.O_DIRECTORY", "os.O_PATH"}) {
      Map<String, String> r = childWithStdin(open);
      assertThat(r).as("stdin opened with %s", open).containsEntry("status", "125");
      assertThat(r.get("refused")).contains("check stdin (fd 0) failed: "
          + (open.contains("O_PATH") ? "EBADF" : "EISDIR")).contains("/proc/self/fd/0/..");
    }
  }

  // --- helpers ---

  /** Runs the child JVM in {@code mode} on a pty; the driver's report. */
  private static Map<String, String> onPty(String mode) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", DRIVER));
    cmd.addAll(childJvm(mode));
    return keyValues(exec(cmd));
  }

  /** Runs the child JVM in mode "stdin" with fd 0 opened by Python with {@code flags} on "/". */
  private static Map<String, String> childWithStdin(String flags) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c",
        "import os, subprocess, sys\nfd = os.open('/', " + flags + ")\n"
            + "r = subprocess.run(sys.argv[1:], stdin=fd)\nprint('status=%d' % r.returncode)"));
    cmd.addAll(childJvm("stdin"));
    return keyValues(exec(cmd));
  }

  private static List<String> childJvm(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", SecureDefaultsTest.childClassPath(),
        "-Dcontainerj.stateDir=" + dev.containerj.core.internal.StateStore.forCurrentUser().root(),
        TerminalTest.class.getName(), mode);
  }

  private static String exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
        new java.io.File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static Map<String, String> keyValues(String out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    m.put("_output", out);
    return m;
  }

  /**
   * Runs a container with a terminal: waits for READY, resizes the terminal to 80x20, types "typed"
   * and returns what the terminal showed, line by line.
   */
  private static List<String> interact(ContainerSpec spec) throws Exception {
    ByteArrayOutputStream shown = new ByteArrayOutputStream();
    try (Container c = Container.start(spec)) {
      InputStream master = c.stdout();
      OutputStream keys = c.stdin();
      assertThat(master).isNotNull();
      assertThat(keys).isNotNull();
      assertThat(c.stderr().read()).as("stderr goes to the terminal too: its own stream reads EOF").isEqualTo(-1);
      Thread reader = new Thread(() -> {
        byte[] buf = new byte[4096];
        try {
          for (int n; (n = master.read(buf)) > 0; ) {
            synchronized (shown) {
              shown.write(buf, 0, n);
            }
          }
        } catch (java.io.IOException e) {
          // ends with the container
        }
      });
      reader.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!text(shown).contains("READY") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      c.resizeTerminal(80, 20);
      keys.write("typed\n".getBytes(StandardCharsets.UTF_8));
      keys.flush();
      assertThat(c.waitFor(java.time.Duration.ofSeconds(30))).as("exit; terminal:%n%s", text(shown)).isPresent();
      reader.join(10_000);
      assertThat(reader.isAlive()).as("the master reached end-of-file").isFalse();
    }
    return List.of(text(shown).replace("\r", "").split("\n"));
  }

  private static String text(ByteArrayOutputStream b) {
    synchronized (b) {
      return b.toString(StandardCharsets.UTF_8);
    }
  }
}
