package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.seccomp.SeccompArch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test helper of the escape tests: runs a Python script in a container and returns what it printed
 * as {@code key=value} lines. The script makes raw system calls through ctypes and prints the errno
 * name ({@code EPERM}) or {@code OK}, so a test asserts exactly what the kernel answered.
 *
 * <p>The containers run on the host's {@code /} (read-only), so the host's {@code python3} is
 * available inside them. Only the Python standard library is used.
 */
final class EscapeProbe {
  static final boolean ROOT = LibC.geteuid() == 0;

  /** The running architecture's system call numbers: the table the seccomp compiler uses. */
  static final Map<String, Integer> SYSCALLS = syscallTable(SeccompArch.current());

  /**
   * Functions every script gets. {@code sc(name, args...)} makes the raw call {@code name} (ints
   * become longs, str becomes a C string, anything else is passed as is) and returns "OK" or the
   * errno name; {@code os_call(f)} does the same for an {@code os} function; {@code out(k, v)}
   * prints one result line.
   */
  private static final String PRELUDE = String.join("\n",
      "import ctypes, errno, os, sys",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "libc.syscall.restype = ctypes.c_long",
      "NR = {" + SYSCALLS.entrySet().stream()
          .map(e -> "'" + e.getKey() + "':" + e.getValue()).collect(Collectors.joining(",")) + "}",
      "def _arg(a):",
      "    if isinstance(a, int): return ctypes.c_long(a)",
      "    if isinstance(a, str): return ctypes.c_char_p(a.encode())",
      "    return a",
      "def sc_raw(name, *args):",
      "    ctypes.set_errno(0)",
      "    r = libc.syscall(ctypes.c_long(NR[name]), *[_arg(a) for a in args])",
      "    return r, (ctypes.get_errno() if r == -1 else 0)",
      "def ename(e):",
      "    return errno.errorcode.get(e, str(e))",
      "def sc(name, *args):",
      "    r, e = sc_raw(name, *args)",
      "    return 'OK' if r != -1 else ename(e)",
      "def os_call(f, *args):",
      "    try:",
      "        f(*args)",
      "        return 'OK'",
      "    except OSError as e:",
      "        return ename(e.errno)",
      "def out(k, v):",
      "    print(k + '=' + str(v), flush=True)",
      "");

  /**
   * Script lines for the window tests: find the one other process that has no_new_privs but no
   * seccomp filter yet (a container process held before its filter), print {@code window}, then
   * attack it and print what the kernel answered: {@code seize} (PTRACE_SEIZE), {@code mem} (open of
   * {@code /proc/PID/mem}) and {@code fds} (the links of {@code /proc/PID/fd/N}, or the errno). When
   * none shows up within 30 s it prints {@code released=0} and sleeps.
   */
  static final String WINDOW_ATTACK = windowAttack("'NoNewPrivs:\\t1' in st and 'Seccomp:\\t0' in st",
      "NoNewPrivs=1 Seccomp=0");

  /**
   * {@link #WINDOW_ATTACK} for another window: the target is the one other process whose
   * {@code /proc/PID/status} text {@code st} makes the Python expression {@code found} true; the
   * {@code window} line then says {@code label}.
   */
  static String windowAttack(String found, String label) {
    return String.join("\n",
      "me = os.getpid()",
      "pid = None",
      "end = time.time() + 30",
      "while pid is None and time.time() < end:",
      "    for d in os.listdir('/proc'):",
      "        if d.isdigit() and int(d) != me:",
      "            try:",
      "                st = open('/proc/' + d + '/status').read()",
      "            except OSError:",
      "                continue",
      "            if " + found + ":",
      "                pid = int(d)",
      "    time.sleep(0.005)",
      "out('window', '" + label + "' if pid else 'not reached')",
      "if pid is None:",
      "    out('released', 0)",
      "    time.sleep(60)",
      "child = os.fork()",
      "if child == 0:",
      // PTRACE_SEIZE from a child: its exit detaches the tracee (ptrace(2)).
      "    os._exit(sc_raw('ptrace', 0x4206, pid, 0, 0)[1])",
      "_, st = os.waitpid(child, 0)",
      "code = os.waitstatus_to_exitcode(st)",
      "out('seize', 'OK' if code == 0 else ename(code))",
      "try:",
      "    fd = os.open('/proc/%d/mem' % pid, os.O_RDONLY)",
      "    os.close(fd)",
      "    out('mem', 'OK')",
      "except OSError as e:",
      "    out('mem', ename(e.errno))",
      "try:",
      "    fds = sorted(os.listdir('/proc/%d/fd' % pid), key=int)",
      "    out('fds', ','.join(f + '>' + os.readlink('/proc/%d/fd/%s' % (pid, f)) for f in fds))",
      "except OSError as e:",
      "    out('fds', ename(e.errno))");
  }

  private EscapeProbe() {}

  /** The builder of a container that runs {@code script} (after the prelude) with python3 as pid 1. */
  static ContainerSpec.Builder python(String script) {
    return ContainerSpec.builder().command("python3", "-c", PRELUDE + script)
        .stdout(Redirect.PIPE).stderr(Redirect.PIPE);
  }

  /** Runs the spec, asserts that the script ended with status 0, and returns its results. */
  static Map<String, String> run(ContainerSpec.Builder spec) throws Exception {
    Run.Result r = Run.run(spec.build());
    assertThat(r.status().code()).as("python exit status; stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isZero();
    return parse(r.out());
  }

  /** Runs {@code script} in the container of {@code spec}: {@code run(python(script)...)} in one. */
  static Map<String, String> run(String script) throws Exception {
    return run(python(script));
  }

  /**
   * Reads {@code syscalls-ARCH.tbl} of the seccomp package. Read as a class path resource: its
   * package is not exported, and the tests run on the class path.
   */
  private static Map<String, Integer> syscallTable(SeccompArch arch) {
    String resource = "dev/containerj/namespaces/seccomp/internal/syscalls-" + arch.kernelName() + ".tbl";
    Map<String, Integer> numbers = new LinkedHashMap<>();
    try (InputStream in = EscapeProbe.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("class path resource %s", resource).isNotNull();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      for (String line; (line = r.readLine()) != null; ) {
        String[] f = line.strip().split("\\s+");
        if (f.length == 2 && !f[0].startsWith("#")) {
          numbers.put(f[0], Integer.valueOf(f[1]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return numbers;
  }

  static Map<String, String> parse(String out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return m;
  }
}
