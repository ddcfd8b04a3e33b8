package dev.containerj.examples.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's {@code start} without a JVM ({@code fast_start} in src/main/launchers/containerj)
 * against the JVM's ({@code RuntimeMain.startCreated}, the same launcher with
 * {@code CONTAINERJ_FAST_START=off}): for a created container both leave the same record, the same
 * {@code state} and a running payload; for every bad or doubtful command line or state both give the
 * same exit code, stdout, stderr and log line (the fast path then hands the call to the JVM before
 * changing anything). The launcher is a copy of the script next to a jar whose manifest names this
 * test's class path; no AOT cache is recorded ({@code CONTAINERJ_CACHE=off}).
 */
@Tag("kernel")
@Timeout(300)
class RuntimeFastStartTest {
  private static final String FAST_LINE = "without a JVM";

  @TempDir Path tmp;
  private Path launcher;
  private Path root;
  private Path bundle;
  private final List<String> made = new ArrayList<>();

  record Result(int code, String out, String err, String log) {}

  @BeforeEach
  void install() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("install/bin"));
    launcher = bin.resolve("containerj-runtime");
    Files.copy(Path.of("src/main/launchers/containerj"), launcher);
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, Stream.of(System.getProperty("java.class.path")
        .split(File.pathSeparator)).map(e -> Path.of(e).toUri().toString()).collect(Collectors.joining(" ")));
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp.resolve("install/containerj.jar")), m)) {
      // the manifest is the whole jar
    }
    root = tmp.resolve("root");
    bundle = tmp.resolve("bundle");
    OciRuntimeTest.busyboxRootfs(bundle, "sleep");
    String config = dev.containerj.oci.OciConfigWriter.defaultConfig()
        .replaceFirst("\"terminal\"\\s*:\\s*true", "\"terminal\": false")
        .replaceFirst("\"args\"\\s*:\\s*\\[[^\\]]*\\]", "\"args\": [\"/bin/sleep\", \"600\"]");
    assertThat(config).contains("\"/bin/sleep\"").contains("\"terminal\": false");
    Files.writeString(bundle.resolve("config.json"), config);
  }

  @AfterEach
  void deleteAll() throws Exception {
    for (String id : made) {
      call(Map.of("CONTAINERJ_FAST_START", "off"), "--root", root.toString(), "delete", "--force", id);
    }
    if (Files.isDirectory(root)) {
      try (Stream<Path> left = Files.list(root)) {
        assertThat(left.toList()).as("state left under --root").isEmpty();
      }
    }
  }

  @Test
  void aCreatedContainerStartsTheSameWithAndWithoutAJvm() throws Exception {
    create("fast");
    create("slow");
    Result fast = start(true, "fast");
    Result slow = start(false, "slow");
    assertThat(fast.err()).as("the launcher did the start itself").contains("containerj-launcher: start fast " + FAST_LINE);
    assertThat(slow.err()).doesNotContain(FAST_LINE);
    assertThat(withoutDebug(fast)).isEqualTo(withoutDebug(slow)).isEqualTo(new Result(0, "", "", ""));

    for (String id : List.of("fast", "slow")) {
      assertThat(root.resolve(id).resolve("exec.fifo")).doesNotExist();
      Result state = call(Map.of(), "--root", root.toString(), "state", id);
      assertThat(state.out()).contains("\"status\" : \"running\"");
      String pid = state.out().replaceAll("(?s).*\"pid\" : ([0-9]+).*", "$1");
      // released: the payload is the bundle's, past its execve
      assertThat(Files.readString(Path.of("/proc", pid, "cmdline"))).startsWith("/bin/sleep");
    }
    // The record byte for byte, but for the values that name one container.
    assertThat(normalized("fast")).isEqualTo(normalized("slow"));
    assertThat(normalizedState("fast")).isEqualTo(normalizedState("slow"));
  }

  @Test
  void badAndDoubtfulCallsGetTheJvmsAnswerWithTheFastPathOnAndOff() throws Exception {
    create("made");
    create("stopped");
    Result kill = call(Map.of(), "--root", root.toString(), "kill", "stopped", "KILL");
    assertThat(kill.code()).isZero();
    awaitStopped("stopped");
    create("twice");
    assertThat(start(true, "twice").code()).isZero();
    create("hooks");
    // A record that says there are late hooks: the JVM's (it reads config.json for them).
    Path hooksRecord = root.resolve("hooks/state.json");
    Files.writeString(hooksRecord, Files.readString(hooksRecord).replace("\"lateHooks\":false", "\"lateHooks\":true"));
    String r = root.toString();
    String log = tmp.resolve("log.json").toString();
    List<List<String>> calls = List.of(
        List.of("--root", r, "start", "nosuch"),
        List.of("--root", r, "--log", log, "--log-format", "json", "start", "nosuch"),
        List.of("--root=" + r, "--log=" + log, "--log-format=text", "start", "nosuch"),
        List.of("--root", r, "start", "../" + root.getFileName() + "/made"),
        List.of("--root", r, "start", "a/b"),
        List.of("--root", r, "start", ".made"),
        List.of("--root", r, "start", "ma..de"),
        List.of("--root", r, "start", "-made"),
        List.of("--root", r, "start", "mad\u00e9"),
        List.of("--root", r, "start", "x".repeat(1025)),
        List.of("--root", r, "start"),
        List.of("--root", r, "--log-format", "yaml", "start", "made"),
        List.of("--root", r, "--systemd-cgroup", "start", "made"),
        List.of("--root", r, "start", "stopped"),
        List.of("--root", r, "start", "twice"),
        List.of("--root", r, "stat", "made"),
        List.of("--root", r + "/nosuch", "start", "made"));
    for (List<String> c : calls) {
      String[] args = c.toArray(String[]::new);
      Files.deleteIfExists(Path.of(log));
      Result on = call(Map.of("CONTAINERJ_LAUNCHER_DEBUG", "1"), args);
      Files.deleteIfExists(Path.of(log));
      Result off = call(Map.of("CONTAINERJ_LAUNCHER_DEBUG", "1", "CONTAINERJ_FAST_START", "off"), args);
      assertThat(on.err()).as("%s", c).doesNotContain(FAST_LINE);
      assertThat(withoutDebug(on)).as("%s", c).isEqualTo(withoutDebug(off));
      assertThat(on.code()).as("%s", c).isEqualTo(1);
    }
    assertThat(Files.readString(root.resolve("made/state.json"))).as("made was left as it was")
        .contains("\"status\":\"created\"");

    // A state directory reached through a link is never the launcher's: the JVM starts "made"
    // through it (RuntimeMain follows it), and the launcher's own start of "made" then refuses
    // as the JVM's does.
    Path linked = Files.createSymbolicLink(root.resolve("linked"), root.resolve("made"));
    Result viaLink = start(true, "linked");
    Files.delete(linked);
    assertThat(viaLink.err()).doesNotContain(FAST_LINE);
    assertThat(viaLink.code()).as(viaLink.err()).isZero();
    Result on = start(true, "made");
    Result off = start(false, "made");
    assertThat(withoutDebug(on)).isEqualTo(withoutDebug(off));
    assertThat(on.err()).contains("container made is running, not created");

    // The record with late hooks: started, but by the JVM.
    Result hooks = start(true, "hooks");
    assertThat(hooks.code()).isZero();
    assertThat(hooks.err()).doesNotContain(FAST_LINE);
  }

  private void create(String id) throws Exception {
    made.add(id);
    Result r = call(Map.of(), "--root", root.toString(), "create", "--bundle", bundle.toString(), id);
    assertThat(r.code()).as("create %s: %s", id, r.err()).isZero();
  }

  private Result start(boolean fast, String id) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("CONTAINERJ_LAUNCHER_DEBUG", "1"));
    if (!fast) {
      env.put("CONTAINERJ_FAST_START", "off");
    }
    return call(env, "--root", root.toString(), "start", id);
  }

  private void awaitStopped(String id) throws Exception {
    for (int i = 0; i < 300; i++) {
      if (call(Map.of(), "--root", root.toString(), "state", id).out().contains("\"status\" : \"stopped\"")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(id + " never stopped");
  }

  /** ROOT/ID/state.json with the id, pid, start time and library id replaced by placeholders. */
  private String normalized(String id) throws IOException {
    return Files.readString(root.resolve(id).resolve("state.json")).replace("\"id\":\"" + id + "\"", "\"id\":\"ID\"")
        .replaceAll("\"pid\":[0-9]+", "\"pid\":0").replaceAll("\"startTime\":\"[0-9]+\"", "\"startTime\":\"0\"")
        .replaceAll("\"containerjId\":\"[0-9a-f]+\"", "\"containerjId\":\"0\"");
  }

  private String normalizedState(String id) throws Exception {
    return call(Map.of(), "--root", root.toString(), "state", id).out().replace("\"" + id + "\"", "\"ID\"")
        .replaceAll("\"pid\" : [0-9]+", "\"pid\" : 0");
  }

  /** The result without the launcher's debug lines and with the log's time stamps left out. */
  private static Result withoutDebug(Result r) {
    String err = r.err().lines().filter(l -> !l.startsWith("containerj-launcher: "))
        .map(l -> l + "\n").collect(Collectors.joining());
    String log = r.log().replaceAll("\"time\":\"[^\"]*\"", "\"time\":\"T\"").replaceAll("time=\"[^\"]*\"", "time=\"T\"");
    return new Result(r.code(), r.out(), err, log);
  }

  private Result call(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("env", "CONTAINERJ_CACHE=off"));
    env.forEach((k, v) -> command.add(k + "=" + v));
    command.add(launcher.toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("timed out: " + command);
    }
    Path log = tmp.resolve("log.json");
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err),
        Files.exists(log) ? Files.readString(log) : "");
  }
}
