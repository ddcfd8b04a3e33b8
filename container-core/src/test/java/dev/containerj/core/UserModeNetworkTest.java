package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import dev.containerj.net.PortMapping;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The user-mode network (pasta) on the real kernel, as root and, in the rootless lane, as an
 * ordinary user. Every byte goes to servers this test starts on this machine: on the host's
 * 127.0.0.1, or inside the container reached through a published port on 127.0.0.1. No test sends
 * anything towards the gateway or any other address.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class UserModeNetworkTest {
  private static final boolean ROOT = LibC.geteuid() == 0;

  /** Serves "hello NAME\n" or N bytes of a pattern over TCP, and echoes UDP, on 0.0.0.0:8080. */
  static final String SERVER = String.join("\n",
      "import socket, sys, threading",
      "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 8080))",
      "def echo():",
      "    while True:",
      "        d, a = u.recvfrom(2048); u.sendto(b'echo ' + d, a)",
      "threading.Thread(target=echo, daemon=True).start()",
      "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
      "s.bind(('0.0.0.0', 8080)); s.listen(8)",
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

  /** Connects to 127.0.0.1:PORT over TCP and sends "ping" over UDP to 127.0.0.1:PORT+1, inside. */
  private static final String CLIENT = String.join("\n",
      "import socket, sys",
      "port = int(sys.argv[1])",
      "try:",
      "    s = socket.create_connection(('127.0.0.1', port), timeout=5)",
      "    print('tcp', s.recv(100).decode().strip())",
      "except OSError as e:",
      "    print('tcp refused', type(e).__name__)",
      "if len(sys.argv) > 2:",
      "    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)",
      "    u.sendto(b'ping', ('127.0.0.1', int(sys.argv[2])))",
      "    try:",
      "        print('udp', u.recvfrom(100)[0].decode())",
      "    except OSError as e:",
      "        print('udp none', type(e).__name__)");

  @BeforeAll
  static void pasta() throws Exception {
    // An independent probe: the pasta binary the runtime would pick (Debian's passt package).
    Process p = new ProcessBuilder("sh", "-c", "command -v pasta").start();
    Assumptions.assumeTrue(p.waitFor() == 0, "pasta (Debian: passt) is not installed");
  }

  private static Container server(Network.UserMode network, PortMapping... ports) throws Exception {
    ContainerSpec.Builder b = ContainerSpec.builder().network(network)
        .command("python3", "-c", SERVER).stdout(Redirect.PIPE);
    for (PortMapping port : ports) {
      b.publish(port);
    }
    Container c = Container.start(b.build());
    try {
      String line = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).isEqualTo("listening");
      return c;
    } catch (Throwable t) {
      c.close();
      throw t;
    }
  }

  /**
   * Escape class: the host's loopback services. A TCP server on the host's 127.0.0.1 trusts that only
   * the host's own users reach it. With the default user-mode network the container's 127.0.0.1 is
   * its own (nothing listens there); with {@code hostLoopback(true)} (protection off) pasta forwards
   * it to the host's and the same client gets the host's answer.
   */
  @Test
  void theHostsLoopbackServicesAreReachableOnlyWhenAsked() throws Exception {
    try (ServerSocket host = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      Thread t = new Thread(() -> answer(host, udp), "host-loopback-server");
      t.setDaemon(true);
      t.start();
      String port = String.valueOf(host.getLocalPort());
      String udpPort = String.valueOf(udp.getLocalPort());

      Run.Result closed = Run.run(ContainerSpec.builder().network(Network.userMode())
          .command("python3", "-c", CLIENT, port, udpPort).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(closed.out()).as(closed.err()).isEqualTo("tcp refused ConnectionRefusedError\nudp none TimeoutError\n");

      // Protection off: the same client, the option on. Both protocols, both ways.
      Run.Result open = Run.run(ContainerSpec.builder().network(Network.userMode().hostLoopback(true))
          .command("python3", "-c", CLIENT, port, udpPort).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(open.out()).as(open.err()).isEqualTo("tcp hello from the host\nudp echo ping\n");
    }
  }

  private static void answer(ServerSocket host, DatagramSocket udp) {
    Thread u = new Thread(() -> {
      byte[] buf = new byte[2048];
      while (!udp.isClosed()) {
        try {
          DatagramPacket in = new DatagramPacket(buf, buf.length);
          udp.receive(in);
          byte[] out = ("echo " + new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8))
              .getBytes(StandardCharsets.UTF_8);
          udp.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    }, "host-loopback-udp");
    u.setDaemon(true);
    u.start();
    while (!host.isClosed()) {
      try (Socket s = host.accept()) {
        s.getOutputStream().write("hello from the host\n".getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        return;
      }
    }
  }

  @Test
  void anEphemeralPublishedPortCarriesTenMegabytesIntact() throws Exception {
    try (Container srv = server(Network.userMode(), PortMapping.ephemeral(8080))) {
      int port = srv.mappedPort(8080);
      assertThat(port).isPositive();
      MessageDigest got = MessageDigest.getInstance("SHA-256");
      long n = 0;
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        s.getOutputStream().write("bytes 10485760\n".getBytes(StandardCharsets.UTF_8));
        try (InputStream in = s.getInputStream()) {
          byte[] buf = new byte[65536];
          for (int k; (k = in.read(buf)) > 0; n += k) {
            got.update(buf, 0, k);
          }
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

  /**
   * UDP both ways through a published port: a datagram from the host reaches the container's server
   * (pasta {@code -u}) and its answer comes back to the host's socket.
   */
  @Test
  void aPublishedUdpPortCarriesDatagramsBothWays() throws Exception {
    int port;
    try (DatagramSocket free = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      port = free.getLocalPort();
    }
    // The same port on both sides: Debian 12's pasta (passt 2023-03-09) loses the replies of a UDP
    // mapping whose host and container ports differ (later passt versions fix it).
    String echo = String.join("\n", "import socket, sys",
        "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', int(sys.argv[1])))",
        "print('listening', flush=True)",
        "while True:",
        "    d, a = u.recvfrom(2048); u.sendto(b'echo ' + d, a)");
    Container srv = Container.start(ContainerSpec.builder().network(Network.userMode())
        .command("python3", "-c", echo, String.valueOf(port)).stdout(Redirect.PIPE)
        .publish(PortMapping.parse("127.0.0.1:" + port + ":" + port + "/udp")).build());
    try (srv; DatagramSocket u = new DatagramSocket()) {
      assertThat(new BufferedReader(new InputStreamReader(srv.stdout(), StandardCharsets.UTF_8)).readLine()).isEqualTo("listening");
      u.setSoTimeout(2000);
      byte[] buf = new byte[2048];
      String got = null;
      // The first datagram may arrive before the server's socket is bound: UDP is not retried by anyone else.
      for (int i = 0; i < 5 && got == null; i++) {
        byte[] ping = ("ping " + i).getBytes(StandardCharsets.UTF_8);
        u.send(new DatagramPacket(ping, ping.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        try {
          DatagramPacket in = new DatagramPacket(buf, buf.length);
          u.receive(in);
          got = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
        } catch (java.net.SocketTimeoutException e) {
          // next try
        }
      }
      assertThat(got).startsWith("echo ping ");
    }
  }

  /** slirp4netns publishes ports too, through its API socket's add_hostfwd. */
  @Test
  void slirp4netnsPublishesAnEphemeralPort() throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "command -v slirp4netns").start();
    Assumptions.assumeTrue(p.waitFor() == 0, "slirp4netns is not installed");
    try (Container srv = server(Network.userMode().stack(Network.Stack.SLIRP4NETNS), PortMapping.ephemeral(8080));
        Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), srv.mappedPort(8080)), 10_000);
      s.getOutputStream().write("slirp\n".getBytes(StandardCharsets.UTF_8));
      assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine())
          .isEqualTo("hello slirp");
    }
  }

  @Test
  void theContainerHasATapDeviceWithRoutesAndTheHostsNameServers() throws Exception {
    Run.Result r = Run.run(Run.sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' ';"
        + " grep -c ^nameserver /etc/resolv.conf; awk '$2 == \"00000000\" {print \"default via\", $1}' /proc/net/route")
        .network(Network.userMode()).build());
    assertThat(r.out()).as(r.err()).isEqualTo("eth0 lo 1\ndefault via eth0\n");
  }

  /**
   * The stack never outlives its container: a JVM killed with SIGKILL (no close, no shutdown hook)
   * takes its pasta with it (PR_SET_PDEATHSIG), and with the pasta and the container gone no
   * process holds the container's network namespace any more.
   */
  @Test
  void aKilledJvmLeavesNoStackProcessAndNoNetworkNamespace() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", SecureDefaultsTest.childClassPath(),
        "-Dcontainerj.stateDir=" + dev.containerj.core.internal.StateStore.forCurrentUser().root(),
        UserModeNetworkTest.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String[] line;
    String id;
    int pid;
    int pasta;
    String netns;
    try {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
        line = r.readLine().split(" ");
      }
      id = line[0];
      pid = Integer.parseInt(line[1]);
      pasta = stackPid(pid);
      netns = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString();
      assertThat(holders(netns)).contains(pid);
      assertThat(alive(pasta)).isTrue();
    } finally {
      jvm.destroyForcibly(); // SIGKILL: no close(), no shutdown hook
    }
    assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((alive(pid) || alive(pasta)) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(alive(pasta)).as("pasta pid %d gone", pasta).isFalse();
    assertThat(alive(pid)).as("container pid %d gone", pid).isFalse();
    assertThat(holders(netns)).as("processes in %s", netns).isEmpty();
    assertThat(Container.reapOrphans()).contains(id);
  }

  /** The child JVM of {@link #aKilledJvmLeavesNoStackProcessAndNoNetworkNamespace}. */
  public static void main(String[] args) throws Exception {
    Container c = Container.start(ContainerSpec.builder().network(Network.userMode()).command("sleep", "1000").build());
    System.out.println(c.id() + " " + c.pid());
    System.out.flush();
    Thread.sleep(600_000);
  }

  @Test
  void aStackThatCannotStartFailsTheStartWithItsStderrAndLeavesNothing() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ContainerSpec spec = ContainerSpec.builder().network(Network.userMode()).command("true")
          .publish("127.0.0.1:" + taken.getLocalPort() + ":80").build();
      assertThatThrownBy(() -> Container.start(spec).close())
          .isInstanceOf(ContainerStartException.class)
          .hasStackTraceContaining("pasta failed to start")
          .hasStackTraceContaining(String.valueOf(taken.getLocalPort()));
    }
  }

  @Test
  void aPrivilegedHostPortIsRefusedToAnOrdinaryUserNamingTheSysctl() {
    ContainerSpec.Builder b = ContainerSpec.builder().network(Network.userMode()).command("true").publish("127.0.0.1:80:80");
    if (ROOT) {
      assertThat(b.build().ports()).hasSize(1);
    } else {
      assertThatThrownBy(b::build).isInstanceOf(SpecValidationException.class)
          .hasMessageContaining("ports[0]").hasMessageContaining("net.ipv4.ip_unprivileged_port_start");
    }
  }

  /** The pid of the stack serving the container whose pid 1 is {@code pid}. */
  static int stackPid(int pid) throws IOException {
    String target = "/proc/" + pid + "/ns/net";
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        if (!p.getFileName().toString().matches("\\d+")) {
          continue;
        }
        try {
          List<String> argv = List.of(Files.readString(p.resolve("cmdline")).split("\0"));
          if (!argv.isEmpty() && argv.get(0).endsWith("pasta") && argv.contains(target)) {
            return Integer.parseInt(p.getFileName().toString());
          }
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    }
    throw new AssertionError("no pasta serves " + target);
  }

  /** The pids whose network namespace is {@code netns} ("net:[INODE]"). */
  static List<Integer> holders(String netns) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        if (p.getFileName().toString().matches("\\d+")) {
          try {
            if (Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(netns) && alive(Integer.parseInt(p.getFileName().toString()))) {
              out.add(Integer.parseInt(p.getFileName().toString()));
            }
          } catch (IOException gone) {
            // exited meanwhile, or not ours to read
          }
        }
      }
    }
    return out;
  }

  private static boolean alive(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }
}
