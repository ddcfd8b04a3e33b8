package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code containerj image ...}, {@code run --image}, {@code network ...} and {@code -p}, as root. */
@Tag("kernel")
@Timeout(120)
class ImageAndNetworkCommandsTest {

  private static void requireRoot() {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "images built with umoci keep owners and bridges need CAP_NET_ADMIN: root only");
  }

  private static void sh(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("%s: %s", String.join(" ", cmd), out).isTrue();
  }

  @Test
  void runAnImageAndManageTheStore(@TempDir Path work) throws Exception {
    requireRoot();
    Path layout = work.resolve("layout");
    Path bundle = work.resolve("bundle");
    sh(work, "umoci", "init", "--layout", layout.toString());
    sh(work, "umoci", "new", "--image", layout + ":v1");
    sh(work, "umoci", "unpack", "--image", layout + ":v1", bundle.toString());
    Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    Files.createSymbolicLink(bin.resolve("ls"), Path.of("busybox"));
    sh(work, "umoci", "repack", "--image", layout + ":v1", bundle.toString());
    sh(work, "umoci", "config", "--image", layout + ":v1", "--config.cmd", "sh", "--config.cmd", "-c",
        "--config.cmd", "echo default command; ls /bin");
    String ref = "oci:" + layout + ":v1";

    Tool.Result imported = Tool.execute("image", "import", ref);
    assertThat(imported.code()).as(imported.err()).isZero();
    Tool.Result run = Tool.run("--image", ref);
    assertThat(run.out()).as(run.err()).isEqualTo("default command\nbusybox\nls\nsh\n");
    Tool.Result ls = Tool.execute("image", "ls");
    assertThat(ls.out()).contains(ref);
    String id = imported.out().trim();
    assertThat(Tool.execute("image", "rm", id).code()).isZero();
    assertThat(Tool.execute("image", "ls").out()).doesNotContain(ref);
    assertThat(Tool.execute("image", "gc").out()).contains("layer(s) deleted");
  }

  @Test
  void networksAndPublishedPorts() throws Exception {
    requireRoot();
    String name = "cjc" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    String subnet = "10.214." + ThreadLocalRandom.current().nextInt(0, 250) + ".0/24";
    Tool.Result created = Tool.execute("network", "create", name, "--subnet", subnet);
    assertThat(created.code()).as(created.err()).isZero();
    try {
      assertThat(Tool.execute("network", "ls").out()).contains(name).contains(subnet);
      Tool.Result r = Tool.run("--network", "bridge:" + name, "--add-host", "db:10.1.2.3", "sh", "-c",
          "grep -c eth0 /proc/net/dev; grep db /etc/hosts");
      assertThat(r.out()).as(r.err()).isEqualTo("1\n10.1.2.3\tdb\n");
      int port;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      // A published port answers while the container runs (the payload reads it from its own side).
      Tool.Result pub = Tool.run("-p", "127.0.0.1:" + port + ":9", "--network", "bridge:" + name, "sh", "-c", "echo up");
      assertThat(pub.code()).as(pub.err()).isZero();
      assertThat(Tool.run("-p", "99999:80", "true").err()).contains("--publish");
    } finally {
      Tool.Result rm = Tool.execute("network", "rm", name);
      assertThat(rm.code()).as(rm.err()).isZero();
    }
    assertThat(Path.of("/sys/class/net", name)).doesNotExist();
  }

  @Test
  void anInternalNetworkHasNoRouteOut() throws Exception {
    requireRoot();
    String name = "cji" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    String subnet = "10.218." + ThreadLocalRandom.current().nextInt(0, 250) + ".0/24";
    Tool.Result created = Tool.execute("network", "create", name, "--subnet", subnet, "--internal");
    assertThat(created.code()).as(created.err()).isZero();
    try {
      assertThat(Tool.execute("network", "ls").out()).contains(name).contains(subnet);
      // eth0 and only its subnet's route: no default route, no gateway on the host
      Tool.Result r = Tool.run("--network", "bridge:" + name, "sh", "-c", "grep -c eth0 /proc/net/dev; tail -n +2 /proc/net/route | wc -l");
      assertThat(r.out()).as(r.err()).isEqualTo("1\n1\n");
      assertThat(Path.of("/sys/class/net", name)).doesNotExist();
    } finally {
      Tool.Result rm = Tool.execute("network", "rm", name);
      assertThat(rm.code()).as(rm.err()).isZero();
    }
    assertThat(Path.of("/run/netns", "containerj-" + name)).doesNotExist();
  }
}
