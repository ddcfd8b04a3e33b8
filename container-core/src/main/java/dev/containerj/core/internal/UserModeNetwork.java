package dev.containerj.core.internal;

import dev.containerj.core.Network;
import dev.containerj.core.UnsupportedHostException;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.ProcessLauncher;
import dev.containerj.namespaces.Redirect;
import dev.containerj.net.PortMapping;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The user-mode network stack of one container: a pasta(1) or slirp4netns(1) process that serves
 * the tap device of the container's network namespace with the caller's own sockets. It is started
 * after the helper made the namespaces and before the payload runs, and it is the JVM's child with
 * PR_SET_PDEATHSIG(SIGKILL) (through {@link ProcessLauncher}): it dies with the container's close,
 * with a failed start, and with the JVM even when the JVM is killed, so it never outlives the
 * container and never keeps its network namespace alive.
 */
public final class UserModeNetwork implements AutoCloseable {
  /** Where the kernel keeps the lowest port an ordinary user may bind (ip-sysctl.rst). */
  private static final String UNPRIVILEGED_PORT_START = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  static final String PASTA = "pasta";
  static final String SLIRP4NETNS = "slirp4netns";

  private final NamespacedProcess process;
  private final Network.Stack stack;
  private final Map<PortMapping, Integer> hostPorts;

  private final @Nullable Path apiDir;

  private UserModeNetwork(NamespacedProcess process, Network.Stack stack, Map<PortMapping, Integer> hostPorts,
      @Nullable Path apiDir) {
    this.process = process;
    this.stack = stack;
    this.hostPorts = hostPorts;
    this.apiDir = apiDir;
  }

  /**
   * The lowest port an ordinary user may bind on the host, from {@code
   * net.ipv4.ip_unprivileged_port_start} (1024 when it cannot be read, the kernel's default).
   */
  static int unprivilegedPortStart() {
    // ProcFiles, not Files.readString: JDK 17's read of a sysctl file returned "1" of "1024".
    return (int) dev.containerj.linux.internal.ProcFiles.readLong(UNPRIVILEGED_PORT_START, 1024);
  }

  /** The executable of this name on the PATH, or null. */
  static @Nullable Path onPath(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * The stack that serves {@code asked}: pasta first, slirp4netns as the fallback. Throws when none
   * (or not the one asked for) is installed.
   */
  static Network.Stack resolve(Network.Stack asked) {
    if (asked != Network.Stack.SLIRP4NETNS && onPath(PASTA) != null) {
      return Network.Stack.PASTA;
    }
    if (asked != Network.Stack.PASTA && onPath(SLIRP4NETNS) != null) {
      return Network.Stack.SLIRP4NETNS;
    }
    String wanted = asked == Network.Stack.AUTO ? "pasta (Debian: passt) or slirp4netns" : asked == Network.Stack.PASTA
        ? "pasta (Debian: passt)" : "slirp4netns";
    throw new UnsupportedHostException("user-mode network", wanted + " is not on the PATH",
        "the user-mode network needs " + wanted + " on the PATH, which has none");
  }

  /**
   * The container's resolv.conf: slirp4netns's DNS forwarder (10.0.2.3, slirp4netns(1)), or with
   * pasta the host's name servers, which the container reaches through pasta's sockets like any
   * other address (loopback ones dropped: they answer only in the host's namespace).
   */
  static dev.containerj.net.ResolvConf resolvConf(Network.UserMode options) throws IOException {
    if (resolve(options.stack()) == Network.Stack.SLIRP4NETNS) {
      return dev.containerj.net.ResolvConf.builder().nameserver("10.0.2.3").build();
    }
    return dev.containerj.net.ResolvConf.fromHost(Path.of("/etc/resolv.conf"));
  }

  /** The stack {@link Network.Stack#AUTO} resolves to here, or empty when none is installed. */
  public static java.util.Optional<Network.Stack> installed() {
    return onPath(PASTA) != null ? java.util.Optional.of(Network.Stack.PASTA)
        : onPath(SLIRP4NETNS) != null ? java.util.Optional.of(Network.Stack.SLIRP4NETNS) : java.util.Optional.empty();
  }

  /**
   * Starts the stack for the container whose pid 1 is {@code pid} and returns once the container's
   * interface is configured; on failure kills what it started and throws with the stack's stderr.
   */
  static UserModeNetwork start(Network.UserMode options, List<PortMapping> ports, int pid, Path stateDir)
      throws IOException {
    Network.Stack stack = resolve(options.stack());
    Map<PortMapping, Integer> hostPorts = new LinkedHashMap<>();
    for (PortMapping m : ports) {
      hostPorts.put(m, m.isEphemeral() ? freePort(m) : m.hostPort());
    }
    Path stderr = stateDir.resolve(stack == Network.Stack.PASTA ? "pasta.err" : "slirp4netns.err");
    Path pidFile = stateDir.resolve("pasta.pid");
    // sun_path holds 108 bytes (unix(7)): a state directory can be longer, a fresh temporary one is not.
    Path apiDir = stack == Network.Stack.SLIRP4NETNS && !hostPorts.isEmpty() ? Files.createTempDirectory("cj-slirp") : null;
    Path apiSocket = (apiDir == null ? stateDir : apiDir).resolve("api.sock");
    List<String> argv = stack == Network.Stack.PASTA
        ? pastaArgv(options, hostPorts, pid, pidFile)
        : slirpArgv(options, pid, hostPorts.isEmpty() ? null : apiSocket);
    NamespacedProcess p;
    try {
      p = ProcessLauncher.builder().command(argv)
          .stdout(stack == Network.Stack.PASTA ? Redirect.DISCARD : Redirect.PIPE)
          .stderr(Redirect.file(stderr)).build().start();
    } catch (LaunchException e) {
      if (apiDir != null) {
        Files.deleteIfExists(apiDir);
      }
      throw new IOException("start " + argv.get(0) + ": " + e.getMessage(), e);
    }
    UserModeNetwork n = new UserModeNetwork(p, stack, hostPorts, apiDir);
    try {
      if (stack == Network.Stack.PASTA) {
        awaitFile(p, PASTA, pidFile, stderr);
      } else if (hostPorts.isEmpty()) {
        awaitSlirp(p, stderr);
      } else {
        // With an API socket slirp4netns's "Starting slirp" stays in its stdio buffer (a pipe): the
        // socket, made once the tap is configured, is the sign instead.
        drain(new BufferedReader(new InputStreamReader(java.util.Objects.requireNonNull(p.stdout()), StandardCharsets.UTF_8)));
        awaitFile(p, SLIRP4NETNS, apiSocket, stderr);
        for (Map.Entry<PortMapping, Integer> e : hostPorts.entrySet()) {
          addHostForward(apiSocket, e.getKey(), e.getValue());
        }
      }
      return n;
    } catch (IOException | RuntimeException e) {
      n.close();
      throw e;
    }
  }

  /**
   * pasta's arguments: join the container's user and network namespaces, configure the tap device
   * with the host's addresses and routes ({@code --config-net}), stay in the foreground (so the
   * process stays the JVM's child and keeps its death signal), forward exactly the published ports
   * ({@code -t}/{@code -u}, none else: the default "auto" would publish whatever the container
   * binds), and keep the host's loopback out of reach unless asked: {@code -T none -U none
   * --no-map-gw} (pasta(1): -T/-U forward the container's own loopback ports to the host's, and
   * the gateway address is otherwise mapped to the host's loopback).
   */
  static List<String> pastaArgv(Network.UserMode options, Map<PortMapping, Integer> hostPorts, int pid, Path pidFile) {
    List<String> a = new ArrayList<>(List.of(PASTA, "--foreground", "--quiet", "--config-net",
        "--userns", "/proc/" + pid + "/ns/user", "--netns", "/proc/" + pid + "/ns/net", "--pid", pidFile.toString()));
    if (dev.containerj.linux.internal.LibC.geteuid() == 0) {
      // Started as root, pasta changes to nobody (pasta(1), --runas), who may not join the user
      // namespace of a root JVM's container; it stays root and still drops its capabilities.
      a.addAll(List.of("--runas", "0:0"));
    }
    a.addAll(List.of("-t", portSpec(hostPorts, PortMapping.Protocol.TCP), "-u", portSpec(hostPorts, PortMapping.Protocol.UDP)));
    if (options.hostLoopback()) {
      a.addAll(List.of("-T", "auto", "-U", "auto"));
    } else {
      a.addAll(List.of("-T", "none", "-U", "none", "--no-map-gw"));
    }
    return a;
  }

  /** pasta's port list for one protocol: {@code ADDR/HOSTPORT:CTRPORT,...}, or {@code none}. */
  private static String portSpec(Map<PortMapping, Integer> hostPorts, PortMapping.Protocol protocol) {
    List<String> out = new ArrayList<>();
    hostPorts.forEach((m, host) -> {
      if (m.protocol() == protocol) {
        String addr = m.hostAddress().isAnyLocalAddress() ? "" : m.hostAddress().getHostAddress() + "/";
        out.add(addr + host + ":" + m.containerPort());
      }
    });
    return out.isEmpty() ? "none" : String.join(",", out);
  }

  /**
   * slirp4netns's arguments: configure tap0 in the container's namespaces ({@code -c}), and keep
   * the host's loopback (10.0.2.2) out of reach unless asked ({@code --disable-host-loopback}).
   */
  static List<String> slirpArgv(Network.UserMode options, int pid, @Nullable Path apiSocket) {
    List<String> a = new ArrayList<>(List.of(SLIRP4NETNS, "--configure", "--mtu=65520",
        "--netns-type=path", "--userns-path=/proc/" + pid + "/ns/user"));
    if (apiSocket != null) {
      a.add("--api-socket=" + apiSocket); // for add_hostfwd, the published ports
    }
    if (!options.hostLoopback()) {
      a.add("--disable-host-loopback");
    }
    a.addAll(List.of("/proc/" + pid + "/ns/net", "tap0"));
    return a;
  }

  /**
   * Publishes one port through slirp4netns's API socket (slirp4netns(1), API SOCKET: one JSON request
   * per connection, {@code add_hostfwd}), from the host's address and port to the container's port on
   * its tap address; the answer carries an id, or an error that fails the start.
   */
  private static void addHostForward(Path apiSocket, PortMapping m, int hostPort) throws IOException {
    String request = "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \""
        + m.protocol().name().toLowerCase(java.util.Locale.ROOT) + "\", \"host_addr\": \""
        + m.hostAddress().getHostAddress() + "\", \"host_port\": " + hostPort + ", \"guest_port\": "
        + m.containerPort() + "}}";
    try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      ch.connect(java.net.UnixDomainSocketAddress.of(apiSocket));
      ch.write(java.nio.ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      ch.shutdownOutput();
      String answer = new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
      if (!answer.contains("\"return\"") || answer.contains("\"error\"")) {
        throw new IOException("slirp4netns refused to publish " + m + " on host port " + hostPort + ": " + answer.strip());
      }
    }
  }

  /**
   * A host port that is free now, for an ephemeral mapping: pasta cannot report the port it bound,
   * so the kernel chooses one here and pasta binds it next (a port taken in between fails the start
   * with pasta's "address in use").
   */
  private static int freePort(PortMapping m) throws IOException {
    if (m.protocol() == PortMapping.Protocol.UDP) {
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(m.hostAddress(), 0))) {
        return s.getLocalPort();
      }
    }
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(m.hostAddress(), 0));
      return s.getLocalPort();
    }
  }

  /**
   * Waits for the file that says the stack is ready: pasta's pid file, written once its set-up is done
   * (pasta(1), --pid), or slirp4netns's API socket.
   */
  private static void awaitFile(NamespacedProcess p, String name, Path file, Path stderr) throws IOException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    long sleepMicros = 200;
    while (!(Files.exists(file) && (Files.size(file) > 0 || !Files.isRegularFile(file)))) {
      if (!p.isAlive()) {
        throw failed(name, p, stderr);
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(name + " was not ready after " + READY_TIMEOUT.toSeconds() + " s: " + errors(stderr));
      }
      try {
        TimeUnit.MICROSECONDS.sleep(sleepMicros);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + name, e);
      }
      sleepMicros = Math.min(sleepMicros * 2, 20_000);
    }
  }

  /**
   * slirp4netns prints "Starting slirp" once tap0 is configured; the rest of its stdout is drained
   * so that it never blocks on a full pipe.
   */
  private static void awaitSlirp(NamespacedProcess p, Path stderr) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(java.util.Objects.requireNonNull(p.stdout()),
        StandardCharsets.UTF_8));
    for (String line; (line = r.readLine()) != null; ) {
      if (line.startsWith("Starting slirp")) {
        drain(r);
        return;
      }
    }
    throw failed(SLIRP4NETNS, p, stderr);
  }

  /** Drains slirp4netns's stdout so that it never blocks on a full pipe. */
  private static void drain(BufferedReader r) {
    Thread drain = new Thread(() -> {
      try {
        r.transferTo(java.io.Writer.nullWriter());
      } catch (IOException ignored) {
        // the process ended
      }
    }, "slirp4netns-stdout");
    drain.setDaemon(true);
    drain.start();
  }

  private static IOException failed(String name, NamespacedProcess p, Path stderr) {
    String status;
    try {
      status = String.valueOf(p.waitFor(Duration.ofSeconds(5)).map(Object::toString).orElse("still running"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = "interrupted";
    }
    return new IOException(name + " failed to start (" + status + "): " + errors(stderr));
  }

  private static String errors(Path stderr) {
    try {
      String s = Files.readString(stderr).strip();
      return s.isEmpty() ? "(no output on stderr)" : s;
    } catch (IOException e) {
      return "(stderr unreadable: " + e.getMessage() + ")";
    }
  }

  /** The stack serving the container. */
  Network.Stack stack() {
    return stack;
  }

  /** The host port that forwards to this mapping (the chosen one for an ephemeral one). */
  int hostPort(PortMapping m) {
    Integer p = hostPorts.get(m);
    return p == null ? -1 : p;
  }

  /** The mappings this stack forwards. */
  List<PortMapping> mappings() {
    return List.copyOf(hostPorts.keySet());
  }

  /** The stack's pid. */
  int pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.close(); // kills and reaps it (NamespacedProcess.close)
    if (apiDir != null) {
      try {
        Files.deleteIfExists(apiDir.resolve("api.sock"));
        Files.deleteIfExists(apiDir);
      } catch (IOException e) {
        // a temporary directory: the system's cleaning takes it
      }
    }
  }
}
