package dev.containerj.examples.cli;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Runs the tool in-process with captured output. */
final class Tool {
  private Tool() {}

  /** What one run of the tool gave. */
  record Result(int code, String out, String err) {
    List<String> outLines() {
      return out.lines().toList();
    }
  }

  /** {@code containerj ARGS}. */
  static Result execute(String... args) {
    return execute(null, args);
  }

  static Result execute(@Nullable Function<String, @Nullable String> hostEnv, String... args) {
    // The tool's own dispatch: a run the fast parser takes never meets picocli, as in main.
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ContainerjCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), hostEnv, args);
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * {@code containerj run --pipe-output RUNARGS}: the container's stdout and stderr come back
   * through Java (an inherited fd would write to the JVM's real fd 1, out of reach of the test).
   */
  static Result run(String... runArgs) {
    return run(null, runArgs);
  }

  static Result run(@Nullable Function<String, @Nullable String> hostEnv, String... runArgs) {
    List<String> args = new ArrayList<>(List.of("run", "--pipe-output"));
    args.addAll(List.of(runArgs));
    return execute(hostEnv, args.toArray(String[]::new));
  }

  /** The state records of containers that this JVM started and that still exist. */
  static List<ContainerInfo> ownedByThisJvm() {
    long self = ProcessHandle.current().pid();
    return Container.list().stream().filter(c -> c.ownerPid() == self).toList();
  }
}
