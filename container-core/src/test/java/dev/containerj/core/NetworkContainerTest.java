package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Container networking on the real kernel. All traffic stays on this machine: between containers
 * on a bridge this test creates, between the host and such a container, and on loopback.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class NetworkContainerTest {
  private static final boolean ROOT = LibC.geteuid() == 0;
  private static final String BRIDGE = "cjt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  private static final String SUBNET = "10.213." + ThreadLocalRandom.current().nextInt(0, 250) + ".0/24";

  /** A TCP server that sends what it is asked for: "hello NAME\n", or N bytes of a pattern. */
  private static final String SERVER = String.join("\n",
      "import socket, sys",
      "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
      "s.bind((sys.argv[1], 8080)); s.listen(8)",
      "print('listening', flush=True)",
      "while True:",
      "    c, _ = s.accept()",
      "    req = c.recv(100).decode().strip()",
      "    if req.startswith('bytes '):",
      "        n = int(req.split()[1]); chunk = bytes(range(256)) * 4096",
      "        while n > 0:",
      "            c.sendall(chunk[:min(n, len(chunk))]); n -= len(chunk)",
      "    else:",
      "        c.sendall(('hello ' + req + '\\n').encode())",
      "    c.close()");

  @BeforeAll
  static void network() throws Exception {
    if (ROOT) {
      ContainerRuntime.defaults().networks().create(BRIDGE, SUBNET);
    }
  }

  @AfterAll
  static void removeNetwork() throws Exception {
    if (ROOT) {
      ContainerRuntime.defaults().networks().remove(BRIDGE);
      assertThat(Path.of("/sys/class/net", BRIDGE)).doesNotExist();
    }
  }

  private static Container server(ContainerSpec.Builder b, String bindTo) throws Exception {
    Container c = Container.start(b.command("python3", "-c", SERVER, bindTo).stdout(Redirect.PIPE).build());
    try {
      String line = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).isEqualTo("listening");
      return c;
    } catch (Throwable t) {
      c.close();
      throw t;
    }
  }

  private static void requireRoot() {
    Assumptions.assumeTrue(ROOT, "bridges and published ports need CAP_NET_ADMIN on the host; as an "
        + "ordinary user the spec is rejected instead (see bridgeModeNeedsRoot)");
  }

  @Test
  void twoContainersOnABridgeTalkByAddressAndByName() throws Exception {
    requireRoot();
    try (Container srv = server(ContainerSpec.builder().network(Network.bridge(BRIDGE)).hostname("server"), "0.0.0.0")) {
      InetAddress ip = srv.ipAddress().orElseThrow();
      assertThat(ip.getHostAddress()).startsWith(SUBNET.substring(0, SUBNET.lastIndexOf('.')));
      String client = "import socket, sys\n"
          + "for host in (sys.argv[1], 'server'):\n"
          + "    s = socket.create_connection((host, 8080), timeout=10); s.sendall(b'client\\n')\n"
          + "    print(host, s.recv(100).decode().strip())\n";
      Run.Result r = Run.run(ContainerSpec.builder().network(Network.bridge(BRIDGE)).addHost("server", ip.getHostAddress())
          .command("python3", "-c", client, ip.getHostAddress()).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(r.out()).as(r.err()).isEqualTo(ip.getHostAddress() + " hello client\nserver hello client\n");

      // The host reaches the container's address over the bridge.
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(ip, 8080), 10_000);
        s.getOutputStream().write("host\n".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello host\n");
      }
    }
  }

  @Test
  void etcHostsAndEth0InsideABridgedContainer() throws Exception {
    requireRoot();
    Run.Result r = Run.run(Run.sh("cat /etc/hosts; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort; ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}'")
        .network(Network.bridge(BRIDGE)).hostname("web").build());
    assertThat(r.out()).contains("127.0.0.1\tlocalhost", "\tweb\n").contains("eth0\nlo\n");
  }

  @Test
  void aPublishedPortCarriesTenMegabytesAndIsFreedOnClose() throws Exception {
    requireRoot();
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    // Default loopback network: the server listens on the container's own 127.0.0.1 only.
    try (Container srv = server(ContainerSpec.builder().publish("127.0.0.1:" + port + ":8080"), "127.0.0.1")) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        s.getOutputStream().write("bytes 10485760\n".getBytes(StandardCharsets.UTF_8));
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long n = 0;
        try (InputStream in = s.getInputStream()) {
          byte[] buf = new byte[65536];
          for (int k; (k = in.read(buf)) > 0; n += k) {
            got.update(buf, 0, k);
          }
        }
        MessageDigest want = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[256 * 4096];
        for (int i = 0; i < chunk.length; i++) {
          chunk[i] = (byte) i;
        }
        for (int i = 0; i < 10; i++) {
          want.update(chunk);
        }
        assertThat(n).isEqualTo(10L << 20);
        assertThat(HexFormat.of().formatHex(got.digest())).isEqualTo(HexFormat.of().formatHex(want.digest()));
      }
    }
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
  }

  @Test
  void aPortInUseFailsTheStartAndLeavesNothing() throws Exception {
    requireRoot();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ContainerSpec spec = ContainerSpec.builder().command("sleep", "100").network(Network.bridge(BRIDGE))
          .publish("127.0.0.1:" + taken.getLocalPort() + ":80").build();
      assertThatThrownBy(() -> Container.start(spec)).isInstanceOf(ContainerStartException.class)
          .hasMessageContaining(Integer.toString(taken.getLocalPort()));
    }
    assertThat(ContainerRuntime.defaults().networks().list()).filteredOn(n -> n.name().equals(BRIDGE)).singleElement()
        .satisfies(n -> assertThat(n.leases()).isZero());
  }

  @Test
  void aContainerCanJoinAnothersNetwork() throws Exception {
    requireRoot();
    try (Container srv = server(ContainerSpec.builder().network(Network.bridge(BRIDGE)), "127.0.0.1")) {
      String client = "import socket\n"
          + "s = socket.create_connection(('127.0.0.1', 8080), timeout=10); s.sendall(b'pod\\n')\n"
          + "print(s.recv(100).decode().strip())\n";
      Run.Result r = Run.run(ContainerSpec.builder().network(Network.sharedWith(srv.id().substring(0, 12)))
          .command("python3", "-c", client).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(r.out()).as(r.err()).isEqualTo("hello pod\n");
    }
  }

  @Test
  void manyContainersOnOneBridgeLeaveNoVethLeaseOrNamespace() throws Exception {
    requireRoot();
    for (int i = 0; i < 100; i++) {
      try (Container c = Container.start(ContainerSpec.builder().command("true").network(Network.bridge(BRIDGE)).build())) {
        c.waitFor();
      }
    }
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    assertThat(ContainerRuntime.defaults().networks().list()).filteredOn(n -> n.name().equals(BRIDGE)).singleElement()
        .satisfies(n -> assertThat(n.leases()).isZero());
    Process ip = new ProcessBuilder("ip", "-br", "link").start();
    String links = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ip.waitFor();
    assertThat(links).doesNotContain("cjv");
  }

  @Test
  void badNetworkInputIsRejectedBeforeAnythingIsCreated() throws Exception {
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").network(Network.bridge("a-name-longer-than-15")).build())
        .hasMessageContaining("network.name must be 1-15 letters");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").publish("70000:80").build())
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").network(Network.none()).publish("8080:80").build())
        .hasMessageContaining("ports need Network.loopback(), Network.bridge or Network.userMode()");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").network(new Network.Bridge(BRIDGE, "10.0.0.300")).build())
        .hasMessageContaining("network.address must be an IPv4 or IPv6 address: 10.0.0.300");
    requireRoot();
    String outside = "192.0.2.77";
    assertThatThrownBy(() -> Container.start(ContainerSpec.builder().command("true").network(new Network.Bridge(BRIDGE, outside)).build()))
        .isInstanceOf(ContainerStartException.class).hasMessageContaining(outside);
    assertThatThrownBy(() -> ContainerRuntime.defaults().networks().create("cjtover", SUBNET)).hasMessageContaining("overlap");
    assertThat(Path.of("/sys/class/net/cjtover")).doesNotExist();
  }

  @Test
  void bridgeModeNeedsRoot() {
    Assumptions.assumeFalse(ROOT, "root may use bridges");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").network(Network.bridge("containerj0")).build())
        .isInstanceOf(SpecValidationException.class)
        .hasMessageContaining("needs CAP_NET_ADMIN on the host");
  }

  @Test
  void networkDirsAreUnderTheStateRoot() {
    assertThat(dev.containerj.core.internal.ContainerNetwork.networksDir().toString())
        .startsWith(dev.containerj.core.internal.StateStore.forCurrentUser().root().toString());
    assertThat(Files.exists(Path.of("/"))).isTrue();
  }
}
