package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Links, addresses and routes against the real kernel, each test inside namespaces it creates and deletes. */
@Tag("kernel")
@org.junit.jupiter.api.extension.ExtendWith(RunNetnsCleanup.class)
class LinkKernelTest {
  private final List<NetworkNamespace> namespaces = new ArrayList<>();

  @BeforeEach
  void root() throws Exception {
    TestNet.assumeLinkKind("veth");
    TestNet.assumeLinkKind("bridge");
  }

  @AfterEach
  void cleanup() {
    for (NetworkNamespace ns : namespaces) {
      TestNet.deleteQuietly(ns);
    }
  }

  private NetworkNamespace newNamespace(String suffix) throws Exception {
    NetworkNamespace ns = NetworkNamespace.createPersistent(TestNet.uniqueName(suffix));
    namespaces.add(ns);
    return ns;
  }

  @Test
  void vethPairBetweenTwoNamespacesCarriesTcp() throws Exception {
    NetworkNamespace a = newNamespace("a");
    NetworkNamespace b = newNamespace("b");
    try (LinkHandle veth = VethPair.builder()
        .name("va").namespace(a).address("10.250.0.1/24").up()
        .peer(p -> p.name("vb").namespace(b).address("10.250.0.2/24").address("fd00:250::2/64").up()
            .defaultRoute("10.250.0.1"))
        .mtu(1400)
        .build()
        .createIn(a.rtnetlink())) {
      a.rtnetlink().addAddress("va", IpPrefix.parse("fd00:250::1/64"));

      // what ip(8) sees in each namespace
      String addrA = TestNet.ip(a.name(), "-j", "addr", "show", "dev", "va");
      assertThat(addrA).contains("\"local\":\"10.250.0.1\",\"prefixlen\":24").contains("\"local\":\"fd00:250::1\",\"prefixlen\":64")
          .contains("\"mtu\":1400");
      String routesB = TestNet.ip(b.name(), "-j", "route", "show");
      assertThat(routesB).contains("{\"dst\":\"default\",\"gateway\":\"10.250.0.1\",\"dev\":\"vb\"")
          .contains("\"dst\":\"10.250.0.0/24\",\"dev\":\"vb\"");
      // and the library reads the same back
      assertThat(b.rtnetlink().routes()).extracting(Route::toString)
          .contains("default via 10.250.0.1 dev vb", "10.250.0.0/24 dev vb");
      assertThat(b.rtnetlink().addresses("vb")).extracting(la -> la.prefix().toString())
          .contains("10.250.0.2/24", "fd00:250::2/64");
      Link vb = b.rtnetlink().requireLink("vb");
      assertThat(vb.kind()).isEqualTo("veth");
      assertThat(vb.up()).isTrue();
      assertThat(vb.mtu()).isEqualTo(1400);

      // a TCP server in a, a client in b, over the veth (IPv4 and IPv6)
      for (String server : List.of("10.250.0.1", "fd00:250::1")) {
        try (ServerSocket ss = a.call(() -> new ServerSocket(0, 1, InetAddress.getByName(server)))) {
          Thread acceptor = new Thread(() -> {
            try (Socket s = ss.accept()) {
              DataInputStream in = new DataInputStream(s.getInputStream());
              new DataOutputStream(s.getOutputStream()).writeUTF("echo " + in.readUTF());
            } catch (Exception ignored) {
              // the client's assertion fails instead
            }
          });
          acceptor.start();
          try (Socket c = b.call(() -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(server, ss.getLocalPort()), 5000);
            return s;
          })) {
            new DataOutputStream(c.getOutputStream()).writeUTF("hello from b");
            assertThat(new DataInputStream(c.getInputStream()).readUTF()).isEqualTo("echo hello from b");
            assertThat(((InetSocketAddress) c.getLocalSocketAddress()).getAddress().getHostAddress())
                .isIn("10.250.0.2", "fd00:250:0:0:0:0:0:2");
          }
          acceptor.join(5000);
        }
      }
    }
    assertThat(TestNet.ip(a.name(), "-br", "link")).doesNotContain("va");
    assertThat(TestNet.ip(b.name(), "-br", "link")).doesNotContain("vb");
  }

  @Test
  void bridgeWithTwoVethsConnectsTwoNamespaces() throws Exception {
    NetworkNamespace sw = newNamespace("sw");
    NetworkNamespace a = newNamespace("a");
    NetworkNamespace b = newNamespace("b");
    Rtnetlink swNl = sw.rtnetlink();
    try (LinkHandle br = Bridge.builder().name("br0").address("10.251.0.1/24").up().build().createIn(swNl);
        LinkHandle va = VethPair.builder().name("pa").master("br0").up()
            .peer(p -> p.name("eth0").namespace(a).address("10.251.0.2/24").up()).build().createIn(swNl);
        LinkHandle vb = VethPair.builder().name("pb").master("br0").up()
            .peer(p -> p.name("eth0").namespace(b).address("10.251.0.3/24").up()).build().createIn(swNl)) {
      int brIndex = swNl.requireLink("br0").index();
      assertThat(swNl.links()).filteredOn(l -> l.masterIndex() == brIndex).extracting(Link::name)
          .containsExactlyInAnyOrder("pa", "pb");
      assertThat(TestNet.ip(sw.name(), "-j", "link", "show", "master", "br0")).contains("\"ifname\":\"pa\"").contains("\"ifname\":\"pb\"");
      // a to b through the bridge, and a to the bridge's own address
      for (String target : List.of("10.251.0.3", "10.251.0.1")) {
        NetworkNamespace serverNs = target.equals("10.251.0.3") ? b : sw;
        try (ServerSocket ss = serverNs.call(() -> new ServerSocket(0, 1, InetAddress.getByName(target)))) {
          Thread acceptor = new Thread(() -> {
            try (Socket s = ss.accept()) {
              s.getOutputStream().write(42);
            } catch (Exception ignored) {
              // client assertion fails instead
            }
          });
          acceptor.start();
          try (Socket c = a.call(() -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(target, ss.getLocalPort()), 5000);
            return s;
          })) {
            assertThat(c.getInputStream().read()).isEqualTo(42);
          }
          acceptor.join(5000);
        }
      }
    }
    assertThat(TestNet.ip(sw.name(), "-br", "link")).doesNotContain("br0").doesNotContain("pa");
  }

  @Test
  void linkSettingsAreReadBackFromTheKernel() throws Exception {
    NetworkNamespace ns = newNamespace("s");
    Rtnetlink nl = ns.rtnetlink();
    nl.createVeth("x0", "x1");
    nl.createBridge("brx");
    nl.setMtu("x0", 1280);
    nl.setMac("x0", "02:00:00:00:ab:cd");
    nl.rename("x0", "y0");
    nl.setMaster("y0", "brx");
    nl.setUp("y0", true);
    nl.setUp("x1", true);
    Link y0 = nl.requireLink("y0");
    assertThat(y0.mtu()).isEqualTo(1280);
    assertThat(y0.mac()).isEqualTo("02:00:00:00:ab:cd");
    assertThat(y0.masterIndex()).isEqualTo(nl.requireLink("brx").index());
    assertThat(y0.up()).isTrue();
    assertThat(nl.link("x0")).isEmpty();
    assertThat(nl.link(y0.index())).contains(y0);
    assertThat(y0.peerIndex()).isEqualTo(nl.requireLink("x1").index());
    String json = TestNet.ip(ns.name(), "-j", "link", "show", "y0");
    assertThat(json).contains("\"mtu\":1280").contains("\"address\":\"02:00:00:00:ab:cd\"").contains("\"master\":\"brx\"")
        .contains("UP");
    nl.setMaster("y0", null);
    nl.setUp("y0", false);
    assertThat(nl.requireLink("y0").masterIndex()).isZero();
    assertThat(nl.requireLink("y0").up()).isFalse();

    // move one end into another namespace, by fd and by pid
    NetworkNamespace other = newNamespace("o");
    nl.moveTo("x1", other);
    assertThat(nl.link("x1")).isEmpty();
    assertThat(other.rtnetlink().requireLink("x1").kind()).isEqualTo("veth");
    Process sleeper = new ProcessBuilder("ip", "netns", "exec", ns.name(), "sleep", "30").start();
    try {
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (NetworkNamespaceTest.inodeOf("/proc/" + sleeper.pid() + "/ns/net") != ns.inode() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      other.rtnetlink().moveTo("x1", sleeper.pid());
      assertThat(nl.requireLink("x1").kind()).isEqualTo("veth");
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
    nl.deleteLink("y0");
    assertThat(nl.link("y0")).isEmpty();
    assertThat(nl.link("x1")).isEmpty();
  }

  @Test
  void addressesAndRoutesAreAddedListedAndDeleted() throws Exception {
    NetworkNamespace ns = newNamespace("r");
    Rtnetlink nl = ns.rtnetlink();
    nl.createBridge("br1");
    nl.setUp("br1", true);
    nl.addAddress("br1", IpPrefix.parse("10.252.0.1/24"));
    nl.addAddress("br1", IpPrefix.parse("fd00:252::1/64"));
    nl.addRoute(Route.builder().destination("10.253.0.0/16").gateway("10.252.0.9").build());
    nl.addRoute(Route.onLink(IpPrefix.parse("10.254.1.0/24"), "br1"));
    nl.addRoute(Route.defaultVia("10.252.0.254"));
    nl.addRoute(Route.builder().gateway("fd00:252::fe").device("br1").build());
    String json = TestNet.ip(ns.name(), "-j", "route", "show");
    assertThat(json).contains("{\"dst\":\"10.253.0.0/16\",\"gateway\":\"10.252.0.9\",\"dev\":\"br1\"")
        .contains("{\"dst\":\"10.254.1.0/24\",\"dev\":\"br1\",\"scope\":\"link\"")
        .contains("{\"dst\":\"default\",\"gateway\":\"10.252.0.254\",\"dev\":\"br1\"");
    assertThat(TestNet.ip(ns.name(), "-j", "-6", "route", "show")).contains("{\"dst\":\"default\",\"gateway\":\"fd00:252::fe\",\"dev\":\"br1\"");
    Set<String> routes = nl.routes().stream().map(Route::toString).collect(Collectors.toSet());
    assertThat(routes).contains("10.253.0.0/16 via 10.252.0.9 dev br1", "10.254.1.0/24 dev br1",
        "default via 10.252.0.254 dev br1", "default via fd00:252::fe dev br1 metric 1024");
    nl.deleteRoute(Route.defaultVia("10.252.0.254"));
    nl.deleteRoute(Route.onLink(IpPrefix.parse("10.254.1.0/24"), "br1"));
    nl.deleteAddress("br1", IpPrefix.parse("fd00:252::1/64"));
    assertThat(TestNet.ip(ns.name(), "-j", "route", "show")).doesNotContain("10.252.0.254").doesNotContain("10.254.1.0");
    assertThat(TestNet.ip(ns.name(), "-j", "addr", "show", "br1")).contains("10.252.0.1").doesNotContain("fd00:252::1");
  }

  @Test
  void dumpOfManyLinksReturnsEveryOne() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      Rtnetlink nl = ns.rtnetlink();
      int pairs = 150;
      for (int i = 0; i < pairs; i++) {
        nl.createVeth("m" + i, "n" + i);
      }
      List<Link> links = nl.links();
      // 300 veths and lo: far more than one 32 KiB netlink datagram holds, so the dump is multi-part
      assertThat(links).hasSize(2 * pairs + 1);
      assertThat(links).extracting(Link::name).contains("lo", "m0", "n0", "m149", "n149");
      assertThat(links.stream().map(Link::index).distinct().count()).isEqualTo(2L * pairs + 1);
      // a receive buffer far smaller than one datagram grows instead of cutting messages off
      int count = ns.call(() -> {
        try (dev.containerj.net.internal.NetlinkSocket small = dev.containerj.net.internal.NetlinkSocket.open(256)) {
          return small.execute(dev.containerj.net.internal.NlRequest.of(dev.containerj.net.internal.Nl.RTM_GETLINK,
              dev.containerj.net.internal.Nl.NLM_F_DUMP, "all links").ifinfomsg(0, 0, 0, 0)).size();
        }
      });
      assertThat(count).isEqualTo(2 * pairs + 1);
    }
  }

  @Test
  void kernelErrorsCarryErrnoAndText() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      Rtnetlink nl = ns.rtnetlink();
      nl.createVeth("cj0a", "cj0b");
      assertThatThrownBy(() -> nl.createVeth("cj0a", "cj0c"))
          .isInstanceOf(NetlinkException.class)
          .hasMessage("RTM_NEWLINK veth cj0a: EEXIST (File exists)")
          .satisfies(e -> assertThat(((NetlinkException) e).errno()).isEqualTo(17));
      assertThatThrownBy(() -> nl.requireLink("cjmissing"))
          .isInstanceOf(NetlinkException.class)
          .hasMessage("RTM_GETLINK cjmissing: ENODEV (No such device)");
      assertThatThrownBy(() -> nl.deleteLink("cjmissing"))
          .isInstanceOf(NetlinkException.class)
          .hasMessage("RTM_DELLINK cjmissing: ENODEV (No such device)");
      assertThatThrownBy(() -> nl.addAddress("cjmissing", IpPrefix.parse("10.0.0.1/24")))
          .hasMessage("RTM_GETLINK cjmissing: ENODEV (No such device)");
      // a gateway that no route reaches: the kernel explains in its extended ack
      assertThatThrownBy(() -> nl.addRoute(Route.builder().destination("10.9.0.0/16").gateway("10.8.0.1").device("cj0a").build()))
          .isInstanceOf(NetlinkException.class)
          .hasMessageStartingWith("RTM_NEWROUTE 10.9.0.0/16 via 10.8.0.1 dev cj0a: ENETUNREACH (Network is unreachable)")
          .satisfies(e -> assertThat(((NetlinkException) e).extendedAck()).isEqualTo("Nexthop has invalid gateway"));
      // the kernel's own check of a prefix length, through a raw request (the API never sends one)
      int index = nl.requireLink("cj0a").index();
      assertThatThrownBy(() -> nl.socket().execute(dev.containerj.net.internal.NlRequest
          .of(dev.containerj.net.internal.Nl.RTM_NEWADDR, dev.containerj.net.internal.Nl.NLM_F_ACK
              | dev.containerj.net.internal.Nl.NLM_F_CREATE, "10.0.0.1/33 dev cj0a")
          .ifaddrmsg(2, 33, 0, 0, index).attr(2, new byte[] {10, 0, 0, 1}).attr(1, new byte[] {10, 0, 0, 1})))
          .isInstanceOf(NetlinkException.class)
          // Linux 6.1 (the cgroup v2 lane) gives no extended ack for it; newer kernels explain.
          .hasMessageStartingWith("RTM_NEWADDR 10.0.0.1/33 dev cj0a: EINVAL (Invalid argument)")
          .satisfies(e -> assertThat(e.getMessage()).matches(".*\\(Invalid argument\\)(: ipv4: Invalid prefix length)?"));
      // a bad prefix length never reaches the kernel
      assertThatThrownBy(() -> IpPrefix.parse("10.0.0.1/33"))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("prefix length must be 0..32 for IPv4: 33");
      assertThatThrownBy(() -> Bridge.builder().name("containerjbridge0"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("bridge name must be at most 15 bytes (IFNAMSIZ 16 with the NUL): containerjbridge0 (17 bytes)");
      assertThat(nl.links()).extracting(Link::name).containsExactlyInAnyOrder("lo", "cj0a", "cj0b");
    }
  }
}
