package dev.containerj.examples.bench;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.Network;
import dev.containerj.namespaces.Redirect;
import dev.containerj.net.PortMapping;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * TCP throughput through a published port: the host reads N MiB from a server in the container
 * through the port the runtime published, for each network path this user has (user mode with
 * pasta and with slirp4netns; as root also the bridge and loopback paths, whose ports the userspace
 * proxy forwards). Podman rootless is measured by the shell around it, see the README's table.
 */
public final class PortThroughputBenchmark {
  /** Sends the number of bytes asked for ("N\n"), from a 1 MiB pattern, to each connection. */
  private static final String SERVER = String.join("\n",
      "import socket",
      "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
      "s.bind(('0.0.0.0', 8080)); s.listen(8); print('listening', flush=True)",
      "chunk = bytes(range(256)) * 4096",
      "while True:",
      "    c, _ = s.accept(); n = int(c.makefile().readline())",
      "    while n > 0:",
      "        c.sendall(chunk[:min(n, len(chunk))]); n -= len(chunk)",
      "    c.close()");

  private PortThroughputBenchmark() {}

  /**
   * Prints one row per path: MiB/s of the best of {@code rounds} reads of {@code mib} MiB.
   *
   * @param mib the MiB read per round
   * @param rounds the rounds per path
   * @param out where the table goes
   * @throws Exception when a container cannot start or a read fails
   */
  public static void run(int mib, int rounds, PrintWriter out) throws Exception {
    boolean rootless = ContainerRuntime.defaults().host().rootless();
    List<Object[]> paths = new ArrayList<>();
    if (Network.installedStack().isPresent()) {
      paths.add(new Object[] {"user mode, pasta", Network.userMode().stack(Network.Stack.PASTA)});
    }
    paths.add(new Object[] {"user mode, slirp4netns", Network.userMode().stack(Network.Stack.SLIRP4NETNS)});
    if (!rootless) {
      paths.add(new Object[] {"root, bridge + proxy", Network.bridge("containerj0")});
      paths.add(new Object[] {"root, loopback + proxy", Network.loopback()});
    }
    out.printf(Locale.ROOT, "TCP through a published port (%s), %d MiB x %d, best:%n", rootless ? "rootless" : "root", mib, rounds);
    for (Object[] p : paths) {
      try {
        out.printf(Locale.ROOT, "  %-26s %8.0f MiB/s%n", p[0], best((Network) p[1], mib, rounds));
      } catch (Exception e) {
        out.printf(Locale.ROOT, "  %-26s unavailable: %s%n", p[0], e.getMessage());
      }
      out.flush();
    }
  }

  private static double best(Network network, int mib, int rounds) throws Exception {
    ContainerSpec spec = ContainerSpec.builder().network(network).command("python3", "-c", SERVER)
        .stdout(Redirect.PIPE).publish(PortMapping.ephemeral(8080)).build();
    try (Container c = Container.start(spec)) {
      String line = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine();
      if (!"listening".equals(line)) {
        throw new IllegalStateException("the server did not start: " + line);
      }
      double best = 0;
      for (int r = 0; r < rounds; r++) {
        best = Math.max(best, read(c.mappedPort(8080), (long) mib << 20));
      }
      return best;
    }
  }

  /** MiB/s of one read of {@code bytes} from the host's 127.0.0.1:{@code port}. */
  static double read(int port, long bytes) throws Exception {
    long t0 = System.nanoTime();
    long n = 0;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
      s.getOutputStream().write((bytes + "\n").getBytes(StandardCharsets.UTF_8));
      try (InputStream in = s.getInputStream()) {
        byte[] buf = new byte[1 << 16];
        for (int k; (k = in.read(buf)) > 0; ) {
          n += k;
        }
      }
    }
    if (n != bytes) {
      throw new IllegalStateException("read " + n + " of " + bytes + " bytes");
    }
    return n / 1048576.0 / ((System.nanoTime() - t0) / 1e9);
  }
}
