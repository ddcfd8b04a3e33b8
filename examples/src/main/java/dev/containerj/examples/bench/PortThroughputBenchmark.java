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
 * proxy forwards), and the same server under Podman when it is installed.
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
    if (StartupBenchmark.onPath("podman") != null) {
      try {
        out.printf(Locale.ROOT, "  %-26s %8.0f MiB/s%n", "podman run -p (--rootfs /)", podman(mib, rounds));
      } catch (Exception e) {
        out.printf(Locale.ROOT, "  %-26s unavailable: %s%n", "podman run -p (--rootfs /)", e.getMessage());
      }
      out.flush();
    }
  }

  /**
   * The same server under Podman (its default network: pasta for an ordinary user with Podman 5,
   * slirp4netns before; a bridge and rootlessport/conmon for root), on the host's root as its root
   * filesystem so that no image is pulled. Removed with {@code podman rm -f} whatever happens.
   */
  private static double podman(int mib, int rounds) throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    String name = "cj-bench-" + ProcessHandle.current().pid();
    Process run = new ProcessBuilder("podman", "run", "-d", "--name", name, "--rootfs", "/", "-p",
        "127.0.0.1:" + port + ":8080", "python3", "-c", SERVER).redirectErrorStream(true).start();
    String started = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (run.waitFor() != 0) {
        throw new IllegalStateException("podman run failed: " + started);
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (true) {
        try (Socket probe = new Socket()) {
          probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
          probe.getOutputStream().write("1\n".getBytes(StandardCharsets.UTF_8));
          if (probe.getInputStream().read() >= 0) {
            break;
          }
        } catch (java.io.IOException e) {
          // not listening yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the server under podman did not answer on port " + port);
        }
        Thread.sleep(100);
      }
      double best = 0;
      for (int r = 0; r < rounds; r++) {
        best = Math.max(best, read(port, (long) mib << 20));
      }
      return best;
    } finally {
      new ProcessBuilder("podman", "rm", "-f", "-t", "0", name).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
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
