package dev.containerj.examples.cli;

import dev.containerj.layers.Credentials;
import dev.containerj.layers.Registries;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code containerj login REGISTRY}: checks credentials and stores them in Podman's auth file. */
@Command(name = "login", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Logs in to a registry: checks the credentials and stores them in ${XDG_RUNTIME_DIR}/containers/auth.json (Podman's file).")
final class LoginCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Mixin
  PullCommand.RegistryOptions registry = new PullCommand.RegistryOptions();

  @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "The user name.")
  @Nullable String username;

  @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD", description = "The password (prefer --password-stdin).")
  @Nullable String password;

  @Option(names = "--password-stdin", description = "Read the password from stdin.")
  boolean passwordStdin;

  @Parameters(paramLabel = "REGISTRY", description = "The registry host[:port].")
  String host = "";

  @Override
  public Integer call() throws IOException {
    Credentials c;
    if (registry.creds != null) {
      c = Credentials.parse(registry.creds);
    } else {
      if (username == null) {
        throw new IllegalArgumentException("--username (or --creds USER:PASSWORD) is required");
      }
      String secret = password;
      if (passwordStdin) {
        secret = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      if (secret == null) {
        throw new IllegalArgumentException("--password or --password-stdin is required");
      }
      c = new Credentials(username, secret);
    }
    Path file = Registries.login(host, c, registry.options().build());
    PrintWriter out = ImageCommand.out(spec);
    out.println("Login Succeeded (credentials stored in " + file + ")");
    out.flush();
    return 0;
  }
}
