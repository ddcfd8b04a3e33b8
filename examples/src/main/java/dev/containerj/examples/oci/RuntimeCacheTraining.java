package dev.containerj.examples.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * {@code delete}, on a bundle whose root is the host's {@code /} read-only and whose payload is
 * {@code /bin/true}. Without it the cache holds only the classes of {@code containerj run}, and
 * each runtime call loaded and verified the JSON mapper and the OCI reader from the jar (about
 * 0.1 s of every call). A host that refuses the container (an ordinary user: the default config has
 * no user namespace) still records the classes loaded until the refusal.
 */
public final class RuntimeCacheTraining {
  private RuntimeCacheTraining() {}

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
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(Files.readString(file));
    ObjectNode process = (ObjectNode) config.path("process");
    process.put("terminal", false);
    process.putArray("args").add("/bin/true");
    config.putObject("root").put("path", "/").put("readonly", true);
    Files.writeString(file, config.toString());
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
