package dev.containerj.examples;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.ProcessSpec;
import dev.containerj.core.Security;
import dev.containerj.namespaces.ExitStatus;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The smallest complete use of ContainerJ: start a container, capture what it prints, and read how it
 * ended.
 *
 * <p>The container runs on the embedded default root filesystem (the host's {@code /} under an overlay whose changes vanish), so
 * it needs no image: {@code sh} is the host's own. It gets its own hostname (uts namespace), is pid 1
 * of its own pid namespace, and runs as uid 0 of its own user namespace.
 *
 * <p>Run it with {@code java -cp examples/target/containerj.jar dev.containerj.examples.HelloContainer}.
 * It exits 0 when the container printed {@code "hello from hello"} and exited with code 3, as asked,
 * and 1 otherwise; the test suite runs it on every build.
 */
public final class HelloContainer {
  /** The hostname the example gives its container. */
  public static final String HOSTNAME = "hello";

  /** The exit code the payload ends with, to show that it reaches Java. */
  public static final int PAYLOAD_EXIT_CODE = 3;

  private HelloContainer() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(System.out));
  }

  /**
   * Runs the example, printing the container's output and its exit status to {@code out}.
   *
   * @return 0 when the container behaved as expected, 1 otherwise
   */
  public static int run(PrintStream out) throws InterruptedException {
    // The first process: a ProcessSpec pipes stdout and stderr, so they become InputStreams of the
    // Container; redirectErrorStream puts both in stdout, in order. Unread pipes fill up and block
    // the payload, so read it (here: to the end) before waiting.
    ProcessSpec process = ProcessSpec.builder()
        .command("sh", "-c", "echo hello from $(hostname); exit " + PAYLOAD_EXIT_CODE)
        .redirectErrorStream(true)
        .build();
    ContainerSpec spec = ContainerSpec.builder()
        .process(process)
        .hostname(HOSTNAME)
        // Presets are values: the secure defaults, spelled out (Security.hardened() for untrusted code).
        .security(Security.defaults())
        .build();

    // The runtime of this user's default state directory and layer store; a program that needs its
    // own places builds one with ContainerRuntime.builder().
    ContainerRuntime runtime = ContainerRuntime.defaults();
    // A Container must be closed: close() kills whatever is left of it and removes its state.
    try (Container container = runtime.start(spec)) {
      String output;
      try (InputStream stdout = container.stdout()) {
        output = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        out.println("reading the container's stdout failed: " + e.getMessage());
        return 1;
      }
      ExitStatus status = container.waitFor();

      out.print(output);
      out.println("container " + status + " (shell code " + status.shellCode() + ")");

      boolean ok = output.equals("hello from " + HOSTNAME + "\n") && status.exited()
          && status.code() == PAYLOAD_EXIT_CODE;
      if (!ok) {
        out.println("unexpected: wanted \"hello from " + HOSTNAME + "\" and exit code " + PAYLOAD_EXIT_CODE);
      }
      return ok ? 0 : 1;
    }
  }
}
