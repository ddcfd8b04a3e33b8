package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.InvalidValueException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The root-only cases assume root; the validation cases also run as an ordinary user. */
@Tag("kernel")
@Tag("rootless")
class PortProxyTest {
  private static final InetAddress LOOPBACK = IpPrefix.parseAddress("127.0.0.1");

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }

  /** A TCP echo server on {@code ss} for one connection. */
  static Thread echoOnce(ServerSocket ss) {
    Thread t = new Thread(() -> {
      try (Socket s = ss.accept()) {
        s.getInputStream().transferTo(s.getOutputStream());
        s.shutdownOutput();
      } catch (Exception ignored) {
        // the client's assertion fails instead
      }
    });
    t.start();
    return t;
  }

  /** Sends {@code data} through {@code port} on 127.0.0.1 and returns what came back. */
  static byte[] roundTrip(int port, byte[] data) throws Exception {
    try (Socket c = new Socket(LOOPBACK, port)) {
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = c.getOutputStream();
          out.write(data);
          c.shutdownOutput();
        } catch (Exception ignored) {
          // the comparison fails instead
        }
      });
      writer.start();
      InputStream in = c.getInputStream();
      byte[] back = in.readAllBytes();
      writer.join();
      return back;
    }
  }

  @Test
  void tenMegabytesArriveIntactInANamespaceAddressOverAVeth() throws Exception {
    TestNet.assumeLinkKind("veth");
    // a /30 between the host and a fresh namespace, in a range the host does not use
    IpPrefix net = freeSubnet();
    String hostAddr = IpPrefix.addressString(net.addressAt(java.math.BigInteger.ONE));
    String nsAddr = IpPrefix.addressString(net.addressAt(java.math.BigInteger.TWO));
    String hostIf = TestNet.uniqueName("h");
    byte[] data = new byte[10 * 1024 * 1024];
    new Random(42).nextBytes(data);
    try (NetworkNamespace ns = NetworkNamespace.create();
        Rtnetlink host = Rtnetlink.open();
        LinkHandle veth = VethPair.builder().name(hostIf).address(hostAddr + "/30").up()
            .peer(p -> p.name("eth0").namespace(ns).address(nsAddr + "/30").up())
            .build().createIn(host);
        ServerSocket server = ns.call(() -> new ServerSocket(0, 1, InetAddress.getByName(nsAddr)))) {
      Thread echo = echoOnce(server);
      int port = freePort();
      PortProxy proxy = PortProxy.start(PortMapping.tcp(port, server.getLocalPort()), InetAddress.getByName(nsAddr));
      try {
        byte[] back = roundTrip(port, data);
        assertThat(back.length).isEqualTo(data.length);
        assertThat(MessageDigest.getInstance("SHA-256").digest(back))
            .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        echo.join(5000);
      } finally {
        proxy.close();
      }
      // the port is free again
      try (ServerSocket again = new ServerSocket(port, 1, LOOPBACK)) {
        assertThat(again.getLocalPort()).isEqualTo(port);
      }
      assertThat(proxy.activeForwards()).isZero();
    }
    try (Rtnetlink host = Rtnetlink.open()) {
      assertThat(host.link(hostIf)).isEmpty();
    }
  }

  /** A 10.x.y.0/30 that no host route or address overlaps. */
  static IpPrefix freeSubnet() throws Exception {
    try (Rtnetlink host = Rtnetlink.open()) {
      java.util.List<Route> routes = host.routes();
      java.util.List<LinkAddress> addrs = host.addresses();
      while (true) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        IpPrefix candidate = IpPrefix.parse("10." + (200 + r.nextInt(50)) + "." + r.nextInt(256) + "." + (4 * r.nextInt(64)) + "/30");
        boolean clash = routes.stream().anyMatch(rt -> rt.destination() != null && rt.destination().prefixLength() > 0
            && rt.destination().overlaps(candidate))
            || addrs.stream().anyMatch(a -> a.prefix().network().overlaps(candidate));
        if (!clash) {
          return candidate;
        }
      }
    }
  }

  @Test
  void targetNamespaceReachesLoopbackOfALoopbackOnlyNamespaceTcpAndUdp() throws Exception {
    TestNet.assumeRoot();
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      ns.rtnetlink().setUp("lo", true);
      try (ServerSocket server = ns.call(() -> new ServerSocket(0, 1, LOOPBACK));
          DatagramSocket udpServer = ns.call(() -> new DatagramSocket(0, LOOPBACK))) {
        Thread echo = echoOnce(server);
        Thread udpEcho = new Thread(() -> {
          try {
            DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
            udpServer.receive(p);
            byte[] reply = ("pong " + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            udpServer.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
          } catch (Exception ignored) {
            // client times out instead
          }
        });
        udpEcho.start();
        int tcpPort = freePort();
        int udpPort;
        try (DatagramSocket probe = new DatagramSocket(0, LOOPBACK)) {
          udpPort = probe.getLocalPort();
        }
        try (PortProxy proxy = PortProxy.builder()
            .publish(PortMapping.tcp(tcpPort, server.getLocalPort()))
            .publish(PortMapping.udp(udpPort, udpServer.getLocalPort()))
            .target(LOOPBACK).targetNamespace(ns).udpIdleTimeoutMillis(300).start()) {
          assertThat(new String(roundTrip(tcpPort, "hello".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
              .isEqualTo("hello");
          try (DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(5000);
            byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(ping, ping.length, new InetSocketAddress(LOOPBACK, udpPort)));
            DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
            client.receive(reply);
            assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8)).isEqualTo("pong ping");
          }
          // the silent UDP client is dropped after the idle timeout
          long deadline = System.nanoTime() + 5_000_000_000L;
          while (proxy.activeForwards() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
          assertThat(proxy.activeForwards()).isZero();
        }
        echo.join(5000);
        udpEcho.join(5000);
      }
    }
  }

  @Test
  void portInUseIsRejectedAndNothingStaysBound() throws Exception {
    int free = freePort();
    try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
      int busy = taken.getLocalPort();
      assertThatThrownBy(() -> PortProxy.builder().publish(PortMapping.tcp(free, 80)).publish(PortMapping.tcp(busy, 80))
          .target("127.0.0.1").start())
          .isInstanceOf(BindException.class)
          .hasMessage("port " + busy + "/tcp on 127.0.0.1 is already in use");
      // the first mapping was bound and released again: all or none
      try (ServerSocket again = new ServerSocket(free, 1, LOOPBACK)) {
        assertThat(again.isBound()).isTrue();
      }
    }
  }

  @Test
  void ephemeralMappingsGetDistinctPortsFromTheKernelAndForward() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 2, LOOPBACK)) {
      PortMapping a = PortMapping.ephemeral(server.getLocalPort());
      PortMapping b = new PortMapping(PortMapping.Protocol.TCP, LOOPBACK, 0, 1);
      try (PortProxy p = PortProxy.builder().publish(a).publish(b).target(LOOPBACK).start()) {
        assertThat(p.hostPort(a)).isPositive().isNotEqualTo(p.hostPort(b));
        Thread echo = echoOnce(server);
        assertThat(roundTrip(p.hostPort(a), "ping".getBytes())).isEqualTo("ping".getBytes());
        echo.join();
      }
      assertThatThrownBy(() -> PortProxy.builder().publish(a).publish(a)).hasMessageContaining("must publish port");
    }
  }

  @Test
  void invalidPortsAndSpecsAreRejected() {
    assertThatThrownBy(() -> PortMapping.tcp(70000, 80)).isInstanceOfSatisfying(InvalidValueException.class, e -> {
      assertThat(e.field()).isEqualTo("hostPort");
      assertThat(e.value()).isEqualTo("70000");
      assertThat(e.rule()).isEqualTo("must be 1..65535");
    }).hasMessage("hostPort must be 1..65535: 70000");
    assertThat(PortMapping.tcp(0, 80).isEphemeral()).as("0: a port the kernel picks").isTrue();
    assertThatThrownBy(() -> PortMapping.parse("8080:0")).hasMessage("containerPort must be 1..65535: 0");
    assertThatThrownBy(() -> PortMapping.parse("80x:80")).hasMessage("hostPort must be a number 1..65535: 80x");
    assertThatThrownBy(() -> PortMapping.parse("8080:80/sctp")).hasMessage("port protocol must be tcp or udp: 8080:80/sctp");
    assertThatThrownBy(() -> PortMapping.parse("8080")).hasMessage("port mapping must be [HOSTADDRESS:]HOSTPORT:CONTAINERPORT[/tcp|udp]: 8080");
    assertThat(PortMapping.parse("8080:80")).hasToString("127.0.0.1:8080:80/tcp");
    assertThat(PortMapping.parse("0.0.0.0:5353:53/udp")).hasToString("0.0.0.0:5353:53/udp");
    assertThat(PortMapping.parse("[::1]:8080:80")).hasToString("[::1]:8080:80/tcp");
    assertThatThrownBy(() -> PortProxy.builder().publish("8080:80").publish("8080:81"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("mappings must publish port 8080/tcp once: 127.0.0.1:8080:80/tcp and 127.0.0.1:8080:81/tcp");
    assertThat(Arrays.asList(PortMapping.Protocol.values())).hasSize(2);
  }
}
