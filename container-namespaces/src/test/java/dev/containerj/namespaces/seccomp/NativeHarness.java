package dev.containerj.namespaces.seccomp;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Builds the C programs of {@code src/test/c} with the system C compiler into a directory and runs
 * them: {@code seccomp-exec} installs a BPF program (as the native helper will) and execs a
 * command. Used by the real-kernel tests and the benchmark.
 */
public final class NativeHarness {
  /** The result of a run: exit status (128 + signal when killed, as Process reports it) and output. */
  public record Run(int exit, String output) {}

  private final Path dir;

  private NativeHarness(Path dir) {
    this.dir = dir;
  }

  /** Whether a C compiler named {@code cc} or {@code gcc} is on the PATH. */
  public static @Nullable String compiler() {
    for (String cc : new String[] {"gcc", "cc"}) {
      for (String p : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
        if (!p.isEmpty() && Files.isExecutable(Path.of(p, cc))) {
          return Path.of(p, cc).toString();
        }
      }
    }
    return null;
  }

  /** Compiles every program into {@code dir}; the sources are found next to the test classes. */
  public static NativeHarness build(String compiler, Path dir) throws IOException, InterruptedException {
    Path src = sourceDir();
    for (String name : List.of("seccomp-exec", "seccomp-probe", "getpid-loop")) {
      Run r = exec(List.of(compiler, "-O2", "-Wall", "-o", dir.resolve(name).toString(),
          src.resolve(name + ".c").toString()), 120);
      if (r.exit() != 0) {
        throw new IOException("cannot compile " + src.resolve(name + ".c") + ": " + r.output());
      }
    }
    return new NativeHarness(dir);
  }

  /** src/test/c of this module, found from target/test-classes (works from any working directory). */
  static Path sourceDir() throws IOException {
    try {
      Path classes = Path.of(NativeHarness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path src = classes.getParent().getParent().resolve("src/test/c");
      if (!Files.isDirectory(src)) {
        throw new IOException("C sources not found at " + src);
      }
      return src;
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
  }

  /** The path of a built program. */
  public Path program(String name) {
    return dir.resolve(name);
  }

  /** Writes {@code program} to a file in the harness directory and returns it. */
  public Path write(SeccompProgram program, String name) throws IOException {
    Path f = dir.resolve(name + ".bpf");
    Files.write(f, program.bytes());
    return f;
  }

  /** Runs {@code command} under {@code program} (null: no filter, the control run). */
  public Run run(@Nullable SeccompProgram program, String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(program("seccomp-exec").toString());
    if (program == null) {
      cmd.add("-");
      cmd.add("0");
    } else {
      cmd.add(write(program, "filter-" + System.nanoTime()).toString());
      cmd.add(Integer.toString(program.installFlags()));
    }
    cmd.addAll(List.of(command));
    return exec(cmd, 30);
  }

  /** Runs the probe with these operations under {@code program}. */
  public Run probe(@Nullable SeccompProgram program, String... ops) throws IOException, InterruptedException {
    String[] cmd = new String[ops.length + 1];
    cmd[0] = program("seccomp-probe").toString();
    System.arraycopy(ops, 0, cmd, 1, ops.length);
    return run(program, cmd);
  }

  static Run exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
    // Output goes to a file, so that a hanging child cannot block the reader past the timeout.
    Path out = Files.createTempFile("seccomp-run", ".out");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      try {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          throw new IOException("timed out after " + timeoutSeconds + " s: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        p.destroyForcibly();
        p.waitFor();
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
