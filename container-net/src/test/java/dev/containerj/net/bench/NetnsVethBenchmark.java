package dev.containerj.net.bench;

import dev.containerj.net.BridgeAttachment;
import dev.containerj.net.BridgeNetwork;
import dev.containerj.net.IpPrefix;
import dev.containerj.net.LinkHandle;
import dev.containerj.net.NetworkNamespace;
import dev.containerj.net.Route;
import dev.containerj.net.Rtnetlink;
import dev.containerj.net.VethPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Wiring a network namespace, through the library against the same steps with ip(8), in one run:
 * create a named netns, a veth pair, move one end in, an address on each end, both ends up, a
 * default route inside, then tear it all down. Everything happens inside an "outer" namespace the
 * benchmark creates, so the host's own links and routes are never touched.
 *
 * <p>Run as root (see container-net/README.md):
 * {@code java -cp <test classpath> dev.containerj.net.bench.NetnsVethBenchmark [iterations]}
 */
public final class NetnsVethBenchmark {
  private NetnsVethBenchmark() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int warmup = Math.max(5, iterations / 5);
    String tag = String.format("%05x", ThreadLocalRandom.current().nextInt(1 << 20));
    String outerName = "cjbo" + tag;
    NetworkNamespace outer = NetworkNamespace.createPersistent(outerName);
    Path ipam = Files.createTempDirectory("cjbench");
    try {
      Rtnetlink out = outer.rtnetlink();
      for (int i = 0; i < warmup; i++) {
        library(out, tag, i);
        ip(outerName, tag, i);
        libraryFast(out, tag, i);
        ipFast(outerName, tag, i);
      }
      long[] lib = new long[iterations];
      long[] cmd = new long[iterations];
      long[] libFast = new long[iterations];
      long[] cmdFast = new long[iterations];
      for (int i = 0; i < iterations; i++) {
        lib[i] = library(out, tag, i);
        cmd[i] = ip(outerName, tag, i);
        libFast[i] = libraryFast(out, tag, i);
        cmdFast[i] = ipFast(outerName, tag, i);
      }
      long[][] bridge = bridgeAttach(outer, ipam, warmup, iterations);
      System.out.printf("%d iterations (after %d warm-up), medians [p10..p90]:%n", iterations, warmup);
      System.out.println(" A. the issue's steps: netns add, veth add, move the end, 2 addresses, 2 up, route, link del, netns del");
      report("ip(8), 10 processes           ", cmd);
      report("library                       ", lib);
      System.out.printf("   library / ip = %.3fx%n", (double) median(lib) / median(cmd));
      System.out.println(" B. same result, fastest path: the peer is created inside the netns (no move), teardown = netns del");
      report("ip(8), 8 processes            ", cmdFast);
      report("library                       ", libFast);
      System.out.printf("   library / ip = %.3fx (target <= 0.05x)%n", (double) median(libFast) / median(cmdFast));
      System.out.println(" C. BridgeNetwork, per container (anonymous netns):");
      report("connect (added cost at start) ", bridge[0]);
      report("close (veth del + lease)      ", bridge[1]);
      waitForCleanup(out);
    } finally {
      outer.delete();
      try (var s = Files.walk(ipam)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String subnet(int i) {
    return "10.99." + (i % 64) * 4;
  }

  /** The same ten steps as {@link #ip}, through the library. */
  static long library(Rtnetlink out, String tag, int i) throws IOException {
    String nsName = "cjbl" + tag + i;
    String host = "cjh" + i;
    String s = subnet(i);
    long t0 = System.nanoTime();
    NetworkNamespace ns = NetworkNamespace.createPersistent(nsName);
    out.createVeth(host, "eth0");
    out.moveTo("eth0", ns);
    out.addAddress(host, IpPrefix.parse("10.98." + (i % 64) * 4 + ".1/30"));
    Rtnetlink in = ns.rtnetlink();
    in.addAddress("eth0", IpPrefix.parse(s + ".2/30"));
    out.setUp(host, true);
    in.setUp("eth0", true);
    in.addRoute(Route.defaultVia(s + ".1"));
    out.deleteLink(host);
    ns.delete();
    return System.nanoTime() - t0;
  }

  /**
   * The fast path: one RTM_NEWLINK creates the peer directly inside the namespace, and deleting the
   * namespace is the teardown (the kernel destroys its links, and so the veth pair, in the
   * background: moving and deleting a link each wait for an RCU grace period, about 20 ms here).
   */
  static long libraryFast(Rtnetlink out, String tag, int i) throws IOException {
    String s = subnet(i);
    long t0 = System.nanoTime();
    NetworkNamespace ns = NetworkNamespace.createPersistent("cjbf" + tag + i);
    LinkHandle veth = VethPair.builder().name("cjf" + i).address("10.97." + (i % 64) * 4 + ".1/30").up()
        .peer(p -> p.name("eth0").namespace(ns).address(s + ".2/30").up().defaultRoute(s + ".1"))
        .build().createIn(out);
    veth.release();
    ns.delete();
    return System.nanoTime() - t0;
  }

  static long ipFast(String outer, String tag, int i) throws IOException, InterruptedException {
    String ns = "cjbj" + tag + i;
    String host = "cjj" + i;
    String s = subnet(i);
    long t0 = System.nanoTime();
    run("ip", "netns", "add", ns);
    run("ip", "-n", outer, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns);
    run("ip", "-n", outer, "addr", "add", "10.95." + (i % 64) * 4 + ".1/30", "dev", host);
    run("ip", "-n", ns, "addr", "add", s + ".2/30", "dev", "eth0");
    run("ip", "-n", outer, "link", "set", host, "up");
    run("ip", "-n", ns, "link", "set", "eth0", "up");
    run("ip", "-n", ns, "route", "add", "default", "via", s + ".1");
    run("ip", "netns", "del", ns);
    return System.nanoTime() - t0;
  }

  /** Waits until the kernel has destroyed the deleted namespaces' veths (not timed). */
  static void waitForCleanup(Rtnetlink out) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (out.links().size() > 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    System.out.println(" left in the outer namespace after cleanup: " + out.links().size() + " link(s) (lo)");
  }

  static long ip(String outer, String tag, int i) throws IOException, InterruptedException {
    String ns = "cjbi" + tag + i;
    String host = "cji" + i;
    String s = subnet(i);
    long t0 = System.nanoTime();
    run("ip", "netns", "add", ns);
    run("ip", "-n", outer, "link", "add", host, "type", "veth", "peer", "name", "eth0");
    run("ip", "-n", outer, "link", "set", "eth0", "netns", ns);
    run("ip", "-n", outer, "addr", "add", "10.98." + (i % 64) * 4 + ".1/30", "dev", host);
    run("ip", "-n", ns, "addr", "add", s + ".2/30", "dev", "eth0");
    run("ip", "-n", outer, "link", "set", host, "up");
    run("ip", "-n", ns, "link", "set", "eth0", "up");
    run("ip", "-n", ns, "route", "add", "default", "via", s + ".1");
    run("ip", "-n", outer, "link", "del", host);
    run("ip", "netns", "del", ns);
    return System.nanoTime() - t0;
  }

  static long[][] bridgeAttach(NetworkNamespace outer, Path ipam, int warmup, int iterations) throws IOException {
    long[][] out = new long[2][iterations];
    try (BridgeNetwork net = BridgeNetwork.builder().bridgeName("cjbbr0").subnet("10.96.0.0/24")
        .ipamDirectory(ipam.resolve("cjbbr0")).hostNamespace(outer).build()) {
      net.ensureBridge();
      for (int i = -warmup; i < iterations; i++) {
        try (NetworkNamespace c = NetworkNamespace.create()) {
          long t0 = System.nanoTime();
          BridgeAttachment a = net.connect(c, "bench" + i);
          long t1 = System.nanoTime();
          a.close();
          long t2 = System.nanoTime();
          if (i >= 0) {
            out[0][i] = t1 - t0;
            out[1][i] = t2 - t1;
          }
        }
      }
      net.removeBridge();
    }
    return out;
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    int rc = p.waitFor();
    if (rc != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + rc);
    }
  }

  private static long median(long[] v) {
    long[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  private static void report(String label, long[] v) {
    long[] c = v.clone();
    Arrays.sort(c);
    System.out.printf("  %s %8.3f ms  [%.3f .. %.3f]%n", label, c[c.length / 2] / 1e6, c[c.length / 10] / 1e6,
        c[c.length * 9 / 10] / 1e6);
  }
}
