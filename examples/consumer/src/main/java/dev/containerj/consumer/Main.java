package dev.containerj.consumer;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerSpec;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Starts one container with the published ContainerJ artifacts and checks what it printed and how it
 * ended. The argument says how it was launched ({@code class-path} or {@code module-path}); the run
 * fails when ContainerJ was not loaded that way, so the module-path run cannot fall back silently.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    String expected = args.length == 1 ? args[0] : "";
    boolean named = Container.class.getModule().isNamed();
    String actual = named ? "module-path" : "class-path";
    if (!actual.equals(expected)) {
      fail("asked to run on the " + expected + " but ContainerJ was loaded from the " + actual
          + " (module " + Container.class.getModule() + ")");
    }
    ContainerSpec spec = ContainerSpec.builder()
        .command("sh", "-c", "echo consumer in $(hostname); exit 5")
        .hostname("consumer")
        .stdout(Redirect.PIPE)
        .build();
    String output;
    ExitStatus status;
    try (Container container = Container.start(spec)) {
      try (InputStream stdout = Objects.requireNonNull(container.stdout(), "stdout is piped")) {
        output = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
      }
      status = container.waitFor();
    }
    if (!output.equals("consumer in consumer\n") || !status.exited() || status.code() != 5) {
      fail("unexpected container result: output=" + output.strip() + ", status=" + status);
    }
    System.out.println("consumer (" + actual + ", " + Container.class.getModule() + "): "
        + output.strip() + ", " + status);
  }

  private static void fail(String message) {
    System.err.println("consumer: " + message);
    System.exit(1);
  }
}
