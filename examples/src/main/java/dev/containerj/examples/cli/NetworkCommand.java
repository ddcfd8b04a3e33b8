package dev.containerj.examples.cli;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.Networks;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code containerj network ls|create|rm}: named bridge networks. */
@Command(name = "network", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Manages bridge networks (containerj0, 10.88.0.0/16, exists on first use). Needs root.",
    subcommands = {NetworkCommand.Ls.class, NetworkCommand.Create.class, NetworkCommand.Rm.class})
final class NetworkCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    if (spec != null) {
      spec.commandLine().usage(spec.commandLine().getErr());
    }
    return ExitCodes.CONTAINERJ_ERROR;
  }

  /** {@code network ls}. */
  @Command(name = "ls", mixinStandardHelpOptions = true, description = "Lists the networks.")
  static final class Ls implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = ImageCommand.out(spec);
      out.printf("%-15s  %-18s  %6s  %s%n", "NAME", "SUBNET", "LEASES", "BRIDGE");
      for (Networks.Info n : ContainerRuntime.defaults().networks().list()) {
        out.printf("%-15s  %-18s  %6d  %s%n", n.name(), n.subnet(), n.leases(), n.bridgeExists() ? "up" : "absent");
      }
      out.flush();
      return 0;
    }
  }

  /** {@code network create NAME --subnet CIDR}. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a bridge network.")
  static final class Create implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "network and bridge name (1-15 characters)")
    String name = "";

    @Option(names = "--subnet", required = true, paramLabel = "CIDR", description = "as 10.89.0.0/24")
    String subnet = "";

    @Option(names = "--internal", description = "containers reach each other only, never the host"
        + " (the bridge in a namespace of its own, without an address)")
    boolean internal;

    @Override
    public Integer call() throws IOException {
      Networks.Info n = internal ? ContainerRuntime.defaults().networks().createInternal(name, subnet) : ContainerRuntime.defaults().networks().create(name, subnet);
      ImageCommand.out(spec).println(n.name() + " " + n.subnet());
      ImageCommand.out(spec).flush();
      return 0;
    }
  }

  /** {@code network rm NAME}. */
  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Removes a network that no container uses.")
  static final class Rm implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Override
    public Integer call() throws IOException {
      ContainerRuntime.defaults().networks().remove(name);
      ImageCommand.out(spec).println("removed " + name);
      ImageCommand.out(spec).flush();
      return 0;
    }
  }
}
