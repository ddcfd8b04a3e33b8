package dev.containerj.examples.cli;

import dev.containerj.core.ContainerStartException;
import dev.containerj.linux.Errno;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code containerj} command-line tool: {@code run}, {@code ps}, {@code reap} and {@code bench}
 * on top of the ContainerJ library.
 *
 * <p>Errors of the tool itself (a bad option, an invalid spec, a failed start step) print one line
 * {@code "containerj: what: why"} on stderr and exit 125, as docker does; {@code --debug} adds the
 * stack trace. A command that cannot be executed exits 126, one that is not found 127.
 */
@Command(name = "containerj", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    description = "Runs Linux containers from a JVM, with no daemon.")
public final class ContainerjCommand implements Runnable {
  /**
   * The subcommands, added by {@link #commandLine(String...)} rather than listed in the annotation:
   * picocli builds the reflective model of every listed command up front (about a third of a cold
   * start), so a command line that names one command gets only that one.
   */
  private static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(RunCommand.class, PsCommand.class,
      ReapCommand.class, ImageCommand.class, NetworkCommand.class,
      LifecycleCommands.Kill.class, LifecycleCommands.Stop.class, LifecycleCommands.Rm.class, LifecycleCommands.Logs.class, LifecycleCommands.Exec.class,
      BenchCommand.class, PullCommand.class, LoginCommand.class, LogoutCommand.class);

  @Spec
  CommandSpec spec = CommandSpec.create();

  @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print the stack trace of an error.")
  boolean debug;

  ContainerjCommand() {}

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: run, ps, reap, bench or help");
  }

  /**
   * Held so that the level set in main stays (java.util.logging keeps loggers weakly); set on the
   * way to a command only, {@code --version} does without the logging classes.
   */
  private static java.util.logging.@org.jspecify.annotations.Nullable Logger quiet;

  public static void main(String[] args) {
    // The tool says what matters on its own (one line per error, warnings for --privileged and
    // --userns host); the library's informational log lines (e.g. a default it cannot apply on this
    // host) would otherwise mix into the payload's stderr.
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      // The one answer that needs no command model: picocli's would cost ten times the JVM's start.
      // A return, not System.exit: Runtime.exit looks up a System.Logger (JDK 17.0.9+), more
      // classes to load; no other thread runs yet.
      for (String line : VersionText.lines()) {
        System.out.println(line);
      }
      return;
    }
    quietLibraryLogs();
    System.exit(execute(args));
  }

  /** Sets the level that keeps the library's informational lines off the payload's stderr. */
  static void quietLibraryLogs() {
    quiet = java.util.logging.Logger.getLogger("dev.containerj");
    quiet.setLevel(java.util.logging.Level.WARNING);
  }

  /** Runs the tool with {@code args} and returns its exit status (System.out and System.err). */
  public static int execute(String... args) {
    return execute(null, null, null, args);
  }

  /**
   * Runs the tool with {@code args}, writing to {@code out} and {@code err} (null: System.out and
   * System.err, through picocli's writers when picocli runs the command); {@code hostEnv}, when
   * given, is where {@code run -e NAME} looks up values (tests). A {@code run} whose options the fast
   * parser takes ({@link RunOption#fastParse}) starts without picocli's model (about 20-25 ms of a
   * cold start); any other command line goes through picocli.
   */
  static int execute(@org.jspecify.annotations.Nullable PrintWriter out, @org.jspecify.annotations.Nullable PrintWriter err,
      java.util.function.@org.jspecify.annotations.Nullable Function<String, @org.jspecify.annotations.Nullable String> hostEnv,
      String... args) {
    if (args.length > 0 && args[0].equals("run")) {
      RunCommand run = new RunCommand();
      if (RunOption.fastParse(java.util.Arrays.asList(args), 1, run)) {
        if (hostEnv != null) {
          run.hostEnv = hostEnv;
        }
        if (out != null) {
          run.out = out;
        }
        if (err != null) {
          run.err = err;
        }
        run.originalArgs = java.util.List.of(args);
        try {
          return run.run();
        } catch (Exception e) {
          return report(e, run.err, false);
        } finally {
          run.out.flush();
          run.err.flush();
        }
      }
    }
    CommandLine cl = commandLine(args);
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    CommandLine run = cl.getSubcommands().get("run");
    if (hostEnv != null && run != null) {
      ((RunCommand) run.getCommand()).hostEnv = hostEnv;
    }
    return cl.execute(args);
  }

  /** The tool's command line, with its error handling; set its out and err writers to capture output. */
  public static CommandLine commandLine() {
    return commandLine(new String[0]);
  }

  /**
   * The tool's command line for {@code args}: with only the subcommand they name when they name one
   * (the others' models are never built), else with all of them (help, a typo, no command).
   */
  static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new ContainerjCommand());
    Class<?> named = namedSubcommand(args);
    for (Class<?> c : SUBCOMMANDS) {
      if (named == null || c == named) {
        // run's options are RunOption's, added to its picocli model by RunCommand.commandLine().
        cl.addSubcommand(c == RunCommand.class ? RunCommand.commandLine() : c);
      }
    }
    cl.addSubcommand(CommandLine.HelpCommand.class);
    // docker-like: everything after the command's name belongs to the command.
    for (String name : new String[] {"run", "exec"}) {
      CommandLine sub = cl.getSubcommands().get(name);
      if (sub != null) {
        sub.setStopAtPositional(true);
      }
    }
    cl.setParameterExceptionHandler(ContainerjCommand::onBadArguments);
    cl.setExecutionExceptionHandler(ContainerjCommand::onError);
    return cl;
  }

  /** The subcommand class that the first non-option argument names, or null. */
  private static @org.jspecify.annotations.Nullable Class<?> namedSubcommand(String... args) {
    for (String a : args) {
      if (a.startsWith("-")) {
        continue; // the root's options (--debug) take no value
      }
      for (Class<?> c : SUBCOMMANDS) {
        Command command = c.getAnnotation(Command.class);
        if (command.name().equals(a) || java.util.Arrays.asList(command.aliases()).contains(a)) {
          return c;
        }
      }
      return null;
    }
    return null;
  }

  private static int onBadArguments(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("containerj: " + e.getMessage());
    err.println("See '" + cl.getCommandSpec().qualifiedName() + " --help'.");
    err.flush();
    return ExitCodes.CONTAINERJ_ERROR;
  }

  private static int onError(Exception e, CommandLine cl, ParseResult parsed) {
    return report(e, cl.getErr(), debugRequested(parsed));
  }

  /** The one line of an error on {@code err} (and its stack trace when {@code debug}); the exit status. */
  private static int report(Exception e, PrintWriter err, boolean debug) {
    err.println("containerj: " + message(e));
    if (debug) {
      e.printStackTrace(err);
    }
    err.flush();
    return exitCode(e);
  }

  /** 126 or 127 for a payload that execve could not run, else 125. */
  static int exitCode(Throwable e) {
    if (e instanceof ContainerStartException s) {
      if (s.commandNotFound()) {
        return ExitCodes.NOT_FOUND;
      }
      if (s.commandNotExecutable()) {
        return ExitCodes.NOT_EXECUTABLE;
      }
    }
    return ExitCodes.CONTAINERJ_ERROR;
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    boolean known = e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException
        || e instanceof dev.containerj.core.ContainerException || e instanceof java.io.IOException
        || e instanceof java.io.UncheckedIOException;
    if (m == null || m.isBlank()) {
      return e.getClass().getName();
    }
    if (e instanceof ContainerStartException s && s.call().startsWith("mount(")
        && s.error().equals(java.util.Optional.of(Errno.ENOENT))) {
      // The library creates missing mount targets only in the writable host root.
      return m + " (the mount target must already exist in this root filesystem)";
    }
    // A bug of the tool or the library reads differently from a user error, even without --debug.
    return known ? m : "internal error: " + e.getClass().getName() + ": " + m;
  }

  private static boolean debugRequested(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--debug")) {
        return true;
      }
    }
    return false;
  }
}
