package dev.containerj.examples.cli;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerInfo;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code containerj ps}: the containers of this user that the state directory records, by any JVM. */
@Command(name = "ps", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Lists this user's containers recorded in the state directory, started by any JVM.",
        "OWNER is the JVM that started it; 'dead' marks an orphan that 'containerj reap' removes."})
final class PsCommand implements Callable<Integer> {
  private static final String FORMAT = "%-12s  %8s  %-7s  %-14s  %-20s  %s%n";

  @Spec
  @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
    List<ContainerInfo> all = Container.list();
    out.printf(FORMAT, "ID", "PID", "STATE", "OWNER", "CREATED", "COMMAND");
    for (ContainerInfo c : all) {
      out.printf(FORMAT, c.id().substring(0, Math.min(12, c.id().length())), c.pid(),
          c.running() ? "running" : "exited",
          c.detached() ? "detached" : c.ownerPid() + (c.ownerAlive() ? "" : " (dead)"),
          c.created().truncatedTo(ChronoUnit.SECONDS), c.command());
    }
    out.flush();
    return 0;
  }
}
