package dev.containerj.examples.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.oci.OciConfigWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that {@code containerj-runtime}, typically run as root by containerd or Podman, writes at
 * paths its caller chose: a link planted there by a user who can write the directory must not
 * make it write elsewhere (as runc's pid file: a new file with O_EXCL, then rename(2)).
 */
@Tag("kernel")
@Timeout(180)
class RuntimeHostFilesEscapeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path root;
  private Path bundle;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void bundle() throws IOException {
    root = tmp.resolve("root");
    bundle = tmp.resolve("bundle");
    OciRuntimeTest.busyboxRootfs(bundle, "sh");
    ObjectNode c = (ObjectNode) JSON.readTree(OciConfigWriter.defaultConfig());
    c.with("process").put("terminal", false);
    ArrayNode a = c.with("process").putArray("args");
    a.add("/bin/sh").add("-c").add("exit 0");
    Files.writeString(bundle.resolve("config.json"), c.toString());
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    if (Files.isDirectory(root)) {
      try (var s = Files.list(root)) {
        for (Path d : s.toList()) {
          call("delete", "--force", d.getFileName().toString());
        }
      }
    }
  }

  private int call(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), RuntimeMain.class.getName(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
    started.add(p);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  /**
   * A directory another user can write (0777 without the sticky bit, where the kernel's
   * protected_symlinks does not apply) holds links that nobody planted: {@code run.pid -> VICTIM}
   * (the name itself) and {@code .create.pid.tmp -> VICTIM} (the temporary name the create used).
   * Both pid files are written and the root-owned victim file is unchanged. Without the fix the
   * victim file held the container's pid (run wrote through the name, create through its
   * temporary file).
   */
  @Test
  void aLinkPlantedAtThePidFileOrItsTemporaryNameIsNotWrittenThrough() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "gives the planted links to nobody (chown -h), needs root");
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path victim = Files.writeString(tmp.resolve("victim.conf"), "victim\n");
    Files.createSymbolicLink(shared.resolve("run.pid"), victim);
    Files.createSymbolicLink(shared.resolve(".create.pid.tmp"), victim);
    Process chown = new ProcessBuilder("chown", "-h", "nobody", shared.resolve("run.pid").toString(),
        shared.resolve(".create.pid.tmp").toString()).inheritIO().start();
    assertThat(chown.waitFor()).isZero();

    int run = call("run", "--bundle", bundle.toString(), "--pid-file", shared.resolve("run.pid").toString(), "one");
    String said = Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8);
    assertThat(Files.readString(victim)).as("run wrote through the link: " + said).isEqualTo("victim\n");
    assertThat(run).as(said).isZero();
    assertThat(shared.resolve("run.pid")).isRegularFile();
    assertThat(Files.isSymbolicLink(shared.resolve("run.pid"))).isFalse();
    assertThat(Files.readString(shared.resolve("run.pid"))).matches("[0-9]+");

    int create = call("create", "--bundle", bundle.toString(), "--pid-file", shared.resolve("create.pid").toString(), "two");
    said = Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8);
    assertThat(Files.readString(victim)).as("create wrote through its temporary file: " + said).isEqualTo("victim\n");
    assertThat(create).as(said).isZero();
    assertThat(Files.readString(shared.resolve("create.pid"))).matches("[0-9]+");
    assertThat(Files.isSymbolicLink(shared.resolve(".create.pid.tmp"))).isTrue();
    assertThat(call("delete", "--force", "two")).isZero();
  }
}
