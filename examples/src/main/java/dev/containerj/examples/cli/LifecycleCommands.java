package dev.containerj.examples.cli;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerNotFoundException;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.Signal;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  /** The directory of the detached containers' logs: {@code STATE_DIR/logs}, 0700. */
  static Path logDirectory() throws IOException {
    Path dir = ContainerRuntime.defaults().stateDirectory().resolve("logs");
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another tool made it
      }
    }
    return dir;
  }

  /**
   * {@code run -d}: starts {@code spec} detached with its stdout and stderr appended to a log file of
   * the state directory, prints its id and returns without closing it, so it outlives this tool.
   */
  static int runDetached(ContainerSpec spec, boolean terminalOrStdin, boolean timeout, PrintWriter out,
      java.util.List<String> runArgs) {
    if (terminalOrStdin || timeout) {
      throw new IllegalArgumentException("-d contradicts " + (timeout ? "--timeout" : "-i and -t")
          + ": a detached container outlives this tool, which then has no stdin, terminal or timer for it");
    }
    try {
      Path logs = logDirectory();
      // Named by the id once it is known: the container's fds stay on the renamed file.
      Path starting = Files.createTempFile(logs, ".starting-", ".log");
      Container c;
      try {
        c = ContainerRuntime.defaults().start(spec.toBuilder().detached(true).stdin(Redirect.DISCARD)
            .stdout(Redirect.appendTo(starting)).stderr(Redirect.appendTo(starting)).build());
      } catch (RuntimeException e) {
        Files.deleteIfExists(starting);
        throw e;
      }
      Files.move(starting, logs.resolve(c.id() + ".log"));
      // The options of this run, NUL-separated: exec rebuilds the same spec from them (its confinement).
      Files.writeString(logs.resolve(c.id() + ".run"), String.join("\0", runArgs));
      out.println(c.id());
      out.flush();
      return 0;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("run -d: " + e.getMessage(), e);
    }
  }

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

  /** {@code containerj logs [-f] ID}. */
  @Command(name = "logs", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Prints the stdout and stderr of a container started with run -d; -f follows them until it ends.")
  static final class Logs implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Option(names = {"-f", "--follow"}, description = "keep printing what it writes until it ends")
    boolean follow;

    @Parameters(paramLabel = "ID", description = "the container's id or a unique prefix of it")
    String id = "";

    @Override
    public Integer call() throws Exception {
      Path file = logFile(id);
      String fullId = file.getFileName().toString().replace(".log", "");
      PrintWriter w = out(spec);
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[8192];
        while (true) {
          int n = in.read(buf);
          if (n > 0) {
            w.print(new String(buf, 0, n, StandardCharsets.UTF_8));
            w.flush();
            continue;
          }
          if (!follow) {
            break;
          }
          if (!running(fullId)) {
            // It has ended: what it wrote after the last read is all there is.
            w.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            break;
          }
          Thread.sleep(100);
        }
      }
      w.flush();
      return 0;
    }

    private static boolean running(String fullId) {
      return ContainerRuntime.defaults().list().stream().anyMatch(c -> c.id().equals(fullId) && c.running());
    }
  }

  /** The log file of the container {@code idOrPrefix} (started with run -d). */
  static Path logFile(String idOrPrefix) throws IOException {
    java.util.List<Path> matches = new java.util.ArrayList<>();
    Path dir = logDirectory();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      files.filter(f -> !idOrPrefix.isEmpty() && f.getFileName().toString().startsWith(idOrPrefix)
          && f.getFileName().toString().endsWith(".log")).forEach(matches::add);
    }
    if (matches.size() != 1) {
      throw new ContainerNotFoundException(idOrPrefix, matches.isEmpty()
          ? "no container started with run -d has the id " + idOrPrefix + " (its log would be in " + dir + ")"
          : "the id prefix " + idOrPrefix + " names " + matches.size() + " containers");
    }
    return matches.get(0);
  }

  /** {@code containerj exec [-i] [-e K=V] [-u UID[:GID]] [-w DIR] ID [--] CMD [ARG...]}. */
  @Command(name = "exec", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = {"Runs a command in a running container started with run -d, in all its namespaces and its "
          + "cgroup, with its seccomp filter, capabilities and no_new_privs; exits with the command's status."})
  static final class Exec implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Option(names = {"-i", "--interactive"}, description = "Give the command this process's stdin (else /dev/null).")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "Give the command a terminal of its own (a pty of the container's "
        + "/dev/pts) showing on this one; with -i this terminal is in raw mode until the command ends.")
    boolean tty;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Set a variable on top of the container's.")
    java.util.List<String> env = new java.util.ArrayList<>();

    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "Run as these numeric ids.")
    @Nullable String user;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container.")
    @Nullable String workdir;

    /** Test hook, as run's: the command's stdout and stderr through this command's writers. */
    @Option(names = "--pipe-output", hidden = true)
    boolean pipeOutput;

    @Parameters(index = "0", paramLabel = "ID", description = "the container's id or a unique prefix of it")
    String id = "";

    @Parameters(index = "1..*", paramLabel = "CMD", arity = "1..*", description = "the command and its arguments")
    java.util.List<String> command = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (!command.isEmpty() && command.get(0).equals("--")) {
        command.remove(0); // stop-at-positional keeps the separator after the id
      }
      if (command.isEmpty()) {
        throw new IllegalArgumentException("exec needs a command after the id");
      }
      Path runFile = logFile(id).resolveSibling(logFile(id).getFileName().toString().replace(".log", ".run"));
      java.util.List<String> runArgs = new java.util.ArrayList<>(java.util.List.of(Files.readString(runFile).split("\0", -1)));
      if (!runArgs.isEmpty() && runArgs.get(0).equals("run")) {
        runArgs.remove(0);
      }
      ContainerSpec containerSpec = RunCommand.parse(runArgs, new PrintWriter(System.err, true)).toSpec().toBuilder().detached(true).build();
      Container c = ContainerRuntime.defaults().attach(id, containerSpec);
      dev.containerj.core.ProcessSpec.Builder p = dev.containerj.core.ProcessSpec.builder().command(command);
      for (String e : env) {
        java.util.Map.Entry<String, String> kv = OptionParsers.env(e, System::getenv);
        if (kv != null) {
          p.env(kv.getKey(), kv.getValue());
        }
      }
      if (user != null) {
        OptionParsers.User u = OptionParsers.user(user);
        p.uid(u.uid()).gid(u.gid());
      }
      if (workdir != null) {
        p.workingDirectory(workdir);
      }
      if (tty) {
        // As run -t: fds 0-2 are the slave of a pty of the container's devpts (stdin fed only with -i).
        int[] size = TerminalRelay.callerSize();
        Redirect terminal = size == null ? Redirect.tty() : Redirect.tty(size[0], size[1]);
        p.stdin(terminal).stdout(terminal).stderr(terminal);
      } else {
        Redirect output = pipeOutput ? Redirect.PIPE : Redirect.INHERIT;
        p.stdin(interactive ? Redirect.INHERIT : Redirect.DISCARD).stdout(output).stderr(output);
      }
      PrintWriter out = out(spec);
      PrintWriter err = spec == null ? new PrintWriter(System.err, true) : spec.commandLine().getErr();
      try (dev.containerj.core.ExecProcess process = c.exec(p.build())) {
        TerminalRelay relay = null;
        Thread o;
        Thread e;
        if (tty && !pipeOutput) {
          relay = TerminalRelay.start(process.stdin(), process.stdout(), process::resizeTerminal, interactive,
              System.in, System.out);
          o = e = null;
        } else if (tty) {
          o = RunCommand.pump(process.stdout(), out, "exec-tty");
          e = null;
          if (interactive) {
            Thread in = new Thread(() -> {
              try {
                System.in.transferTo(process.stdin());
                process.stdin().close();
              } catch (IOException gone) {
                // the command ended
              }
            }, "exec-tty-in");
            in.setDaemon(true);
            in.start();
          }
        } else {
          o = RunCommand.pump(process.stdout(), out, "exec-stdout");
          e = RunCommand.pump(process.stderr(), err, "exec-stderr");
        }
        dev.containerj.namespaces.ExitStatus status = process.waitFor();
        if (relay != null) {
          relay.drain();
          relay.close();
        }
        if (o != null) {
          o.join(5000);
        }
        if (e != null) {
          e.join(5000);
        }
        out.flush();
        err.flush();
        return status.shellCode();
      }
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
      String removed = ContainerRuntime.defaults().remove(id, force);
      try {
        Files.deleteIfExists(logDirectory().resolve(removed + ".log"));
        Files.deleteIfExists(logDirectory().resolve(removed + ".run"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("rm: the log of " + removed + ": " + e.getMessage(), e);
      }
      out(spec).println(removed);
      out(spec).flush();
      return 0;
    }
  }
}
