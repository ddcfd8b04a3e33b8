package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.InvalidValueException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IPAM on the file system only: no root needed. */
@Tag("rootless")
class IpamTest {
  @TempDir Path root;

  private static final long ME = ProcessHandle.current().pid();

  @Test
  void allocatesInOrderSkipsGatewayAndDoesNotReuseAtOnce() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("net1"), IpPrefix.parse("10.88.0.0/29"));
    assertThat(IpPrefix.addressString(ipam.gateway())).isEqualTo("10.88.0.1");
    Ipam.Lease a = ipam.allocate("a", ME);
    Ipam.Lease b = ipam.allocate("b", ME);
    assertThat(a.address()).hasToString("10.88.0.2/29");
    assertThat(b.address()).hasToString("10.88.0.3/29");
    a.close();
    a.close();
    // after release, allocation continues after the last one handed out
    assertThat(ipam.allocate("c", ME).address()).hasToString("10.88.0.4/29");
    assertThat(ipam.leases()).extracting(Ipam.Lease::owner).containsExactlyInAnyOrder("b", "c");
    assertThat(Files.readString(root.resolve("net1/leases/10.88.0.3"))).startsWith("owner=b\npid=" + ME + "\n");
    // .5 and .6 are left (.7 is broadcast), then .2 again
    ipam.allocate("d", ME);
    ipam.allocate("e", ME);
    assertThat(ipam.allocate("f", ME).address()).hasToString("10.88.0.2/29");
    assertThatThrownBy(() -> ipam.allocate("g", ME))
        .hasMessage("no free address in 10.88.0.0/29 (5 leased, gateway 10.88.0.1)");
    // a new Ipam on the same directory (another JVM after a restart) sees the same leases
    assertThat(Ipam.open(root.resolve("net1"), IpPrefix.parse("10.88.0.0/29")).leases()).hasSize(5);
  }

  @Test
  void badInputIsRejectedWithExactMessages() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("a"), IpPrefix.parse("10.88.0.0/16"));
    assertThatThrownBy(() -> ipam.allocate("x", ME, IpPrefix.parseAddress("10.89.0.5")))
        .isInstanceOf(InvalidValueException.class).hasMessage("address must be inside subnet 10.88.0.0/16: 10.89.0.5");
    assertThatThrownBy(() -> ipam.allocate("x", ME, IpPrefix.parseAddress("10.88.0.1")))
        .hasMessage("address must not be the gateway of 10.88.0.0/16: 10.88.0.1");
    assertThatThrownBy(() -> ipam.allocate("x", ME, IpPrefix.parseAddress("10.88.255.255")))
        .hasMessage("address must not be the broadcast address of 10.88.0.0/16: 10.88.255.255");
    ipam.allocate("x", ME, IpPrefix.parseAddress("10.88.7.7"));
    assertThatThrownBy(() -> ipam.allocate("y", ME, IpPrefix.parseAddress("10.88.7.7")))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageEndingWith("address 10.88.7.7 is already leased to x (pid " + ME + ")");
    // overlapping subnets of two networks under one root
    assertThatThrownBy(() -> Ipam.open(root.resolve("b"), IpPrefix.parse("10.88.128.0/17")))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("subnet must not overlap subnet 10.88.0.0/16 of network a: 10.88.128.0/17");
    assertThat(root.resolve("b")).doesNotExist();
    assertThatThrownBy(() -> Ipam.open(root.resolve("a"), IpPrefix.parse("10.77.0.0/16")))
        .hasMessage("subnet must be 10.88.0.0/16, the subnet IPAM directory " + root.resolve("a") + " holds: 10.77.0.0/16");
    assertThatThrownBy(() -> Ipam.open(root.resolve("c"), IpPrefix.parse("10.66.0.1/16")))
        .hasMessage("subnet must be a network address (host bits zero): 10.66.0.1/16 (did you mean 10.66.0.0/16?)");
    assertThatThrownBy(() -> Ipam.builder().directory(root.resolve("c")).subnet("10.66.0.0/16").gateway("10.67.0.1").open())
        .hasMessage("gateway must be inside subnet 10.66.0.0/16: 10.67.0.1");
    assertThat(root.resolve("c")).doesNotExist();
  }

  @Test
  void concurrentlyCreatedOverlappingNetworksAreRefusedButOne() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Ipam>> fs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Path dir = root.resolve("n" + i);
        fs.add(pool.submit(() -> Ipam.open(dir, IpPrefix.parse("10.93.0.0/16"))));
      }
      int ok = 0;
      for (Future<Ipam> f : fs) {
        try {
          f.get();
          ok++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(InvalidValueException.class)
              .hasMessageStartingWith("subnet must not overlap subnet 10.93.0.0/16 of network n");
        }
      }
      assertThat(ok).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ipv6Subnet() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("v6"), IpPrefix.parse("fd00:88::/64"));
    assertThat(ipam.allocate("a", ME).address()).hasToString("fd00:88::2/64");
    assertThat(ipam.allocate("b", ME).address()).hasToString("fd00:88::3/64");
  }

  @Test
  void leasesOfDeadOwnersAreReclaimed() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("r"), IpPrefix.parse("10.90.0.0/24"));
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      ipam.allocate("dies", p.pid());
      ipam.allocate("lives", ME);
      assertThat(ipam.reclaimDead()).isEmpty();
    } finally {
      p.destroyForcibly().waitFor();
    }
    assertThat(ipam.reclaimDead()).extracting(Ipam.Lease::owner).containsExactly("dies");
    assertThat(ipam.leases()).extracting(Ipam.Lease::owner).containsExactly("lives");
    assertThatThrownBy(() -> ipam.allocate("x", p.pid()))
        .hasMessage("ownerPid must be a running process: " + p.pid());
  }

  @Test
  void threadsOfOneJvmNeverShareAnAddress() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("t"), IpPrefix.parse("10.91.0.0/24"));
    Set<String> seen = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int t = i;
        fs.add(pool.submit(() -> {
          for (int j = 0; j < 25; j++) {
            assertThat(seen.add(ipam.allocate("t" + t + "-" + j, ME).address().toString())).isTrue();
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).hasSize(200);
  }

  @Test
  void concurrentJvmsNeverShareAnAddress() throws Exception {
    Path dir = root.resolve("jvms");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp,
          IpamChild.class.getName(), dir.toString(), "10.92.0.0/24", "40").redirectErrorStream(true).start());
    }
    Set<String> all = new HashSet<>();
    int total = 0;
    for (Process p : children) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      for (String line : out.split("\n")) {
        all.add(line);
        total++;
      }
    }
    assertThat(total).isEqualTo(120);
    assertThat(all).hasSize(120);
    // all three children are dead now: their leases are stale
    assertThat(Ipam.open(dir, IpPrefix.parse("10.92.0.0/24")).reclaimDead()).hasSize(120);
  }
}
