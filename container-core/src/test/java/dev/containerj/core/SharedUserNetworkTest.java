package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.SharedUserNetwork;
import dev.containerj.namespaces.Redirect;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A shared user-mode network ({@link Network#userMode(String)}) on the real kernel, as root and, in
 * the rootless lane, as an ordinary user: containers reach each other by name and by address on a
 * bridge inside a namespace the runtime owns, and that namespace, its holder and its pasta are gone
 * after the last container and after a killed JVM. Traffic goes only between containers this test
 * starts.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class SharedUserNetworkTest {
  /** Connects over TCP to argv[1]:8080 and prints the answer, or why not. */
  private static final String CLIENT = String.join("\n",
      "import socket, sys",
      "try:",
      "    s = socket.create_connection((sys.argv[1], 8080), timeout=5)",
      "    s.sendall(sys.argv[2].encode() + b'\\n')",
      "    print('tcp', s.recv(100).decode().strip())",
      "except OSError as e:",
      "    print('tcp refused', type(e).__name__)");

  @BeforeAll
  static void tools() throws Exception {
    // Independent probes: pasta (Debian: passt), nsenter (util-linux) and ip (iproute2).
    Process p = new ProcessBuilder("sh", "-c", "command -v pasta && command -v nsenter && command -v ip").start();
    Assumptions.assumeTrue(p.waitFor() == 0, "pasta, nsenter or ip is not installed");
  }

  private static Container server(String network, String hostname) throws Exception {
    Container c = Container.start(ContainerSpec.builder().network(Network.userMode(network)).hostname(hostname)
        .command("python3", "-c", UserModeNetworkTest.SERVER).stdout(Redirect.PIPE).build());
    try {
      String line = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).isEqualTo("listening");
      return c;
    } catch (Throwable t) {
      c.close();
      throw t;
    }
  }

  private static String client(String network, String target, String tag) throws Exception {
    Run.Result r = Run.run(ContainerSpec.builder().network(Network.userMode(network))
        .command("python3", "-c", CLIENT, target, tag).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
    assertThat(r.err()).isEmpty();
    return r.out();
  }

  @Test
  void aContainerReachesAnotherByNameAndByAddressAndTheNetworkGoesWithTheLast() throws Exception {
    int holder;
    int pasta;
    String netns;
    try (Container srv = server("cjtest1", "server")) {
      SharedUserNetwork n = SharedUserNetwork.running("cjtest1");
      assertThat(n).isNotNull();
      holder = n.holderPid();
      pasta = n.stackPid();
      netns = Files.readSymbolicLink(Path.of("/proc/" + holder + "/ns/net")).toString();
      assertThat(alive(pasta)).isTrue();
      String address = srv.ipAddress().orElseThrow().getHostAddress();
      assertThat(address).startsWith("10.89.0.");
      assertThat(client("cjtest1", "server", "by-name")).isEqualTo("tcp hello by-name\n");
      assertThat(client("cjtest1", address, "by-address")).isEqualTo("tcp hello by-address\n");
      assertThat(client("cjtest1", srv.id().substring(0, 12), "by-id")).isEqualTo("tcp hello by-id\n");
      // A container of another network (another namespace) does not know the name.
      assertThat(client("cjtest2", "server", "x")).isEqualTo("tcp refused gaierror\n");
    }
    // The last container's teardown (which releases the network) runs on the default runtime's lane.
    assertThat(ContainerRuntime.defaults().awaitTeardown(java.time.Duration.ofSeconds(30))).isTrue();
    assertThat(SharedUserNetwork.running("cjtest1")).isNull();
    awaitGone(holder, pasta);
    assertThat(alive(holder)).as("holder pid %d", holder).isFalse();
    assertThat(alive(pasta)).as("pasta pid %d", pasta).isFalse();
    assertThat(UserModeNetworkTest.holders(netns)).isEmpty();
  }

  /**
   * Escape class: another network's containers. Each shared network is a namespace of its own, so a
   * container cannot reach a container of another network even by its address (nothing answers ARP
   * for it there). Protection off: the same client on the server's own network gets the answer.
   */
  @Test
  void aContainerOfAnotherNetworkIsUnreachableEvenByAddress() throws Exception {
    try (Container first = server("cjsrv", "first"); Container srv = server("cjsrv", "second")) {
      String address = srv.ipAddress().orElseThrow().getHostAddress();
      assertThat(address).isNotEqualTo(first.ipAddress().orElseThrow().getHostAddress());
      // cjcli has one container, the client, at the first address: the server's is nobody's there.
      assertThat(client("cjcli", address, "x")).startsWith("tcp refused ");
      // Protection off: the same client on the server's network.
      assertThat(client("cjsrv", address, "same")).isEqualTo("tcp hello same\n");
    }
  }

  /**
   * Escape class: the host's loopback services. A server on the host's 127.0.0.1 is reached neither
   * through the container's own 127.0.0.1 nor through the bridge's address in the shared namespace
   * (pasta forwards nothing from there by default: -T none -U none --no-map-gw).
   */
  @Test
  void theHostsLoopbackIsNotReachedFromASharedNetwork() throws Exception {
    try (java.net.ServerSocket host = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        while (!host.isClosed()) {
          try (java.net.Socket s = host.accept()) {
            s.getOutputStream().write("hello from the host\n".getBytes(StandardCharsets.UTF_8));
          } catch (java.io.IOException e) {
            return;
          }
        }
      }, "host-loopback-server");
      t.setDaemon(true);
      t.start();
      String port = String.valueOf(host.getLocalPort());
      String probe = String.join("\n",
          "import socket, sys",
          "for a in ('127.0.0.1', '10.89.0.1'):",
          "    try:",
          "        s = socket.create_connection((a, int(sys.argv[1])), timeout=3); print(a, s.recv(100).decode().strip())",
          "    except OSError as e:",
          "        print(a, 'refused')");
      Run.Result r = Run.run(ContainerSpec.builder().network(Network.userMode("cjloop"))
          .command("python3", "-c", probe, port).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(r.out()).as(r.err()).isEqualTo("127.0.0.1 refused\n10.89.0.1 refused\n");
    }
  }

  /**
   * A JVM killed with SIGKILL takes the network's holder and its pasta with it (PR_SET_PDEATHSIG), so
   * no process keeps the shared namespace; the next start reaps its directory.
   */
  @Test
  void aKilledJvmLeavesNoHolderNoStackAndNoNamespace() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", SecureDefaultsTest.childClassPath(),
        "-Dcontainerj.stateDir=" + dev.containerj.core.internal.StateStore.forCurrentUser().root(),
        SharedUserNetworkTest.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String id;
    int pid;
    int holder;
    int pasta;
    String netns;
    try {
      String[] line;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
        line = r.readLine().split(" ");
      }
      id = line[0];
      pid = Integer.parseInt(line[1]);
      holder = Integer.parseInt(line[2]);
      pasta = Integer.parseInt(line[3]);
      netns = Files.readSymbolicLink(Path.of("/proc/" + holder + "/ns/net")).toString();
      assertThat(alive(holder)).isTrue();
      assertThat(alive(pasta)).isTrue();
    } finally {
      jvm.destroyForcibly(); // SIGKILL: no close(), no shutdown hook
    }
    assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
    awaitGone(pid, holder, pasta);
    assertThat(alive(holder)).as("holder pid %d gone", holder).isFalse();
    assertThat(alive(pasta)).as("pasta pid %d gone", pasta).isFalse();
    assertThat(alive(pid)).as("container pid %d gone", pid).isFalse();
    assertThat(UserModeNetworkTest.holders(netns)).as("processes in %s", netns).isEmpty();
    assertThat(Container.reapOrphans()).contains(id);
  }

  /** The child JVM of {@link #aKilledJvmLeavesNoHolderNoStackAndNoNamespace}. */
  public static void main(String[] args) throws Exception {
    Container c = Container.start(ContainerSpec.builder().network(Network.userMode("cjkilled")).command("sleep", "1000").build());
    SharedUserNetwork n = java.util.Objects.requireNonNull(SharedUserNetwork.running("cjkilled"));
    System.out.println(c.id() + " " + c.pid() + " " + n.holderPid() + " " + n.stackPid());
    System.out.flush();
    Thread.sleep(600_000);
  }

  private static void awaitGone(int... pids) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int pid : pids) {
      while (alive(pid) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }
  }

  private static boolean alive(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
