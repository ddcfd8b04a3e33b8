package dev.containerj.core.internal;

import dev.containerj.core.ContainerSpec;
import dev.containerj.core.Network;
import dev.containerj.core.SpecValidationException.Violation;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.ProcessLauncher;
import dev.containerj.namespaces.Redirect;
import dev.containerj.net.HostsFile;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A shared user-mode network ({@link Network#userMode(String)}): a bridge in a network namespace that
 * the runtime owns, one veth on it per container, and one pasta (or slirp4netns) process that connects
 * that namespace to the outside, as Podman's rootless network namespace does.
 *
 * <p>The namespace is held by a holder process ({@code sleep infinity}) that this JVM starts with
 * PR_SET_PDEATHSIG(SIGKILL), not by an nsfs bind mount: an ordinary user cannot bind-mount in the
 * host's mount namespace, and a process dies with the JVM even when the JVM is killed, so a killed JVM
 * leaves no namespace and no stack behind (the stack is the JVM's child with the same death signal).
 * A network is therefore shared by the containers of one JVM; its directory under the state root
 * ({@code networks/usermode/NAME.JVMPID}) is reaped by the next JVM once that JVM is gone.
 *
 * <p>An ordinary user may create a veth only between network namespaces owned by a user namespace in
 * which it has CAP_NET_ADMIN (rtnetlink checks the target namespace's owner): the holder gets a user
 * namespace of its own, with the containers' id map, and each container joins it (setns(2) before
 * the clone) instead of making one, so its network namespace is the holder's user namespace's too.
 * The links are made with ip(8) under nsenter(1) in those namespaces (both util-linux and iproute2
 * are on every Debian). As root the holder has a user namespace too (with the containers' id map:
 * pasta, which drops its privileges first, may open that one and not the host's), but containers
 * keep their own: root may link any two namespaces.
 *
 * <p>Names: every member's {@code /etc/hosts} (a read-only bind of a file in its state directory)
 * is rewritten in place, keeping its inode, when a container joins or leaves, with one line per member
 * (its hostname and its id's 12-character prefix).
 */
public final class SharedUserNetwork {
  /** The bridge's subnet inside the namespace: private to it, so every network may use the same. */
  static final String SUBNET = "10.89.0.0/24";
  private static final String PREFIX = "10.89.0.";
  private static final String GATEWAY = PREFIX + "1";
  private static final String BRIDGE = "cj0";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}");
  private static final long COMMAND_TIMEOUT_SECONDS = 10;
  private static final Map<String, SharedUserNetwork> NETWORKS = new HashMap<>();

  private final String name;
  private final boolean ownUserns;
  private final List<IdMapping> uids;
  private final List<IdMapping> gids;
  private final Path dir;
  private final NamespacedProcess holder;
  private @Nullable UserModeNetwork stack;
  private int refs;
  private final BitSet used = new BitSet();
  private final Map<String, Member> members = new LinkedHashMap<>();

  private record Member(String id, String hostname, InetAddress address, Path hosts, Map<String, String> extraHosts) {}

  private SharedUserNetwork(String name, boolean ownUserns, List<IdMapping> uids, List<IdMapping> gids, Path dir,
      NamespacedProcess holder) {
    this.name = name;
    this.ownUserns = ownUserns;
    this.uids = uids;
    this.gids = gids;
    this.dir = dir;
    this.holder = holder;
  }

  /** The shared network's name that {@code spec} joins, or null. */
  static @Nullable String nameOf(ContainerSpec spec) {
    Network.UserMode u = NetKind.userMode(spec);
    return u == null ? null : u.network();
  }

  /** Adds the violations of a spec that joins a shared user-mode network. */
  static void validate(ContainerSpec s, List<Violation> v) {
    String name = nameOf(s);
    if (name == null) {
      return;
    }
    if (!NAME.matcher(name).matches()) {
      v.add(new Violation("network", name, "a shared user-mode network's name is 1 to 15 letters, digits, '.', '_' or '-',"
          + " starting with a letter or digit"));
    }
    if (!s.ports().isEmpty()) {
      v.add(new Violation("ports", s.ports().toString(), "are not published from a shared user-mode network (its stack"
          + " forwards into the namespace that holds the bridge, not into a container): use Network.userMode()"));
    }
    if (!s.namespaces().contains(Namespace.USER)) {
      v.add(new Violation("namespaces", s.namespaces().toString(), "a shared user-mode network needs the USER namespace"));
    }
  }

  /**
   * The network {@code spec} joins, started when this is its first container, with one more user;
   * null when the spec joins none. {@link #release} gives the use back.
   */
  static @Nullable SharedUserNetwork acquire(ContainerSpec spec, boolean rootless, List<IdMapping> uids,
      List<IdMapping> gids, Path networksDir) throws IOException {
    String name = nameOf(spec);
    if (name == null) {
      return null;
    }
    synchronized (NETWORKS) {
      SharedUserNetwork n = NETWORKS.get(name);
      if (n == null) {
        n = start(name, rootless, uids, gids, networksDir, java.util.Objects.requireNonNull(NetKind.userMode(spec)));
        NETWORKS.put(name, n);
      } else if (rootless && (!n.uids.equals(uids) || !n.gids.equals(gids))) {
        // The container joins the network's user namespace, so it gets that namespace's id map.
        throw new IOException("the container's id map (uid " + IdMapping.toMapText(uids).trim() + ", gid "
            + IdMapping.toMapText(gids).trim() + ") differs from that of shared user-mode network " + name + " (uid "
            + IdMapping.toMapText(n.uids).trim() + "), whose user namespace it joins");
      }
      n.refs++;
      return n;
    }
  }

  /**
   * The user namespace (a {@code /proc/PID/ns/user} path) that a container of {@code spec} joins
   * instead of making its own, or null: only an ordinary user's containers on a shared network do.
   * The holder stays alive while the container holds its use, so its pid names it.
   */
  static @Nullable String joinedUserns(ContainerSpec spec, boolean rootless) {
    String name = nameOf(spec);
    if (name == null || !rootless) {
      return null;
    }
    synchronized (NETWORKS) {
      SharedUserNetwork n = NETWORKS.get(name);
      return n == null ? null : "/proc/" + n.holder.pid() + "/ns/user";
    }
  }

  private static SharedUserNetwork start(String name, boolean rootless, List<IdMapping> uids, List<IdMapping> gids,
      Path networksDir, Network.UserMode options) throws IOException {
    Path base = networksDir.resolve("usermode");
    reap(base);
    Path dir = base.resolve(name + "." + ProcessHandle.current().pid());
    Files.createDirectories(dir);
    NamespacedProcess holder;
    try {
      ProcessLauncher.Builder b = ProcessLauncher.builder().command(sleepBinary(), "infinity")
          .namespaces(EnumSet.of(Namespace.USER, Namespace.NET)).uidMappings(uids).gidMappings(gids)
          .stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD);
      holder = b.build().start();
    } catch (LaunchException e) {
      deleteTree(dir);
      throw new IOException("start the holder of shared user-mode network " + name + ": " + e.getMessage(), e);
    }
    SharedUserNetwork n = new SharedUserNetwork(name, rootless, uids, gids, dir, holder);
    try {
      // The bridge, forwarding between it and the stack's tap, and a masquerade so that the stack sees
      // the namespace's own address (iptables in the namespace, which its owner may configure).
      n.run(n.enter(holder.pid()), "ip -batch - && echo 1 > /proc/sys/net/ipv4/ip_forward"
          + " && { iptables -t nat -A POSTROUTING -s " + SUBNET + " ! -o " + BRIDGE + " -j MASQUERADE 2>/dev/null"
          + " || echo 'containerj: no masquerade in shared user-mode network " + name + " (iptables failed):"
          + " its containers reach only each other' >&2; }",
          "link set lo up\nlink add " + BRIDGE + " type bridge\naddr add " + GATEWAY + "/24 dev " + BRIDGE
              + "\nlink set " + BRIDGE + " up\n");
      n.stack = UserModeNetwork.start(options, List.of(), holder.pid(), dir);
      return n;
    } catch (IOException | RuntimeException e) {
      n.destroy();
      throw e;
    }
  }

  /** Connects the container whose pid 1 is {@code pid} (still waiting for its go byte). */
  InetAddress connect(ContainerSpec spec, String id, int pid, Path stateDir, String hostname) throws IOException {
    InetAddress address;
    String veth = veth(id);
    synchronized (NETWORKS) {
      int host = used.nextClearBit(2);
      if (host > 254) {
        throw new IOException("shared user-mode network " + name + " is full: " + SUBNET + " has 253 container addresses");
      }
      used.set(host);
      address = InetAddress.getByName(PREFIX + host);
      members.put(id, new Member(id, hostname, address, stateDir.resolve(ContainerNetwork.HOSTS), spec.extraHosts()));
    }
    try {
      // The peer is created in the container's namespace directly (IFLA_NET_NS_PID): rtnetlink checks
      // CAP_NET_ADMIN over it, which the holder's user namespace has as its owner (rootless) or root has.
      run(enter(holder.pid()), "ip -batch -", "link add " + veth + " type veth peer name eth0 netns " + pid
          + "\nlink set " + veth + " master " + BRIDGE + " up\n");
      run(enter(pid), "ip -batch -", "link set lo up\naddr add " + address.getHostAddress() + "/24 dev eth0"
          + "\nlink set eth0 up\nroute add default via " + GATEWAY + "\n");
      synchronized (NETWORKS) {
        writeHosts();
      }
      return address;
    } catch (IOException | RuntimeException e) {
      leave(id);
      throw e;
    }
  }

  /** Takes the container out (its veth and address, its hosts line) and gives back its use. */
  void release(String id) {
    leave(id);
    synchronized (NETWORKS) {
      if (--refs == 0) {
        NETWORKS.remove(name, this);
        destroy();
      }
    }
  }

  private void leave(String id) {
    synchronized (NETWORKS) {
      Member m = members.remove(id);
      if (m == null) {
        return;
      }
      used.clear(m.address().getAddress()[3] & 0xff);
      if (holder.isAlive()) {
        try {
          // Gone already when the container's namespace went (a veth dies with either end).
          run(enter(holder.pid()), "ip link del " + veth(id) + " 2>/dev/null; true", "");
        } catch (IOException e) {
          // the holder is going too
        }
      }
      try {
        writeHosts();
      } catch (IOException e) {
        System.getLogger("dev.containerj").log(System.Logger.Level.WARNING, "update /etc/hosts of network " + name
            + ": " + e.getMessage());
      }
    }
  }

  /** Every member's hosts file: itself, its extra hosts, and every other member by hostname and id. */
  private void writeHosts() throws IOException {
    for (Member m : members.values()) {
      HostsFile.Builder b = HostsFile.builder().hostname(m.hostname()).address(m.address());
      for (Member o : members.values()) {
        if (o != m) {
          b.entry(o.address().getHostAddress(), o.hostname(), o.id().substring(0, 12));
        }
      }
      m.extraHosts().forEach((host, addr) -> b.entry(addr, host));
      if (Files.exists(m.hosts())) {
        b.build().writeTo(m.hosts()); // in place: the container's bind mount keeps the inode
      }
    }
  }

  private void destroy() {
    if (stack != null) {
      stack.close();
      stack = null;
    }
    holder.close(); // SIGKILL and reaped: the namespace goes with its last process
    deleteTree(dir);
  }

  /** The pid of the holder process, whose network namespace holds the bridge. */
  public int holderPid() {
    return holder.pid();
  }

  /** The pid of the stack that connects the namespace outward, or -1. */
  public int stackPid() {
    UserModeNetwork s = stack;
    return s == null ? -1 : s.pid();
  }

  /** The running shared network of this name in this JVM, or null (for tests). */
  public static @Nullable SharedUserNetwork running(String name) {
    synchronized (NETWORKS) {
      return NETWORKS.get(name);
    }
  }

  private static String veth(String id) {
    return "vcj" + id.substring(0, 11); // IFNAMSIZ: 15 characters
  }

  /** nsenter(1) into the network namespace of {@code pid}, and its user namespace when rootless. */
  private List<String> enter(int pid) {
    List<String> a = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(pid), "-n"));
    if (ownUserns) {
      // --preserve-credentials: an unprivileged caller cannot setgroups(2) in the namespace.
      a.addAll(List.of("-U", "--preserve-credentials"));
    }
    return a;
  }

  private void run(List<String> enter, String script, String stdin) throws IOException {
    List<String> argv = new ArrayList<>(enter);
    argv.addAll(List.of("/bin/sh", "-c", script));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("shared user-mode network " + name + ": " + argv + " did not end");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException("shared user-mode network " + name + ": " + String.join(" ", argv) + " failed ("
          + p.exitValue() + "): " + out);
    }
    if (!out.isEmpty()) {
      System.getLogger("dev.containerj").log(System.Logger.Level.WARNING, out);
    }
  }

  private static String sleepBinary() {
    Path p = UserModeNetwork.onPath("sleep");
    return p == null ? "/bin/sleep" : p.toString();
  }

  /** Removes the directories of networks whose JVM is gone (killed: its holder and stack died with it). */
  private static void reap(Path base) {
    if (!Files.isDirectory(base)) {
      return;
    }
    try (Stream<Path> s = Files.list(base)) {
      for (Path d : (Iterable<Path>) s::iterator) {
        String f = d.getFileName().toString();
        int dot = f.lastIndexOf('.');
        try {
          long jvm = Long.parseLong(f.substring(dot + 1));
          if (ProcessHandle.of(jvm).isEmpty()) {
            deleteTree(d);
          }
        } catch (NumberFormatException e) {
          // not one of ours
        }
      }
    } catch (IOException e) {
      // the next start tries again
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // gone already
    }
  }
}
