package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.net.internal.NetnsHop;
import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the fast connect of {@link BridgeNetwork} must not give up: the bridge's index is remembered
 * between connects (not read again each time), so each connect checks that the index it attaches to
 * is still this network's bridge; and a container's namespace is configured from the library's
 * shared hop thread, which must leave it again. Each test runs once more with the protection off and
 * shows what it prevents. A namespace of the test's own stands in for the host.
 */
@Tag("kernel")
@org.junit.jupiter.api.extension.ExtendWith(RunNetnsCleanup.class)
class BridgeConnectTest {
  @TempDir Path state;
  private NetworkNamespace host;

  @BeforeEach
  void setUp() throws Exception {
    host = TestNet.bridgeHost();
  }

  @AfterEach
  void tearDown() {
    BridgeNetwork.verifyBridge = true;
    NetnsHop.returnHomeForTest(true);
    TestNet.deleteQuietly(host);
  }

  private BridgeNetwork.Builder network() {
    return BridgeNetwork.builder().bridgeName("cjbr0").subnet("10.77.0.0/24")
        .ipamDirectory(state.resolve("networks/cjbr0")).hostNamespace(host);
  }

  /**
   * The bridge is deleted and another bridge takes its interface index (as the kernel allows on
   * request, and as index reuse can do by itself): the next connect must not make the container a
   * port of that other bridge, a network it was never put on.
   */
  @Test
  void aLinkHoldingTheBridgesOldIndexNeverGetsTheContainer() throws Exception {
    Rtnetlink h = host.rtnetlink();
    List<AutoCloseable> open = new ArrayList<>();
    try (BridgeNetwork net = network().build()) {
      NetworkNamespace c1 = NetworkNamespace.create();
      open.add(c1);
      open.add(net.connect(c1, "c1"));
      int old = h.requireLink("cjbr0").index();
      h.deleteLink("cjbr0");
      createBridgeAt(h, "other0", old);
      NetworkNamespace c2 = NetworkNamespace.create();
      open.add(c2);
      BridgeAttachment a2 = net.connect(c2, "c2");
      open.add(a2);
      Link bridge = h.requireLink("cjbr0");
      assertThat(bridge.index()).as("the bridge was made again").isNotEqualTo(old);
      assertThat(h.requireLink(a2.hostInterface()).masterIndex()).isEqualTo(bridge.index());
      assertThat(portsOf(h, old)).as("nothing joined the link at the old index").isEmpty();
      assertThat(c2.rtnetlink().addresses("eth0")).extracting(a -> a.prefix().toString()).contains("10.77.0.3/24");

      // Protection off: the remembered index is used unchecked. The same swap puts the next
      // container on the other bridge.
      BridgeNetwork.verifyBridge = false;
      int now = bridge.index();
      h.deleteLink("cjbr0");
      createBridgeAt(h, "other1", now);
      NetworkNamespace c3 = NetworkNamespace.create();
      open.add(c3);
      BridgeAttachment a3 = net.connect(c3, "c3");
      open.add(a3);
      assertThat(h.requireLink(a3.hostInterface()).masterIndex()).as("off: a port of other1").isEqualTo(now);
      assertThat(portsOf(h, now)).containsExactly(a3.hostInterface());
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
  }

  /**
   * A container's eth0 is configured without a thread of its own in its namespace: the shared hop
   * thread enters it, sets accept_ra=0 before eth0 is up, and goes back to its own namespace, so no
   * thread keeps a container's namespace (alive, or as the place the next task starts in).
   */
  @Test
  void theHopThreadLeavesTheContainersNamespaceAndItsEth0TakesNoRouterAdvertisements() throws Exception {
    try (BridgeNetwork net = network().build();
        NetworkNamespace c1 = NetworkNamespace.create();
        NetworkNamespace c2 = NetworkNamespace.create();
        NetworkNamespace c3 = NetworkNamespace.create()) {
      String jvm = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
      long netnsThreads = netnsThreadCount();
      try (NetworkNamespace view = threadless(c1); BridgeAttachment a1 = net.connect(view, "c1")) {
        assertThat(hopThreadNamespace()).as("back in its own namespace").isEqualTo(jvm);
        assertThat(netnsThreadCount()).as("no thread for the container's namespace").isEqualTo(netnsThreads);
        assertThat(c1.rtnetlink().addresses("eth0")).extracting(a -> a.prefix().toString()).contains("10.77.0.2/24");
        assertThat(c1.rtnetlink().routes()).extracting(Route::toString).contains("default via 10.77.0.1 dev eth0");
        assertThat(c1.rtnetlink().requireLink("lo").up()).isTrue();
        if (Files.isDirectory(Path.of("/proc/sys/net/ipv6"))) {
          assertThat(c1.call(() -> Files.readString(Path.of("/proc/sys/net/ipv6/conf/eth0/accept_ra"))).strip()).isEqualTo("0");
        }
      }
      // Protection off: the thread stays where its last task was, holding that container's namespace.
      NetnsHop.returnHomeForTest(false);
      try (NetworkNamespace view = threadless(c2); BridgeAttachment a2 = net.connect(view, "c2")) {
        assertThat(hopThreadNamespace()).as("off: still inside c2").isEqualTo(namespaceOf(c2)).isNotEqualTo(jvm);
      }
      NetnsHop.returnHomeForTest(true);
      try (NetworkNamespace view = threadless(c3); BridgeAttachment a3 = net.connect(view, "c3")) {
        assertThat(hopThreadNamespace()).isEqualTo(jvm);
      }
    }
  }

  /** A second handle on {@code ns} without a thread, as a container's {@code openPid} handle is. */
  private static NetworkNamespace threadless(NetworkNamespace ns) throws IOException {
    return NetworkNamespace.openPath(Path.of("/proc/self/fd/" + ns.fd()));
  }

  private static String namespaceOf(NetworkNamespace ns) throws IOException {
    return ns.call(() -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
  }

  private static String hopThreadNamespace() throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          if (Files.readString(t.resolve("comm")).trim().equals(NetnsHop.THREAD_NAME)) {
            return Files.readSymbolicLink(t.resolve("ns/net")).toString();
          }
        } catch (IOException gone) {
          // a thread that ended while listed
        }
      }
    }
    throw new AssertionError("no thread " + NetnsHop.THREAD_NAME);
  }

  private static long netnsThreadCount() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("containerj-netns-")).count();
  }

  private static List<String> portsOf(Rtnetlink h, int master) throws IOException {
    return h.links().stream().filter(l -> l.masterIndex() == master).map(Link::name).toList();
  }

  /** A bridge created under interface index {@code index} (ifi_index of RTM_NEWLINK, rtnetlink(7)). */
  private static void createBridgeAt(Rtnetlink h, String name, int index) throws Exception {
    for (int attempt = 0; ; attempt++) {
      NlRequest req = NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, "bridge " + name)
          .ifinfomsg(Nl.AF_UNSPEC, index, 0, 0).attrString(Nl.IFLA_IFNAME, name);
      int info = req.nestStart(Nl.IFLA_LINKINFO);
      req.attrString(Nl.IFLA_INFO_KIND, "bridge");
      req.nestEnd(info);
      try {
        h.socket().execute(req);
        h.setUp(name, true);
        return;
      } catch (NetlinkException e) {
        if (e.errno() != 16 /* EBUSY: the deleted bridge's index not yet free */ || attempt > 50) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }
}
