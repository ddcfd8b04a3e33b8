package dev.containerj.examples.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.oci.internal.JsonTrees;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The OCI runtime's part of the launcher's cache workload ({@code CacheTraining}): the calls that
 * containerd and Podman make for every container, {@code create}, {@code start}, {@code state} and
 * {@code delete}, on a bundle whose root is an empty directory, read-only. Without it the cache
 * holds only the classes of {@code containerj run}, and each runtime call loaded and verified the
 * JSON mapper and the OCI reader from the jar (about 0.1 s of every call). A host that refuses the container (an ordinary user: the default config has
 * no user namespace) still records the classes loaded until the refusal.
 */
public final class RuntimeCacheTraining {
  private RuntimeCacheTraining() {}

  /**
   * The workload of the runtime's own cache (the launcher records it for {@code containerj-runtime}
   * under a name of its own): only the runtime's calls, so that a runtime call, which loads every
   * class of its AOT-linked cache at startup, does not also load the tool's (picocli and
   * {@code containerj run}). Prints nothing; exits 0 whatever the calls returned, since only the
   * classes they loaded matter.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    PrintStream none = new PrintStream(OutputStream.nullOutputStream());
    System.setOut(none);
    System.setErr(none);
    try {
      run();
    } catch (IOException | RuntimeException | LinkageError e) {
      // the classes loaded until then are recorded
    }
    System.exit(0);
  }

  /**
   * Runs the cycle in this JVM with its bundle and state root in a temporary directory, removed
   * afterwards; output discarded.
   *
   * @throws IOException when the bundle cannot be written
   */
  public static void run() throws IOException {
    Path dir = Files.createTempDirectory("containerj-cache-training-");
    try {
      cycle(dir);
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void cycle(Path dir) throws IOException {
    PrintStream none = new PrintStream(OutputStream.nullOutputStream());
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    String root = dir.resolve("state").toString();
    RuntimeMain.run(new String[] {"--version"}, none);
    RuntimeMain.run(new String[] {"spec", "--bundle", bundle.toString()}, none);
    Path file = bundle.resolve("config.json");
    ObjectNode config = JsonTrees.readObject(Files.readString(file));
    ObjectNode process = (ObjectNode) config.path("process");
    process.put("terminal", false);
    process.putArray("args").add("/bin/true");
    // An empty read-only root with the kernel filesystems' mount points: the host's / is refused
    // as a bundle's root (a container would write the host's files), and a refused create would
    // leave the classes of the container's start out of the cache. /bin/true is missing in it: the
    // payload's execve fails after start, which loads nothing the cycle would not.
    for (String d : new String[] {"proc", "dev", "sys"}) {
      Files.createDirectories(bundle.resolve("rootfs").resolve(d));
    }
    config.putObject("root").put("path", "rootfs").put("readonly", true);
    Files.writeString(file, JsonTrees.write(config));
    String id = "containerj-cache-training-" + ProcessHandle.current().pid();
    for (String[] call : new String[][] {
        {"--root", root, "create", "--bundle", bundle.toString(), id},
        {"--root", root, "state", id},
        {"--root", root, "start", id},
        {"--root", root, "delete", "--force", id}}) {
      RuntimeMain.run(call, none);
    }
  }
}
