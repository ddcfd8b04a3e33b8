package dev.containerj.examples.cli;

import dev.containerj.core.Container;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code containerj reap}: kills and removes the containers whose owning JVM died. */
@Command(name = "reap", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Kills the containers whose owning JVM died (unless detached) and removes their state.")
final class ReapCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
    List<String> reaped = Container.reapOrphans();
    if (reaped.isEmpty()) {
      out.println("nothing to reap");
    }
    for (String id : reaped) {
      out.println("reaped " + id);
    }
    out.flush();
    return 0;
  }
}
