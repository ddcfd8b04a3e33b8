package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The fast parser of {@code run} against picocli, the reference: every command line it takes means
 * the same to both (the same value in every option field), and it leaves to picocli the forms whose
 * reading picocli decides.
 */
class RunOptionTest {
  /** Command lines after {@code run} that the fast parser must take, each form at least once. */
  private static final List<List<String>> TAKEN = List.of(
      List.of("--", "/bin/true"),
      List.of("/bin/true"),
      List.of(),
      List.of("sh", "-c", "echo --hostname x; exit 3"),
      List.of("--hostname", "box", "-e", "A=1", "-e", "B", "--env=C=3", "-w", "/tmp", "-u", "1000:1000", "id"),
      List.of("-it", "--init", "--", "sh"),
      List.of("-ti", "-d"),
      List.of("--rootfs", "/srv/root", "--rootfs-rw", "--read-only", "ls", "-l"),
      List.of("-v", "/a:/b:ro", "--volume=/c:/d", "--tmpfs", "/run:size=1m", "--tmpfs-size", "16m", "true"),
      List.of("--network", "bridge", "-p", "8080:80", "--publish", "127.0.0.1:9:9/udp", "--ip", "10.0.0.5",
          "--dns", "1.1.1.1", "--add-host", "h:10.0.0.1", "true"),
      List.of("--image", "alpine", "--pull", "never"),
      List.of("--timeout", "500ms", "--ulimit", "nofile=64:128", "--cap-add", "NET_ADMIN", "--cap-drop", "ALL",
          "-m", "64m", "--memory-swap", "128m", "--pids-limit", "10", "--cpuset-cpus", "0",
          "--device-read-bps", "/dev/vda:1m", "--device-write-bps", "/dev/vda:2m", "true"),
      List.of("--security-opt", "seccomp=unconfined", "--security-opt=no-new-privileges=false", "--userns", "host",
          "--hardened", "--privileged", "--pipe-output", "--detach", "--", "--", "-x"),
      List.of("--", "-x", "--hostname", "y"),
      List.of("true", "--", "x"),
      List.of("", "arg"));

  /** Command lines that picocli must read (an error, help, or a form the fast parser does not take). */
  private static final List<List<String>> LEFT = List.of(
      List.of("--bogus", "true"),
      List.of("--help"),
      List.of("-h"),
      List.of("--version"),
      List.of("--debug", "true"),
      List.of("--hostname"),
      List.of("--hostname", "-x", "true"),
      List.of("--hostname=", "true"),
      List.of("--hostname", "a", "--hostname", "b", "true"),
      List.of("--init", "--init", "true"),
      List.of("--init=true", "true"),
      List.of("-eFOO=1", "true"),
      List.of("-e=FOO", "true"),
      List.of("-ie", "FOO", "true"),
      List.of("-", "true"),
      List.of("@args-file"),
      List.of("--", "echo", "@file"),
      List.of("-e", "@x", "true"),
      List.of("--memory-swap", "-1", "-m", "1m", "true"),
      List.of("--cpus", "0.5", "true"),
      List.of("--cpu-weight=100", "true"),
      List.of("-x"));

  @Test
  void whatTheFastParserTakesMeansTheSameToPicocli() throws Exception {
    for (List<String> args : TAKEN) {
      RunCommand fast = new RunCommand();
      assertThat(RunOption.fastParse(args, 0, fast)).as("fast parser takes %s", args).isTrue();
      assertThat(fields(fast)).as("values of %s", args).isEqualTo(fields(picocli(args)));
    }
  }

  @Test
  void theFastParserLeavesTheRestToPicocli() {
    for (List<String> args : LEFT) {
      assertThat(RunOption.fastParse(args, 0, new RunCommand())).as("fast parser leaves %s", args).isFalse();
    }
    // and from an offset, as the tool calls it after "run"
    assertThat(RunOption.fastParse(List.of("run", "--help"), 1, new RunCommand())).isFalse();
    assertThat(RunOption.fastParse(List.of("run", "--", "/bin/true"), 1, new RunCommand())).isTrue();
  }

  @Test
  void typedOptionsReachTheFieldsThroughPicocli() throws Exception {
    RunCommand c = picocli(List.of("--cpus", "0.5", "--cpu-weight", "100", "true"));
    assertThat(c.cpus).isEqualTo(0.5);
    assertThat(c.cpuWeight).isEqualTo(100L);
    assertThat(c.command).containsExactly("true");
  }

  @Test
  void picocliModelHasEveryOptionOnceWithItsNames() {
    CommandLine cl = RunCommand.commandLine();
    for (RunOption o : RunOption.values()) {
      if (o.kind == RunOption.Kind.OPERANDS) {
        assertThat(cl.getCommandSpec().positionalParameters()).singleElement()
            .satisfies(p -> assertThat(p.paramLabel()).isEqualTo(o.label));
        continue;
      }
      OptionSpec spec = cl.getCommandSpec().findOption(o.names.get(0));
      assertThat(spec).as("%s", o).isNotNull();
      assertThat(Arrays.asList(spec.names())).as("%s", o).containsExactlyInAnyOrderElementsOf(o.names);
      assertThat(spec.hidden()).isEqualTo(o.kind == RunOption.Kind.HIDDEN_FLAG);
    }
    // the option fields of RunCommand are exactly those that RunOption sets: no field without an option
    assertThat(cl.getCommandSpec().options().stream().filter(s -> !s.usageHelp() && !s.versionHelp()).count())
        .isEqualTo(RunOption.values().length - 1);
  }

  @Test
  void theToolsRunGoesTheFastWayAndBadOptionsStillGetPicocliMessages() {
    Tool.Result unknown = Tool.execute("run", "--bogus", "true");
    assertThat(unknown.code()).isEqualTo(125);
    assertThat(unknown.err()).isEqualTo("containerj: Unknown option: '--bogus'\nSee 'containerj run --help'.\n");
    Tool.Result badNumber = Tool.execute("run", "--cpus", "abc", "true");
    assertThat(badNumber.err()).isEqualTo("containerj: Invalid value for option '--cpus': 'abc' is not a double\n"
        + "See 'containerj run --help'.\n");
    Tool.Result twice = Tool.execute("run", "--hostname", "a", "--hostname", "b", "true");
    assertThat(twice.code()).isEqualTo(125);
    assertThat(twice.err()).startsWith("containerj: option '--hostname' (").contains("should be specified only once");
    Tool.Result help = Tool.execute("run", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).startsWith("Usage: containerj run [-dhitV] [--debug]").contains("--pids-limit=N");
  }

  private static RunCommand picocli(List<String> args) {
    CommandLine cl = RunCommand.commandLine();
    RunCommand c = (RunCommand) cl.getCommand();
    RunOption.copyMatched(cl.parseArgs(args.toArray(String[]::new)), c);
    return c;
  }

  /** Every option field of the command by name (lists copied), for a comparison. */
  private static Map<String, Object> fields(RunCommand c) throws IllegalAccessException {
    Map<String, Object> values = new TreeMap<>();
    for (Field f : RunCommand.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || List.of("spec", "out", "err", "originalArgs", "hostEnv").contains(f.getName())) {
        continue;
      }
      Object v = f.get(c);
      values.put(f.getName(), v instanceof List<?> l ? new ArrayList<>(l) : String.valueOf(v));
    }
    return values;
  }
}
