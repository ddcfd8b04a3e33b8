package dev.containerj.examples.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The workload from which the launcher ({@code examples/src/main/launchers/containerj}) records its
 * class-data-sharing or AOT cache: the JVM run with {@code -XX:ArchiveClassesAtExit} (JDK 17-24) or
 * {@code -XX:AOTCacheOutput} (JDK 25+) keeps the classes this run loaded and linked.
 *
 * <p>A fixed workload rather than the user's first command: a cache recorded from {@code state}
 * or {@code --version} would leave the container start, the path that matters, uncached. It runs
 * what a cold {@code containerj run -- /bin/true} runs, a real container included (the classes of
 * the start path load only on it), then the OCI runtime's create, start, state and delete of a
 * bundle ({@code RuntimeCacheTraining}). When the host refuses the container (e.g. an ordinary user
 * without user namespaces) the classes up to the refusal are still recorded. Everything it prints
 * goes nowhere; its exit status is 0 whatever the commands returned, since only the loaded classes
 * matter.
 */
public final class CacheTraining {
  private CacheTraining() {}

  /**
   * Runs the workload.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    PrintStream none = new PrintStream(OutputStream.nullOutputStream());
    System.setOut(none);
    System.setErr(none);
    ContainerjCommand.quietLibraryLogs();
    execute("--version");
    execute("run", "--", "/bin/true");
    try {
      // The OCI runtime's calls (containerd makes four per container) share this cache.
      dev.containerj.examples.oci.RuntimeCacheTraining.run();
    } catch (java.io.IOException | RuntimeException | LinkageError e) {
      // the classes loaded until then are recorded
    }
    System.exit(0);
  }

  private static void execute(String... args) {
    try {
      // The tool's own dispatch, so that run takes the fast parser's path, as a user's run does.
      PrintWriter none = new PrintWriter(OutputStream.nullOutputStream());
      ContainerjCommand.execute(none, none, null, args);
    } catch (RuntimeException | LinkageError e) {
      // a host that refuses part of the workload: the classes loaded until then are recorded
    }
  }
}
