package dev.containerj.examples.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.oci.OciConfigWriter;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifecycle conformance of {@code containerj-runtime}, written from the runtime spec (runtime.md,
 * "Lifecycle", "State", "Operations"), each call in its own JVM as a client runs it
 * ({@code java -cp <test class path> RuntimeMain}, which is what the launcher runs): a busybox
 * bundle run with its output and exit status, its pid file, the state while it runs and after,
 * kill and delete in each state, an id used twice, the poststart and poststop hooks in order with
 * the state on stdin, and errors as JSON log lines.
 */
@Tag("kernel")
@Timeout(180)
class OciRuntimeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path root;
  private Path bundle;
  private final List<Process> started = new ArrayList<>();

  record Result(int code, String out, String err) {}

  @BeforeEach
  void bundle() throws IOException {
    root = tmp.resolve("root");
    bundle = tmp.resolve("bundle");
    busyboxRootfs(bundle, "sh", "sleep", "cat", "echo", "hostname");
  }

  /**
   * {@code bundle/rootfs} with the directories a runtime mounts on, {@code /bin/busybox} and a link
   * to it for each of {@code tools}; its path.
   */
  static Path busyboxRootfs(Path bundle, String... tools) throws IOException {
    Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
    for (String d : List.of("proc", "dev", "sys", "tmp", "etc", "bin")) {
      Files.createDirectories(rootfs.resolve(d));
    }
    assertThat(Path.of("/bin/busybox")).as("needs busybox-static at /bin/busybox").exists();
    Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
    for (String tool : tools) {
      Files.createSymbolicLink(rootfs.resolve("bin").resolve(tool), Path.of("busybox"));
    }
    return rootfs;
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    if (Files.isDirectory(root)) {
      List<Path> left;
      try (var s = Files.list(root)) {
        left = s.toList();
      }
      for (Path d : left) {
        // A created container has no run process that ends it: remove it, then fail.
        call("delete", "--force", d.getFileName().toString());
      }
      assertThat(left).as("state left under --root").isEmpty();
    }
  }

  private void config(String... args) throws IOException {
    config(null, args);
  }

  private void config(ObjectNode hooks, String... args) throws IOException {
    ObjectNode c = (ObjectNode) JSON.readTree(OciConfigWriter.defaultConfig());
    c.with("process").put("terminal", false);
    ArrayNode a = c.with("process").putArray("args");
    for (String s : args) {
      a.add(s);
    }
    c.putObject("annotations").put("org.example.key", "value");
    if (hooks != null) {
      c.set("hooks", hooks);
    }
    Files.writeString(bundle.resolve("config.json"), c.toString());
  }

  private ProcessBuilder runtime(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), RuntimeMain.class.getName(), "--root", root.toString(),
        "--log", tmp.resolve("log.json").toString(), "--log-format", "json"));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }

  private Result call(String... args) throws Exception {
    File out = tmp.resolve("out").toFile();
    File err = tmp.resolve("err").toFile();
    Process p = runtime(args).redirectOutput(out).redirectError(err).start();
    started.add(p);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
  }

  private Process background(String... args) throws IOException {
    Process p = runtime(args).redirectOutput(tmp.resolve("bg-out").toFile()).redirectError(tmp.resolve("bg-err").toFile()).start();
    started.add(p);
    return p;
  }

  private JsonNode awaitRunning(String id) throws Exception {
    for (int i = 0; i < 600; i++) {
      Result r = call("state", id);
      if (r.code() == 0) {
        JsonNode s = JSON.readTree(r.out());
        if (s.path("status").asText().equals("running")) {
          return s;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("container " + id + " never ran: " + Files.readString(tmp.resolve("bg-err")));
  }

  @Test
  void runPassesStdioReturnsTheExitStatusWritesThePidFileAndLeavesNothing() throws Exception {
    config("/bin/sh", "-c", "echo out from $(hostname); echo err >&2; exit 3");
    Path pidFile = tmp.resolve("pid");
    Result r = call("run", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "one");
    assertThat(r.out()).isEqualTo("out from containerj\n");
    assertThat(r.err()).isEqualTo("err\n");
    assertThat(r.code()).isEqualTo(3);
    assertThat(Files.readString(pidFile)).matches("[1-9][0-9]*");
    assertThat(call("state", "one").code()).as("run removes the container when its process ends").isEqualTo(1);
  }

  @Test
  void stateKillAndDeleteFollowTheLifecycle() throws Exception {
    config("/bin/sleep", "600");
    Process run = background("run", "--bundle", bundle.toString(), "two");
    JsonNode s = awaitRunning("two");
    assertThat(s.path("ociVersion").asText()).isEqualTo("1.2.0");
    assertThat(s.path("id").asText()).isEqualTo("two");
    assertThat(s.path("bundle").asText()).isEqualTo(bundle.toString());
    assertThat(s.path("annotations").path("org.example.key").asText()).isEqualTo("value");
    int pid = s.path("pid").asInt();
    assertThat(Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"))).startsWith("/bin/sleep");

    // an id names one container
    Result again = call("run", "--bundle", bundle.toString(), "two");
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("container two already exists");
    // a running container is not deleted without --force
    Result delete = call("delete", "two");
    assertThat(delete.code()).isEqualTo(1);
    assertThat(delete.err()).contains("is running");
    assertThat(call("list", "--format", "json").out()).contains("\"id\":\"two\"");

    assertThat(call("kill", "two", "KILL").code()).isZero();
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).as("128 + SIGKILL").isEqualTo(137);
    assertThat(Files.exists(Path.of("/proc", Integer.toString(pid)))).isFalse();
    Result gone = call("kill", "two", "KILL");
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err()).contains("container two does not exist");
  }

  @Test
  void execRunsInTheRunningContainer() throws Exception {
    config("/bin/sleep", "600");
    Process run = background("run", "--bundle", bundle.toString(), "six");
    int pid = awaitRunning("six").path("pid").asInt();
    Result r = call("exec", "six", "--", "/bin/sh", "-c", "echo in $(hostname); cat /proc/1/comm; exit 4");
    assertThat(r.out()).isEqualTo("in containerj\nsleep\n");
    assertThat(r.code()).isEqualTo(4);
    Path process = tmp.resolve("process.json");
    Files.writeString(process, "{\"args\":[\"/bin/echo\",\"from file\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"]}");
    Result f = call("exec", "--process", process.toString(), "six");
    assertThat(f.out()).isEqualTo("from file\n");
    assertThat(f.code()).isZero();
    assertThat(call("kill", "six", "9").code()).isZero();
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.exists(Path.of("/proc", Integer.toString(pid)))).isFalse();
  }

  @Test
  void deleteForceKillsARunningContainer() throws Exception {
    config("/bin/sleep", "600");
    Process run = background("run", "--bundle", bundle.toString(), "three");
    int pid = awaitRunning("three").path("pid").asInt();
    assertThat(call("delete", "--force", "three").code()).isZero();
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.exists(Path.of("/proc", Integer.toString(pid)))).isFalse();
    assertThat(call("state", "three").code()).isEqualTo(1);
  }

  @Test
  void poststartThenPoststopRunOnTheHostWithTheStateOnStdin() throws Exception {
    Path log = tmp.resolve("hooks.log");
    ObjectNode hooks = JSON.createObjectNode();
    for (String name : List.of("poststart", "poststop")) {
      hooks.putArray(name).addObject().put("path", "/bin/sh").putArray("args").add("sh").add("-c")
          .add("read state; echo \"" + name + " $state\" >> " + log);
    }
    config(hooks, "/bin/sh", "-c", "sleep 1");
    assertThat(call("run", "--bundle", bundle.toString(), "four").code()).isZero();
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith("poststart {").contains("\"id\":\"four\"").contains("\"status\":\"running\"");
    assertThat(lines.get(1)).startsWith("poststop {").contains("\"status\":\"stopped\"");
  }

  @Test
  void errorsAreJsonLogLinesNamingTheReason() throws Exception {
    config("/bin/true");
    ObjectNode c = (ObjectNode) JSON.readTree(Files.readString(bundle.resolve("config.json")));
    // a host-wide parameter: refused by its JSON path (net.* of the container's own netns is allowed)
    c.with("linux").putObject("sysctl").put("kernel.panic", "1");
    Files.writeString(bundle.resolve("config.json"), c.toString());
    Result r = call("run", "--bundle", bundle.toString(), "five");
    assertThat(r.code()).isEqualTo(1);
    Result sd = call("--systemd-cgroup", "state", "five");
    assertThat(sd.code()).isEqualTo(1);
    List<String> lines = Files.readAllLines(tmp.resolve("log.json"));
    assertThat(lines).hasSize(2);
    JsonNode first = JSON.readTree(lines.get(0));
    assertThat(first.path("level").asText()).isEqualTo("error");
    assertThat(first.path("msg").asText()).contains("linux.sysctl").contains("kernel.panic").contains("change the host's value");
    assertThat(JSON.readTree(lines.get(1)).path("msg").asText()).contains("--systemd-cgroup is not supported");
  }

  /** A call whose stdout and stderr go to their own files (a created container keeps them). */
  private Result callTo(String name, String... args) throws Exception {
    Path out = tmp.resolve(name + ".out");
    Path err = tmp.resolve(name + ".err");
    Process p = runtime(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    started.add(p);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private String status(String id) throws Exception {
    Result r = call("state", id);
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out()).path("status").asText();
  }

  private String awaitStatus(String id, String want) throws Exception {
    String last = "";
    for (int i = 0; i < 300 && !(last = status(id)).equals(want); i++) {
      Thread.sleep(100);
    }
    return last;
  }

  /** The library's cgroups of a container made by create (named by its library id), on any hierarchy. */
  private List<Path> cgroupsOf(String id) throws IOException {
    String libId = JSON.readTree(Files.readString(root.resolve(id).resolve("state.json"))).path("containerjId").asText();
    assertThat(libId).isNotEmpty();
    List<Path> found = new ArrayList<>();
    try (var s = Files.find(Path.of("/sys/fs/cgroup"), 6, (p, a) -> a.isDirectory()
        && p.getFileName() != null && p.getFileName().toString().equals(libId))) {
      s.forEach(found::add);
    }
    return found;
  }

  @Test
  void createLeavesTheProcessWaitingBeforeItsExecveAndStartReleasesIt() throws Exception {
    config("/bin/sh", "-c", "echo ran as $(cat /proc/1/comm); exit 5");
    Path pidFile = tmp.resolve("create.pid");
    Result c = callTo("create", "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "seven");
    assertThat(c.code()).as(c.err()).isZero();
    JsonNode s = JSON.readTree(call("state", "seven").out());
    assertThat(s.path("status").asText()).isEqualTo("created");
    int pid = s.path("pid").asInt();
    assertThat(Files.readString(pidFile)).isEqualTo(Integer.toString(pid));
    // The create's JVM has exited; its container process lives on, not yet the payload (no execve).
    assertThat(Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"))).startsWith("containerj-helper");
    List<Path> cgroups = cgroupsOf("seven");
    assertThat(Files.readString(tmp.resolve("create.out"))).as("nothing of the payload ran").isEmpty();

    assertThat(call("start", "seven").code()).isZero();
    assertThat(awaitStatus("seven", "stopped")).isEqualTo("stopped");
    // stdio 0-2 of the create passed through to the payload
    assertThat(Files.readString(tmp.resolve("create.out"))).isEqualTo("ran as sh\n");
    Result again = call("start", "seven");
    assertThat(again.code()).as("a stopped container cannot start again").isEqualTo(1);
    assertThat(again.err()).contains("is stopped, not created");

    assertThat(call("delete", "seven").code()).isZero();
    assertThat(call("state", "seven").code()).isEqualTo(1);
    assertThat(cgroups).as("delete removes the cgroups the create made").allMatch(p -> !Files.exists(p));
  }

  @Test
  void killAndDeleteInEveryStateAndOneIdOnce() throws Exception {
    config("/bin/sleep", "600");
    // created: delete needs --force, kill ends it, delete then removes it
    assertThat(callTo("c1", "create", "--bundle", bundle.toString(), "eight").code()).isZero();
    Result dup = call("create", "--bundle", bundle.toString(), "eight");
    assertThat(dup.code()).isEqualTo(1);
    assertThat(dup.err()).contains("container eight already exists");
    Result notStopped = call("delete", "eight");
    assertThat(notStopped.code()).isEqualTo(1);
    assertThat(notStopped.err()).contains("is created");
    int pid = JSON.readTree(call("state", "eight").out()).path("pid").asInt();
    assertThat(call("kill", "eight", "KILL").code()).isZero();
    assertThat(awaitStatus("eight", "stopped")).isEqualTo("stopped");
    Result late = call("start", "eight");
    assertThat(late.code()).isEqualTo(1);
    assertThat(call("delete", "eight").code()).isZero();
    assertThat(call("state", "eight").code()).isEqualTo(1);

    // created, deleted by force
    assertThat(callTo("c2", "create", "--bundle", bundle.toString(), "eight").code()).isZero();
    pid = JSON.readTree(call("state", "eight").out()).path("pid").asInt();
    List<Path> cgroups = cgroupsOf("eight");
    assertThat(call("delete", "--force", "eight").code()).isZero();
    assertThat(Path.of("/proc", Integer.toString(pid), "cmdline")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(Files.readString(p)).isEmpty()); // gone or a zombie
    assertThat(cgroups).allMatch(p -> !Files.exists(p));

    // running: kill with a signal, delete after; and delete --force of a running one
    assertThat(callTo("c3", "create", "--bundle", bundle.toString(), "eight").code()).isZero();
    assertThat(call("start", "eight").code()).isZero();
    assertThat(status("eight")).isEqualTo("running");
    assertThat(call("delete", "eight").code()).isEqualTo(1);
    assertThat(call("kill", "eight", "SIGKILL").code()).isZero();
    assertThat(awaitStatus("eight", "stopped")).isEqualTo("stopped");
    Result killStopped = call("kill", "eight", "KILL");
    assertThat(killStopped.code()).as("kill of a stopped container is an error").isEqualTo(1);
    assertThat(call("delete", "eight").code()).isZero();
    assertThat(callTo("c4", "create", "--bundle", bundle.toString(), "eight").code()).isZero();
    assertThat(call("start", "eight").code()).isZero();
    assertThat(call("delete", "--force", "eight").code()).isZero();
    assertThat(call("state", "eight").code()).isEqualTo(1);
  }

  @Test
  void hooksRunInTheSpecsOrderWithTheStateOnStdin() throws Exception {
    Path log = tmp.resolve("hooks.log");
    ObjectNode hooks = JSON.createObjectNode();
    for (String name : List.of("createRuntime", "prestart", "poststart", "poststop")) {
      hooks.putArray(name).addObject().put("path", "/bin/sh").putArray("args").add("sh").add("-c")
          .add("read state; echo \"" + name + " $state\" >> " + log);
    }
    config(hooks, "/bin/sh", "-c", "echo payload >> " + "/dev/null");
    assertThat(callTo("create", "create", "--bundle", bundle.toString(), "nine").code()).isZero();
    assertThat(Files.readAllLines(log)).hasSize(2);
    assertThat(call("start", "nine").code()).isZero();
    assertThat(awaitStatus("nine", "stopped")).isEqualTo("stopped");
    assertThat(call("delete", "nine").code()).isZero();
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertThat(lines).extracting(l -> l.substring(0, l.indexOf(' ')))
        .containsExactly("createRuntime", "prestart", "poststart", "poststop");
    assertThat(lines.get(0)).contains("\"id\":\"nine\"").contains("\"status\":\"created\"").contains("\"pid\":");
    assertThat(lines.get(1)).contains("\"status\":\"created\"");
    assertThat(lines.get(2)).contains("\"status\":\"running\"");
    assertThat(lines.get(3)).contains("\"status\":\"stopped\"");
  }

  @Test
  void psPauseAndResumeUseTheContainersCgroup() throws Exception {
    config("/bin/sh", "-c", "sleep 600 & while :; do echo tick; sleep 0.05; done");
    assertThat(callTo("create", "create", "--bundle", bundle.toString(), "twelve").code()).isZero();
    int pid = JSON.readTree(call("state", "twelve").out()).path("pid").asInt();
    assertThat(call("start", "twelve").code()).isZero();
    JsonNode pids = null;
    for (int i = 0; i < 100; i++) {
      pids = JSON.readTree(call("ps", "--format", "json", "twelve").out());
      if (pids.size() >= 2) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(pids).extracting(JsonNode::asInt).contains(pid);
    assertThat(pids.size()).as("the shell and its sleep").isGreaterThanOrEqualTo(2);
    assertThat(call("ps", "twelve").out()).contains("sleep 600");

    assertThat(call("pause", "twelve").code()).isZero();
    assertThat(status("twelve")).isEqualTo("paused");
    Path ticks = tmp.resolve("create.out"); // the create's stdout, which the payload kept
    long before = Files.size(ticks);
    Thread.sleep(400);
    assertThat(Files.size(ticks)).as("a frozen container does not run").isEqualTo(before);
    assertThat(call("pause", "twelve").code()).as("paused twice").isEqualTo(1);
    assertThat(call("resume", "twelve").code()).isZero();
    assertThat(status("twelve")).isEqualTo("running");
    Thread.sleep(400);
    assertThat(Files.size(ticks)).isGreaterThan(before);
    assertThat(call("pause", "twelve").code()).isZero();
    assertThat(call("delete", "--force", "twelve").code()).as("a paused container is deleted too").isZero();
    assertThat(call("state", "twelve").code()).isEqualTo(1);
  }

  /**
   * A client's linux.cgroupsPath (from the hierarchy's root) is resolved below the runtime's own
   * cgroup: nothing is made at the client's path; a path with '..' is refused before anything exists.
   */
  @Test
  void cgroupsPathIsResolvedBelowTheRuntimesOwnCgroup() throws Exception {
    config("/bin/sleep", "600");
    String name = "cj-oci-test-" + ProcessHandle.current().pid();
    ObjectNode c = (ObjectNode) JSON.readTree(Files.readString(bundle.resolve("config.json")));
    c.with("linux").put("cgroupsPath", "/" + name + "/libpod-thirteen");
    Files.writeString(bundle.resolve("config.json"), c.toString());
    assertThat(callTo("create", "create", "--bundle", bundle.toString(), "thirteen").code()).isZero();
    int pid = JSON.readTree(call("state", "thirteen").out()).path("pid").asInt();
    String libId = JSON.readTree(Files.readString(root.resolve("thirteen").resolve("state.json"))).path("containerjId").asText();
    // The v2 line (0::PATH), which every host here has (alone, or next to v1 hierarchies).
    String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
        .findFirst().orElseThrow();
    String theirs = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup")).stream()
        .filter(l -> l.startsWith("0::")).findFirst().orElseThrow();
    String ownPath = own.substring(3);
    assertThat(theirs).endsWith((ownPath.equals("/") ? "" : ownPath) + "/containerj/" + libId);
    try (var s = Files.find(Path.of("/sys/fs/cgroup"), 3, (p, a) -> p.getFileName() != null
        && p.getFileName().toString().equals(name))) {
      assertThat(s.toList()).as("nothing at the client's path").isEmpty();
    }
    assertThat(call("delete", "--force", "thirteen").code()).isZero();

    c.with("linux").put("cgroupsPath", "../../elsewhere");
    Files.writeString(bundle.resolve("config.json"), c.toString());
    Result up = call("create", "--bundle", bundle.toString(), "thirteen");
    assertThat(up.code()).isEqualTo(1);
    assertThat(up.err()).contains("linux.cgroupsPath ../../elsewhere is refused");
  }

  /**
   * The start gate belongs to the user who created the container: ROOT/ID is 0700 and its fifo 0600,
   * so another user (nobody, through runuser) cannot release the process, even where it can reach
   * the state root. With the modes relaxed (the protection off), nobody's one byte starts it.
   */
  @Test
  void anotherUserCannotStartACreatedContainer() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "runs nobody through runuser, which needs root");
    config("/bin/sh", "-c", "echo released");
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    assertThat(callTo("create", "create", "--bundle", bundle.toString(), "ten").code()).isZero();
    Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Path fifo = root.resolve("ten").resolve("exec.fifo");
    List<String> asNobody = List.of("runuser", "-u", "nobody", "--", "timeout", "10", "sh", "-c", "printf x > " + fifo);
    Process p = new ProcessBuilder(asNobody).redirectErrorStream(true).start();
    started.add(p);
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(said).isNotZero();
    assertThat(said).contains("Permission denied");
    Thread.sleep(300);
    assertThat(status("ten")).isEqualTo("created");
    assertThat(Files.readString(tmp.resolve("create.out"))).isEmpty();

    // Protection off: the modes a runtime without the rule could leave; nobody's byte starts it.
    Files.setPosixFilePermissions(root.resolve("ten"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(fifo, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    Process off = new ProcessBuilder(asNobody).redirectErrorStream(true).start();
    started.add(off);
    assertThat(off.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(off.exitValue()).isZero();
    for (int i = 0; i < 100 && Files.readString(tmp.resolve("create.out")).isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(Files.readString(tmp.resolve("create.out"))).as("with the modes relaxed nobody started it")
        .isEqualTo("released\n");
    assertThat(call("delete", "--force", "ten").code()).isZero();
  }

  @Test
  void specFeaturesAndVersion() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("spec"));
    assertThat(call("spec", "--bundle", dir.toString()).code()).isZero();
    assertThat(Files.readString(dir.resolve("config.json"))).isEqualTo(OciConfigWriter.defaultConfig());
    assertThat(call("spec", "--bundle", dir.toString()).code()).as("an existing config is kept").isEqualTo(1);
    JsonNode f = JSON.readTree(call("features").out());
    assertThat(f.path("ociVersionMax").asText()).isEqualTo("1.2.0");
    assertThat(f.path("linux").path("cgroup").path("systemd").asBoolean()).isFalse();
    assertThat(f.path("hooks")).extracting(JsonNode::asText).containsExactlyInAnyOrder("prestart", "createRuntime",
        "createContainer", "startContainer", "poststart", "poststop");
    assertThat(call("--version").out()).startsWith("containerj-runtime version ").contains("spec: 1.2.0");
  }

  @Test
  void runDetachIsCreateAndStartAndPrintsNothing() throws Exception {
    config("/bin/sleep", "600");
    Path pidFile = tmp.resolve("run.pid");
    Result r = callTo("run", "run", "--detach", "--no-pivot", "--no-new-keyring", "--bundle", bundle.toString(),
        "--pid-file", pidFile.toString(), "fourteen");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).as("runc run -d prints nothing").isEmpty();
    JsonNode s = JSON.readTree(call("state", "fourteen").out());
    assertThat(s.path("status").asText()).isEqualTo("running");
    int pid = s.path("pid").asInt();
    assertThat(Files.readString(pidFile)).isEqualTo(Integer.toString(pid));
    // the payload runs after the run's JVM has gone: it has done its execve
    assertThat(Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"))).startsWith("/bin/sleep");
    List<Path> cgroups = cgroupsOf("fourteen");
    assertThat(call("ps", "--format", "json", "fourteen").out()).contains(Integer.toString(pid));
    assertThat(call("delete", "fourteen").code()).as("running: no delete without --force").isEqualTo(1);
    assertThat(call("kill", "fourteen", "KILL").code()).isZero();
    assertThat(awaitStatus("fourteen", "stopped")).isEqualTo("stopped");
    assertThat(call("delete", "fourteen").code()).isZero();
    assertThat(cgroups).allMatch(p -> !Files.exists(p));

    // in the foreground: the payload's status, and nothing left
    config("/bin/sh", "-c", "exit 6");
    List<Path> before = containerCgroups();
    Result fg = call("run", "--bundle", bundle.toString(), "fourteen");
    assertThat(fg.code()).as(fg.err()).isEqualTo(6);
    List<Path> left = new ArrayList<>(containerCgroups());
    left.removeAll(before);
    assertThat(left).as("no cgroup left").isEmpty();
    assertThat(root.resolve("fourteen")).doesNotExist();
  }

  /** The file of {@code name} in the first of the container's cgroup directories that has it. */
  private String cgroupFile(List<Path> cgroups, String... names) throws IOException {
    for (Path dir : cgroups) {
      for (String name : names) {
        if (Files.exists(dir.resolve(name))) {
          return Files.readString(dir.resolve(name)).trim();
        }
      }
    }
    throw new AssertionError("no " + List.of(names) + " in " + cgroups);
  }

  @Test
  void updateWritesTheLimitsTheKernelShowsAndRefusesWhatItCannotApply() throws Exception {
    config("/bin/sleep", "600");
    assertThat(callTo("create", "create", "--bundle", bundle.toString(), "fifteen").code()).isZero();
    List<Path> cgroups = cgroupsOf("fifteen");
    Path res = tmp.resolve("resources.json");
    Files.writeString(res, "{\"pids\":{\"limit\":42},\"memory\":{\"limit\":67108864}}");
    Result created = call("update", "--resources", res.toString(), "fifteen");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(cgroupFile(cgroups, "pids.max")).isEqualTo("42");
    assertThat(cgroupFile(cgroups, "memory.max", "memory.limit_in_bytes")).isEqualTo("67108864");

    assertThat(call("start", "fifteen").code()).isZero();
    // running, from stdin
    Process p = runtime("update", "--resources", "-", "fifteen").redirectError(tmp.resolve("upd.err").toFile()).start();
    started.add(p);
    try (var in = p.getOutputStream()) {
      in.write("{\"pids\":{\"limit\":17}}".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("upd.err"))).isZero();
    assertThat(cgroupFile(cgroups, "pids.max")).isEqualTo("17");
    assertThat(cgroupFile(cgroups, "memory.max", "memory.limit_in_bytes")).as("fields not given keep their value")
        .isEqualTo("67108864");

    Files.writeString(res, "{\"pids\":{\"limit\":5},\"network\":{\"classID\":1}}");
    Result refused = call("update", "--resources", res.toString(), "fifteen");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("resources.network");
    assertThat(cgroupFile(cgroups, "pids.max")).as("nothing written when one field is refused").isEqualTo("17");
    Result flag = call("update", "--pids-limit", "5", "fifteen");
    assertThat(flag.code()).isEqualTo(1);
    assertThat(flag.err()).contains("--pids-limit is not supported");

    assertThat(call("kill", "fifteen", "KILL").code()).isZero();
    assertThat(awaitStatus("fifteen", "stopped")).isEqualTo("stopped");
    Files.writeString(res, "{\"pids\":{\"limit\":5}}");
    Result stopped = call("update", "--resources", res.toString(), "fifteen");
    assertThat(stopped.code()).isEqualTo(1);
    assertThat(stopped.err()).contains("is stopped");
    assertThat(call("delete", "fifteen").code()).isZero();
  }

  /** The runtime run by a shell that opens {@code redirections} (e.g. "3<file") first. */
  private Result callWithFds(String name, String redirections, String... args) throws Exception {
    List<String> argv = new ArrayList<>(runtime(args).command());
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" " + redirections, "sh"));
    cmd.addAll(argv);
    Path out = tmp.resolve(name + ".out");
    Path err = tmp.resolve(name + ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    started.add(p);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void preserveFdsPassesTheCallersFdsAndNoOther() throws Exception {
    Files.writeString(tmp.resolve("three"), "fd three");
    Files.writeString(tmp.resolve("four"), "fd four");
    Files.writeString(tmp.resolve("five"), "fd five");
    // the payload lists its open fds and reads the passed ones
    config("/bin/sh", "-c", "for f in 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -e /proc/self/fd/$f ] && printf '%s ' $f; done; echo; "
        + "cat <&3; echo; cat <&4; echo");
    Result r = callWithFds("pf", "3<" + tmp.resolve("three") + " 4<" + tmp.resolve("four") + " 5<"
        + tmp.resolve("five"), "run", "--preserve-fds", "2", "--bundle", bundle.toString(), "sixteen");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = List.of(r.out().split("\n"));
    assertThat(lines.get(0)).as("above 2: the two passed, nothing else (not the caller's fd 5)").isEqualTo("3 4 ");
    assertThat(lines.subList(1, 3)).containsExactly("fd three", "fd four");
  }

  /**
   * A hole in 3..3+N-1 is where the JVM put a file of its own (the JDK's lib/modules): the call is
   * refused before anything exists, naming the fd, instead of handing that file to the container.
   */
  @Test
  void preserveFdsNeverPassesTheJvmsOwnFds() throws Exception {
    config("/bin/sh", "-c", "[ -e /proc/self/fd/4 ] && echo fd 4 open");
    Files.writeString(tmp.resolve("three"), "fd three");
    Result r = callWithFds("pf", "3<" + tmp.resolve("three"), "run", "--preserve-fds", "2", "--bundle",
        bundle.toString(), "seventeen");
    assertThat(r.out()).as("nothing ran").isEmpty();
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--preserve-fds 2: fd 4 is the runtime's own JDK file");
    assertThat(call("state", "seventeen").code()).isEqualTo(1);
    Result bad = call("create", "--preserve-fds", "x", "--bundle", bundle.toString(), "seventeen");
    assertThat(bad.err()).contains("--preserve-fds x must be a count");
  }

  /**
   * Hooks: five on the host's tree appending to LOG (createContainer in the container's namespaces but
   * before the pivot, so its paths are the host's), startContainer inside through a bind of its folder.
   */
  private ObjectNode allHooks(Path log, String failing, String failStatus) throws IOException {
    ObjectNode hooks = JSON.createObjectNode();
    for (String name : List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
        "poststop")) {
      boolean inside = name.equals("startContainer");
      String dir = inside ? "/hooklog" : log.getParent().toString();
      String file = inside ? "/hooklog/hooks.log" : log.toString();
      boolean env = inside || name.equals("createContainer");
      String line = "read state; echo \"" + name + " $(hostname) $state\" >> " + file
          + (env ? "; env > " + dir + "/" + name + ".env" : "") + (name.equals(failing) ? "; exit " + failStatus : "");
      ObjectNode h = hooks.putArray(name).addObject().put("path", "/bin/sh");
      h.putArray("args").add("sh").add("-c").add(line);
      h.putArray("env").add("HOOKVAR=" + name).add("PATH=/bin");
    }
    return hooks;
  }

  private void hookBundle(ObjectNode hooks, String... args) throws IOException {
    Files.createSymbolicLink(bundle.resolve("rootfs/bin/env"), Path.of("busybox"));
    Files.createDirectories(bundle.resolve("rootfs/hooklog"));
    config(hooks, args);
    ObjectNode c = (ObjectNode) JSON.readTree(Files.readString(bundle.resolve("config.json")));
    c.with("process").putArray("env").add("PATH=/bin").add("SECRET=payload-only");
    c.withArray("mounts").addObject().put("destination", "/hooklog").put("type", "bind")
        .put("source", tmp.resolve("hooklog").toString()).putArray("options").add("rbind").add("rw");
    Files.writeString(bundle.resolve("config.json"), c.toString());
  }

  private Path hookLog() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("hooklog"));
    Path log = Files.createFile(dir.resolve("hooks.log"));
    // the container's root is another uid (its user namespace): it appends as "other"
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(log, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    return log;
  }

  @Test
  void allSixHookKindsRunInOrderWhereTheSpecSaysWithTheStateAndTheirOwnEnv() throws Exception {
    Path log = hookLog();
    hookBundle(allHooks(log, "", "0"), "/bin/sh", "-c", "echo payload $(hostname) >> /hooklog/hooks.log");
    String host = java.net.InetAddress.getLocalHost().getHostName();
    Result created = callTo("create", "create", "--bundle", bundle.toString(), "eighteen");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(call("start", "eighteen").code()).isZero();
    assertThat(awaitStatus("eighteen", "stopped")).isEqualTo("stopped");
    assertThat(call("delete", "eighteen").code()).isZero();
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertThat(lines).extracting(l -> l.substring(0, l.indexOf(' '))).containsExactly("createRuntime", "prestart",
        "createContainer", "startContainer", "payload", "poststart", "poststop");
    // the container's hooks ran in its namespaces (its hostname), the others on the host
    assertThat(lines.get(2)).startsWith("createContainer containerj {").contains("\"id\":\"eighteen\"")
        .contains("\"status\":\"created\"");
    assertThat(lines.get(3)).startsWith("startContainer containerj {").contains("\"status\":\"created\"");
    assertThat(lines.get(0)).startsWith("createRuntime " + host + " {");
    assertThat(lines.get(5)).startsWith("poststart " + host + " {").contains("\"status\":\"running\"");
    // with their own env, not the container's process.env
    for (String name : List.of("createContainer", "startContainer")) {
      String env = Files.readString(tmp.resolve("hooklog").resolve(name + ".env"));
      assertThat(env).contains("HOOKVAR=" + name).doesNotContain("SECRET");
    }
  }

  @Test
  void aFailedCreateContainerHookFailsCreateAndLeavesNothing() throws Exception {
    Path log = hookLog();
    hookBundle(allHooks(log, "createContainer", "7"), "/bin/sh", "-c", "echo payload >> /hooklog/hooks.log");
    List<Path> before = containerCgroups();
    Result r = callTo("create", "create", "--bundle", bundle.toString(), "nineteen");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("createContainer hook /bin/sh exited with 7");
    assertThat(root.resolve("nineteen")).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(bundle.resolve("rootfs").toString());
    assertThat(Files.readAllLines(log)).extracting(l -> l.substring(0, l.indexOf(' ')))
        .containsExactly("createRuntime", "prestart", "createContainer");
    List<Path> left = new ArrayList<>(containerCgroups());
    left.removeAll(before);
    assertThat(left).as("no cgroup left").isEmpty();
  }

  /**
   * createContainer as the runtime spec puts it (config.md, "POSIX-platform Hooks"): in the container's
   * namespaces, before pivot_root, its path resolved in the runtime's tree. The hook is a script at a host
   * path the container's root does not have; it records what it sees and bind-mounts a host folder on
   * the bundle's {@code rootfs/mnt}, which the payload then finds at {@code /mnt}.
   */
  @Test
  void createContainerRunsBeforeThePivotInTheContainersNamespacesOnTheHostsTree() throws Exception {
    for (String tool : List.of("readlink", "mkdir")) {
      Files.createSymbolicLink(bundle.resolve("rootfs/bin").resolve(tool), Path.of("busybox"));
    }
    Files.createDirectories(bundle.resolve("rootfs/mnt"));
    Path share = Files.createDirectories(tmp.resolve("share"));
    Files.writeString(share.resolve("hello"), "from the host\n");
    Path seen = Files.createDirectories(tmp.resolve("seen"));
    Path script = Files.createDirectories(tmp.resolve("hostonly")).resolve("cc-hook.sh");
    assertThat(bundle.resolve("rootfs").resolve(tmp.toString().substring(1))).as("not in the root").doesNotExist();
    Files.writeString(script, "#!/bin/sh\n"
        + "read state\n"
        + "echo \"$state\" > " + seen + "/state.json\n"
        + "hostname > " + seen + "/hostname\n"
        + "for t in net pid uts; do readlink /proc/self/ns/$t; done > " + seen + "/ns\n"
        + "echo \"$1 $HOOKVAR $(pwd)\" > " + seen + "/args\n"
        + "mount --bind " + share + " " + bundle.resolve("rootfs/mnt") + "\n");
    Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    ObjectNode hooks = JSON.createObjectNode();
    ObjectNode h = hooks.putArray("createContainer").addObject().put("path", script.toString());
    h.putArray("args").add("cc-hook").add("first-arg");
    h.putArray("env").add("HOOKVAR=value").add("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
    config(hooks, "/bin/sh", "-c", "{ cat /mnt/hello; for t in net pid uts; do readlink /proc/self/ns/$t; done; "
        + "hostname; } > /mnt/payload");
    Result created = callTo("create", "create", "--bundle", bundle.toString(), "cchook");
    assertThat(created.code()).as(created.err()).isZero();
    int pid = JSON.readTree(call("state", "cchook").out()).path("pid").asInt();
    JsonNode state = JSON.readTree(Files.readString(seen.resolve("state.json")));
    assertThat(state.path("pid").asInt()).as("the state's pid").isEqualTo(pid);
    assertThat(state.path("status").asText()).isEqualTo("created");
    assertThat(state.path("id").asText()).isEqualTo("cchook");
    assertThat(Files.readString(seen.resolve("hostname"))).isEqualTo("containerj\n");
    assertThat(Files.readString(seen.resolve("args"))).isEqualTo("first-arg value /\n");
    List<String> hookNs = Files.readAllLines(seen.resolve("ns"));
    assertThat(hookNs).containsExactly(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString(),
        Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString(),
        Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/uts")).toString());
    assertThat(hookNs.get(0)).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
    // the hook's mount is the container's only: nothing of it reached the host
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(bundle.resolve("rootfs").toString());
    assertThat(call("start", "cchook").code()).isZero();
    assertThat(awaitStatus("cchook", "stopped")).isEqualTo("stopped");
    assertThat(call("delete", "cchook").code()).isZero();
    assertThat(Files.readAllLines(share.resolve("payload"))).as("the payload saw the hook's mount")
        .containsExactly("from the host", hookNs.get(0), hookNs.get(1), hookNs.get(2), "containerj");
  }

  @Test
  void aCreateContainerHookPastItsTimeoutFailsCreateAndLeavesNothing() throws Exception {
    ObjectNode hooks = JSON.createObjectNode();
    hooks.putArray("createContainer").addObject().put("path", "/bin/sleep").put("timeout", 1)
        .putArray("args").add("sleep").add("60");
    config(hooks, "/bin/sh", "-c", "exit 0");
    List<Path> before = containerCgroups();
    long t0 = System.nanoTime();
    Result r = callTo("create", "create", "--bundle", bundle.toString(), "slowhook");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("createContainer hook /bin/sleep timed out after 1s");
    assertThat(System.nanoTime() - t0).as("killed at its timeout").isLessThan(TimeUnit.SECONDS.toNanos(40));
    assertThat(root.resolve("slowhook")).doesNotExist();
    List<Path> left = new ArrayList<>(containerCgroups());
    left.removeAll(before);
    assertThat(left).as("no cgroup left").isEmpty();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(bundle.resolve("rootfs").toString());
  }

  @Test
  void aCgroupThatCannotBeRemovedFailsDeleteKeepsTheStateAndASecondDeleteRemovesIt() throws Exception {
    config("/bin/sleep", "600");
    Result created = callTo("create", "create", "--bundle", bundle.toString(), "leftover");
    assertThat(created.code()).as(created.err()).isZero();
    String libId = JSON.readTree(Files.readString(root.resolve("leftover/state.json"))).path("containerjId").asText();
    List<Path> cgroups = cgroupsOf("leftover");
    assertThat(cgroups).isNotEmpty();
    // The obstacle: a directory of the container's cgroup that is a mount point, which rmdir(2)
    // refuses (EBUSY) whatever the runtime kills; gone once unmounted.
    Path obstacle = cgroups.get(0).resolve("obstacle");
    Files.createDirectory(obstacle);
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    boolean mounted = false;
    try {
      assertThat(new ProcessBuilder("mount", "--bind", empty.toString(), obstacle.toString()).inheritIO().start()
          .waitFor()).isZero();
      mounted = true;
      Result failed = call("delete", "--force", "leftover");
      assertThat(failed.code()).as("delete fails when the cgroup stays, as runc's").isEqualTo(1);
      assertThat(failed.err()).contains("could not be removed").contains(cgroups.get(0).toString());
      assertThat(root.resolve("leftover/state.json")).as("the state stays for a second delete").exists();
      assertThat(root.resolve("leftover/lib").resolve(libId).resolve("owner"))
          .as("the library's owner file that names the cgroups stays").exists();
      assertThat(status("leftover")).isEqualTo("stopped");
      assertThat(cgroups.get(0)).exists();
      assertThat(new ProcessBuilder("umount", obstacle.toString()).inheritIO().start().waitFor()).isZero();
      mounted = false;
      Result again = call("delete", "leftover");
      assertThat(again.code()).as(again.err()).isZero();
      assertThat(call("state", "leftover").code()).isEqualTo(1);
      assertThat(root.resolve("leftover")).doesNotExist();
      assertThat(cgroups).as("the second delete removes every cgroup").allMatch(p -> !Files.exists(p));
    } finally {
      if (mounted) {
        new ProcessBuilder("umount", "-l", obstacle.toString()).inheritIO().start().waitFor();
      }
      Files.deleteIfExists(obstacle);
    }
  }

  /** Every container cgroup of the library on this host (below a "containerj" directory). */
  private static List<Path> containerCgroups() throws IOException {
    List<Path> all = new ArrayList<>();
    try (var s = Files.find(Path.of("/sys/fs/cgroup"), 7, (p, a) -> a.isDirectory() && p.getParent() != null
        && p.getParent().getFileName() != null && p.getParent().getFileName().toString().equals("containerj"))) {
      s.forEach(all::add);
    }
    return all;
  }

  @Test
  void aFailedStartContainerHookFailsStartAndStopsTheContainer() throws Exception {
    Path log = hookLog();
    hookBundle(allHooks(log, "startContainer", "9"), "/bin/sh", "-c", "echo payload >> /hooklog/hooks.log");
    Result created = callTo("create", "create", "--bundle", bundle.toString(), "twenty");
    assertThat(created.code()).as(created.err()).isZero();
    List<Path> cgroups = cgroupsOf("twenty");
    Result r = call("start", "twenty");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("startContainer hook /bin/sh exited with 9");
    assertThat(awaitStatus("twenty", "stopped")).isEqualTo("stopped");
    assertThat(call("delete", "twenty").code()).isZero();
    assertThat(Files.readAllLines(log)).extracting(l -> l.substring(0, l.indexOf(' ')))
        .as("the payload never ran; poststop ran at delete")
        .containsExactly("createRuntime", "prestart", "createContainer", "startContainer", "poststop");
    assertThat(cgroups).allMatch(p -> !Files.exists(p));
  }

  /**
   * A pod, as containerd's CRI plugin makes one: a sandbox bundle (a sleep) and an app bundle whose
   * network, ipc, uts and pid namespaces are the sandbox's {@code /proc/PID/ns/*} paths. The app sees
   * the sandbox's namespaces (the kernel's names of them, its hostname, its pid 1), both go through
   * state, kill and delete, and nothing is left.
   */
  @Test
  void aPodsAppContainerJoinsItsSandboxsNamespacesByPath() throws Exception {
    Files.createSymbolicLink(bundle.resolve("rootfs/bin/readlink"), Path.of("busybox"));
    config("/bin/sleep", "600");
    assertThat(callTo("sandbox", "create", "--bundle", bundle.toString(), "sandbox").code()).isZero();
    assertThat(call("start", "sandbox").code()).isZero();
    assertThat(status("sandbox")).isEqualTo("running");
    int sandbox = JSON.readTree(call("state", "sandbox").out()).path("pid").asInt();

    Path app = Files.createDirectories(tmp.resolve("app"));
    ObjectNode c = (ObjectNode) JSON.readTree(Files.readString(bundle.resolve("config.json")));
    c.with("root").put("path", bundle.resolve("rootfs").toString());
    c.remove("hostname"); // the joined uts namespace's (runc refuses a hostname there too)
    ArrayNode args = c.with("process").putArray("args");
    List.of("/bin/sh", "-c", "for t in net ipc uts pid; do readlink /proc/self/ns/$t; done; "
        + "hostname; cat /proc/1/comm; exec sleep 600").forEach(args::add);
    ArrayNode ns = c.with("linux").putArray("namespaces");
    ns.addObject().put("type", "mount");
    ns.addObject().put("type", "cgroup");
    for (String type : List.of("network", "ipc", "uts", "pid")) {
      String proc = type.equals("network") ? "net" : type;
      ns.addObject().put("type", type).put("path", "/proc/" + sandbox + "/ns/" + proc);
    }
    Files.writeString(app.resolve("config.json"), c.toString());
    Result created = callTo("app", "create", "--bundle", app.toString(), "app");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(status("app")).isEqualTo("created");
    assertThat(call("start", "app").code()).isZero();
    assertThat(status("app")).isEqualTo("running");
    int appPid = JSON.readTree(call("state", "app").out()).path("pid").asInt();
    List<String> want = new ArrayList<>();
    for (String type : List.of("net", "ipc", "uts", "pid")) {
      String link = Files.readSymbolicLink(Path.of("/proc/" + sandbox + "/ns/" + type)).toString();
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + appPid + "/ns/" + type)).toString()).as(type).isEqualTo(link);
      want.add(link);
    }
    assertThat(Files.readSymbolicLink(Path.of("/proc/" + appPid + "/ns/mnt")))
        .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/" + sandbox + "/ns/mnt")));
    want.add("containerj"); // the sandbox's hostname
    want.add("sleep"); // the sandbox's payload is pid 1 of the pod
    String out = "";
    for (int i = 0; i < 100 && (out = Files.readString(tmp.resolve("app.out"))).lines().count() < want.size(); i++) {
      Thread.sleep(100);
    }
    assertThat(out.lines().toList()).isEqualTo(want);

    assertThat(call("kill", "app", "KILL").code()).isZero();
    assertThat(awaitStatus("app", "stopped")).isEqualTo("stopped");
    assertThat(call("delete", "app").code()).isZero();
    assertThat(call("kill", "sandbox", "KILL").code()).isZero();
    assertThat(awaitStatus("sandbox", "stopped")).isEqualTo("stopped");
    assertThat(call("delete", "sandbox").code()).isZero();
    assertThat(Path.of("/proc", Integer.toString(appPid), "cmdline")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(Files.readString(p)).isEmpty());
    assertThat(call("list", "--format", "json").out()).doesNotContain("\"id\":\"app\"").doesNotContain("sandbox");
  }
}
