package dev.containerj.examples.cli;

import dev.containerj.layers.Registries;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code containerj logout REGISTRY}: removes the stored credentials. */
@Command(name = "logout", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Removes a registry's credentials from the auth file.")
final class LogoutCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Mixin
  PullCommand.RegistryOptions registry = new PullCommand.RegistryOptions();

  @Parameters(paramLabel = "REGISTRY", description = "The registry host[:port].")
  String host = "";

  @Override
  public Integer call() throws IOException {
    boolean removed = Registries.logout(host, registry.options().build());
    PrintWriter out = ImageCommand.out(spec);
    out.println(removed ? "Removed login credentials for " + host : "Not logged in to " + host);
    out.flush();
    return removed ? 0 : 1;
  }
}
