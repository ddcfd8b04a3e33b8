package dev.containerj.examples.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.containerj.examples.bench.BusyboxImage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd 1.6 (Debian's) runs containers through {@code containerj-runtime}: each test starts a
 * containerd of its own ({@link Containerd}), imports a docker-archive of busybox-static made here
 * offline ({@link BusyboxImage}'s layout, converted by skopeo) with {@code ctr image import}, and drives the runtime through containerd's runc shim v2
 * ({@code ctr run --runtime io.containerd.runc.v2 --runc-binary <launcher>}), which calls it as
 * runc: {@code create --bundle --pid-file}, {@code start}, {@code state}, {@code exec --process
 * --detach --pid-file}, {@code kill [--all]}, {@code ps --format json}, {@code delete [--force]},
 * with {@code --root}, {@code --log} and {@code --log-format json}. Nothing is mocked: the kernel's
 * view of the container and of its processes is what is asserted. The last test loads
 * docs/kubernetes.md's CRI runtime handler into containerd's CRI plugin.
 */
@Tag("kernel")
@Timeout(300)
class ContainerdTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "localhost/busybox:containerj";

  @TempDir Path tmp;
  private Containerd containerd;

  @BeforeAll
  static void probe() {
    // Independent of the code under test: the client programs and root (containerd manages
    // mounts and cgroups as root only; rootless containerd needs RootlessKit, not installed).
    Assumptions.assumeTrue(onPath("containerd") && onPath("ctr") && onPath("containerd-shim-runc-v2")
        && onPath("skopeo"), "containerd, ctr, containerd-shim-runc-v2 or skopeo are not installed "
        + "(apt-get install containerd skopeo)");
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "containerd runs as root only");
  }

  private static boolean onPath(String name) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, name))) {
        return true;
      }
    }
    return false;
  }

  @AfterEach
  void stop() throws Exception {
    if (containerd != null) {
      Containerd c = containerd;
      containerd = null;
      c.close();
      assertThat(c.shims()).as("containerd-shim processes of the test left").isEmpty();
      assertThat(c.dir).doesNotExist();
      if (!c.hadRunContainerd) {
        assertThat(Path.of("/run/containerd")).as("the fifos and shim sockets removed").doesNotExist();
      }
    }
  }

  private void startWithImage() throws Exception {
    containerd = new Containerd(false, "");
    // The benchmark's busybox-static image (an OCI layout written by BusyboxImage), turned into a
    // docker-archive offline by skopeo, as `docker save` would write it.
    String layout = BusyboxImage.write(Path.of("/bin/busybox"), tmp.resolve("layout"));
    Path archive = tmp.resolve("busybox.tar");
    Process skopeo = new ProcessBuilder("skopeo", "copy", "--quiet", layout, "docker-archive:" + archive + ":" + IMAGE)
        .redirectErrorStream(true).start();
    String skopeoOut = new String(skopeo.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(skopeo.waitFor()).as(skopeoOut).isZero();
    Containerd.Result imported = containerd.ctr("image", "import", archive.toString());
    assertThat(imported.code()).as(imported.err()).isZero();
    assertThat(containerd.ctr("image", "ls", "-q").out()).contains(IMAGE);
  }

  @Test
  void ctrRunsAnImportedImageThroughTheRuntimeWithItsOutputAndExitCode() throws Exception {
    startWithImage();
    // the image has /bin/busybox and /bin/true only: applets by name through busybox
    Containerd.Result r = containerd.ctrRun("--rm", IMAGE, "one", "/bin/busybox", "sh", "-c",
        "echo out; echo err >&2; /bin/busybox stat -c '%a %u' /run; /bin/busybox cat /proc/1/status | /bin/busybox head -1; exit 3");
    // containerd's default spec asks for /run as a tmpfs of mode 755: only root may write there
    assertThat(r.out()).isEqualTo("out\n755 0\nName:\tbusybox\n");
    assertThat(r.err()).isEqualTo("err\n");
    assertThat(r.code()).isEqualTo(3);
    assertThat(containerd.ctr("container", "ls", "-q").out()).doesNotContain("one");
    assertThat(containerd.runtimeRoot.resolve("one")).doesNotExist();
  }

  @Test
  void aDetachedTaskTakesExecKillAllKillAndDelete() throws Exception {
    startWithImage();
    Containerd.Result run = containerd.ctrRun("--detach", IMAGE, "two", "/bin/busybox", "sleep", "600");
    assertThat(run.code()).as(run.err()).isZero();
    // The runtime's own record: containerj-runtime made this container, not runc.
    Path record = containerd.runtimeRoot.resolve("two").resolve("state.json");
    assertThat(JSON.readTree(Files.readString(record)).path("containerjId").asText()).isNotEmpty();
    JsonNode state = JSON.readTree(containerd.runtime("state", "two").out());
    assertThat(state.path("status").asText()).isEqualTo("running");
    long pid1 = state.path("pid").asLong();
    assertThat(containerd.ctr("task", "ls").out()).containsPattern("two\\s+" + pid1 + "\\s+RUNNING");

    Containerd.Result exec = containerd.ctrExec("--exec-id", "e1", "two", "/bin/busybox", "sh", "-c",
        "echo in exec; /bin/busybox cat /proc/1/cmdline | /bin/busybox tr '\\0' ' '; exit 5");
    assertThat(exec.out()).isEqualTo("in exec\n/bin/busybox sleep 600 ");
    assertThat(exec.code()).as("the exec's own exit code, from the shim that reaped it").isEqualTo(5);

    Containerd.Result detached = containerd.ctrExec("--detach", "--exec-id", "e2", "two", "/bin/busybox", "sleep", "500");
    assertThat(detached.code()).as(detached.err()).isZero();
    long execPid = -1;
    for (int i = 0; i < 50 && execPid < 0; i++) {
      Matcher m = Pattern.compile("(?m)^(\\d+)\\s+.*e2").matcher(containerd.ctr("task", "ps", "two").out());
      execPid = m.find() ? Long.parseLong(m.group(1)) : -1;
      Thread.sleep(100);
    }
    assertThat(execPid).as("ctr task ps lists the detached exec").isPositive();
    assertThat(Files.readString(Path.of("/proc/" + execPid + "/cmdline")).replace('\0', ' ')).startsWith("/bin/busybox sleep 500");
    assertThat(parent(execPid)).as("the exec is the shim's child (its subreaper), not the runtime's")
        .isIn(containerd.shims());

    assertThat(containerd.ctr("task", "pause", "two").code()).isZero();
    assertThat(containerd.ctr("task", "ls").out()).containsPattern("two\\s+" + pid1 + "\\s+PAUSED");
    assertThat(containerd.ctr("task", "resume", "two").code()).isZero();
    assertThat(containerd.ctr("task", "ls").out()).containsPattern("two\\s+" + pid1 + "\\s+RUNNING");

    // --all: every process of the container gets SIGTERM; pid 1 without a handler ignores it
    // (pid_namespaces(7)), the exec's sleep dies
    assertThat(containerd.ctr("task", "kill", "--all", "--signal", "SIGTERM", "two").code()).isZero();
    for (int i = 0; i < 100 && Files.exists(Path.of("/proc/" + execPid)); i++) {
      Thread.sleep(100);
    }
    assertThat(Path.of("/proc/" + execPid)).as("kill --all reached the exec").doesNotExist();
    assertThat(Path.of("/proc/" + pid1)).exists();

    assertThat(containerd.ctr("task", "kill", "--signal", "SIGKILL", "two").code()).isZero();
    String tasks = "";
    for (int i = 0; i < 100 && !tasks.contains("STOPPED"); i++) {
      tasks = containerd.ctr("task", "ls").out();
      Thread.sleep(100);
    }
    assertThat(tasks).containsPattern("two\\s+" + pid1 + "\\s+STOPPED");
    assertThat(Path.of("/proc/" + pid1)).doesNotExist();
    Containerd.Result delete = containerd.ctr("task", "delete", "two");
    assertThat(delete.code()).as(delete.err()).isZero();
    assertThat(containerd.runtimeRoot.resolve("two")).as("delete removed the runtime's state").doesNotExist();
    assertThat(containerd.ctr("container", "rm", "two").code()).isZero();
    for (int i = 0; i < 100 && !containerd.shims().isEmpty(); i++) {
      Thread.sleep(100);
    }
    assertThat(containerd.shims()).as("the shim ends with its last task").isEmpty();
  }

  @Test
  void aRefusedConfigReachesCtrAsTheRuntimesJsonLogMessage() throws Exception {
    startWithImage();
    // process.apparmorProfile: ContainerJ has no AppArmor support and refuses it by name
    Containerd.Result r = containerd.ctrRun("--rm", "--apparmor-profile", "unconfined", IMAGE, "three", "/bin/true");
    assertThat(r.code()).isNotZero();
    // The shim reads the runtime's last {"level":"error","msg":...} line of --log and returns it
    assertThat(r.err()).contains("OCI runtime create failed").contains("process.apparmorProfile");
    assertThat(containerd.runtimeRoot.resolve("three")).doesNotExist();
  }

  /**
   * The containerd CRI configuration of docs/kubernetes.md, as written there (the launcher's path
   * replaced by the test's), loads into the CRI plugin: the plugin is "ok" and the configuration
   * it reports at start has the {@code containerj} handler with its runtime type and binary. A
   * misspelled section or key would leave the handler out (containerd ignores unknown keys).
   */
  @Test
  void theCriPluginLoadsTheContainerjHandlerOfTheKubernetesGuide() throws Exception {
    String doc = Files.readString(Path.of("../docs/kubernetes.md"));
    Matcher block = Pattern.compile("(?s)<!-- cri-config -->\\s*```toml\\n(.*?)```").matcher(doc);
    assertThat(block.find()).as("docs/kubernetes.md has the ```toml block after <!-- cri-config -->").isTrue();
    String toml = block.group(1).replace("/opt/containerj/bin/containerj-runtime", "@LAUNCHER@");
    containerd = new Containerd(true, "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
        + "    bin_dir = \"@DIR@/cni/bin\"\n    conf_dir = \"@DIR@/cni/net.d\"\n"
        + toml);
    Containerd.Result plugins = containerd.ctr("plugins", "ls");
    assertThat(plugins.out()).containsPattern("io\\.containerd\\.grpc\\.v1\\s+cri\\s+\\S+\\s+ok");
    String log = Files.readString(containerd.log);
    assertThat(log).contains("containerj:{Type:io.containerd.runc.v2 ")
        .contains("Options:map[BinaryName:" + containerd.launcher + "]");
  }

  private static long parent(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
  }
}
