package dev.containerj.examples.cli;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.namespaces.Signal;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code containerj kill}, {@code stop} and {@code rm}: Docker's verbs on a running container of
 * this user's state directory, started by any JVM (typically detached). An unknown id exits 125
 * with one line, as every containerj error.
 */
final class LifecycleCommands {
  private LifecycleCommands() {}

  private static PrintWriter out(@Nullable CommandSpec spec) {
    return spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
  }

  /** A signal by name ({@code TERM}, {@code SIGTERM}) or number ({@code 15}). */
  static Signal signal(String text) {
    String t = text.toUpperCase(Locale.ROOT);
    if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
      Signal s = Signal.of(Integer.parseInt(t));
      if (s == null) {
        throw new IllegalArgumentException("-s " + text + ": no such signal number");
      }
      return s;
    }
    try {
      return Signal.valueOf(t.startsWith("SIG") ? t : "SIG" + t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("-s " + text + ": no such signal (TERM, KILL, HUP, INT, USR1, ... or a number)");
    }
  }

  /** {@code containerj kill [-s SIG] ID}. */
  @Command(name = "kill", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Sends a signal (default KILL) to the pid 1 of a running container.")
  static final class Kill implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Option(names = {"-s", "--signal"}, paramLabel = "SIG", description = "signal name or number (default KILL)")
    String signal = "KILL";

    @Parameters(paramLabel = "ID", description = "the container's id or a unique prefix of it")
    String id = "";

    @Override
    public Integer call() {
      Signal s = signal(signal);
      Container c = ContainerRuntime.defaults().attach(id);
      c.signal(s);
      out(spec).println(c.id());
      out(spec).flush();
      return 0;
    }
  }

  /** {@code containerj stop [-t SECONDS] ID}. */
  @Command(name = "stop", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Sends SIGTERM to a running container's pid 1, and SIGKILL if it still runs after the grace period.")
  static final class Stop implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "grace period before SIGKILL (default 10)")
    int seconds = 10;

    @Parameters(paramLabel = "ID", description = "the container's id or a unique prefix of it")
    String id = "";

    @Override
    public Integer call() throws Exception {
      if (seconds < 0) {
        throw new IllegalArgumentException("-t must be >= 0: " + seconds);
      }
      Container c = ContainerRuntime.defaults().attach(id);
      c.signal(Signal.SIGTERM);
      try {
        c.onExit().handle((s, e) -> null).get(seconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        c.kill(); // as docker stop: a pid 1 without a SIGTERM handler ignores it
        c.onExit().handle((s, x) -> null).get(10, TimeUnit.SECONDS);
      }
      out(spec).println(c.id());
      out(spec).flush();
      return 0;
    }
  }

  /** {@code containerj rm [-f] ID}. */
  @Command(name = "rm", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Removes a container's state; -f kills a running one first.")
  static final class Rm implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Option(names = {"-f", "--force"}, description = "kill it first if it runs")
    boolean force;

    @Parameters(paramLabel = "ID", description = "the container's id or a unique prefix of it")
    String id = "";

    @Override
    public Integer call() {
      out(spec).println(ContainerRuntime.defaults().remove(id, force));
      out(spec).flush();
      return 0;
    }
  }
}
