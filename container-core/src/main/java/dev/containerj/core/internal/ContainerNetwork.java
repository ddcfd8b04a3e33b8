package dev.containerj.core.internal;

import dev.containerj.core.ContainerSpec;
import dev.containerj.net.BridgeAttachment;
import dev.containerj.net.BridgeNetwork;
import dev.containerj.net.HostsFile;
import dev.containerj.net.NetworkNamespace;
import dev.containerj.net.PortMapping;
import dev.containerj.net.PortProxy;
import dev.containerj.net.ResolvConf;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The network side of one container: its /etc/hosts and /etc/resolv.conf, its veth on a bridge and
 * its published ports. Made before the container's go byte (so that eth0, the files and the ports
 * exist when the payload starts), undone by {@link #close()}.
 */
public final class ContainerNetwork implements AutoCloseable {
  static final String HOSTS = "hosts";
  static final String RESOLV_CONF = "resolv.conf";
  /** The subnet of the default bridge, containerj0. */
  public static final String DEFAULT_SUBNET = BridgeNetwork.DEFAULT_SUBNET;

  private static final ConcurrentHashMap<String, BridgeNetwork> BRIDGES = new ConcurrentHashMap<>();
  /** The open namespaces of the internal networks in {@link #BRIDGES}, closed by {@link #forget}. */
  private static final ConcurrentHashMap<String, NetworkNamespace> INTERNAL = new ConcurrentHashMap<>();
  /** The marker file of an internal network in its directory. */
  public static final String INTERNAL_MARKER = "internal";

  private final Path networksDir;
  private final String bridgeName;
  private @Nullable BridgeAttachment attachment;
  private @Nullable PortProxy proxy;
  private @Nullable NetworkNamespace namespace;
  private @Nullable UserModeNetwork userMode;
  private @Nullable SharedUserNetwork shared;
  private @Nullable InetAddress sharedAddress;

  /**
   * The network side of a container whose runtime keeps its networks' leases in {@code networksDir}
   * and that joins {@code bridgeName} if it is in bridge mode.
   */
  public ContainerNetwork(Path networksDir, String bridgeName) {
    this.networksDir = networksDir;
    this.bridgeName = bridgeName;
  }

  /** Writes the files that do not depend on an address (before the launch). */
  static void writeFiles(ContainerSpec spec, ContainerNetwork network, Path stateDir, String hostname, @Nullable InetAddress address)
      throws IOException {
    if (NetKind.of(spec) == NetKind.HOST) {
      return;
    }
    HostsFile.Builder hosts = HostsFile.builder().hostname(hostname);
    if (address != null) {
      hosts.address(address);
    }
    for (Map.Entry<String, String> e : spec.extraHosts().entrySet()) {
      hosts.entry(e.getValue(), e.getKey());
    }
    hosts.build().writeTo(stateDir.resolve(HOSTS));
    if (NetKind.of(spec) == NetKind.BRIDGE && !spec.ports().isEmpty() && isInternal(network.networksDir, network.bridgeName)) {
      // Checked here, before the launch: the host has no route into an internal network.
      throw new IOException("ports cannot be published from internal network " + network.bridgeName
          + " (the host has no route into it): " + spec.ports());
    }
    if (NetKind.of(spec) == NetKind.BRIDGE || NetKind.of(spec) == NetKind.USER_MODE) {
      ResolvConf resolv = !spec.dns().isEmpty() ? dnsServers(spec)
          : NetKind.of(spec) == NetKind.USER_MODE ? UserModeNetwork.resolvConf(java.util.Objects.requireNonNull(NetKind.userMode(spec)))
          : ResolvConf.fromHost(Path.of("/etc/resolv.conf"));
      Files.writeString(stateDir.resolve(RESOLV_CONF), resolv.render());
    }
  }

  private static ResolvConf dnsServers(ContainerSpec spec) {
    ResolvConf.Builder b = ResolvConf.builder();
    spec.dns().forEach(b::nameserver);
    return b.build();
  }

  /** Connects the container (its pid 1 is {@code pid}) before it goes on; rolls back on failure. */
  void connect(ContainerSpec spec, String id, int pid, Path stateDir, String hostname) throws IOException {
    if (NetKind.of(spec) == NetKind.BRIDGE) {
      namespace = NetworkNamespace.openPid(pid);
      String address = NetKind.address(spec);
      InetAddress requested = address == null ? null : dev.containerj.net.IpPrefix.parseAddress(address);
      attachment = bridge(networksDir, bridgeName).connect(namespace, id, pid, requested);
      writeFiles(spec, this, stateDir, hostname, attachment.address().address());
    }
    if (shared != null) {
      sharedAddress = shared.connect(spec, id, pid, stateDir, hostname);
      return;
    }
    if (NetKind.of(spec) == NetKind.USER_MODE) {
      // The stack forwards the published ports itself (pasta splices local connections straight
      // into the namespace, faster than a proxy here, and reachable rootless).
      userMode = UserModeNetwork.start(java.util.Objects.requireNonNull(NetKind.userMode(spec)), spec.ports(), pid, stateDir);
      return;
    }
    if (!spec.ports().isEmpty()) {
      PortProxy.Builder b = PortProxy.builder();
      for (PortMapping m : spec.ports()) {
        b.publish(m);
      }
      if (attachment != null) {
        b.target(attachment.address().address());
      } else {
        // Loopback mode: the proxy connects from inside the container's namespace to its 127.0.0.1.
        if (namespace == null) {
          namespace = NetworkNamespace.openPid(pid);
        }
        b.target(InetAddress.getLoopbackAddress()).targetNamespace(namespace);
      }
      proxy = b.start();
    }
  }

  /**
   * The host port that forwards to {@code containerPort} (TCP first), or -1 when none does: the
   * one the kernel chose for an ephemeral mapping.
   */
  public int mappedPort(int containerPort) {
    PortProxy px = proxy;
    UserModeNetwork um = userMode;
    if (px == null && um == null) {
      return -1;
    }
    PortMapping found = null;
    for (PortMapping m : px != null ? px.mappings() : java.util.Objects.requireNonNull(um).mappings()) {
      boolean better = found == null
          || (found.protocol() != PortMapping.Protocol.TCP && m.protocol() == PortMapping.Protocol.TCP);
      if (m.containerPort() == containerPort && better) {
        found = m;
      }
    }
    return found == null ? -1 : px != null ? px.hostPort(found) : java.util.Objects.requireNonNull(um).hostPort(found);
  }

  /** The container's address on its bridge, if it has one. */
  public @Nullable InetAddress address() {
    return attachment == null ? sharedAddress : attachment.address().address();
  }

  /** The shared user-mode network the container joins (acquired before the launch by the starter). */
  void share(@Nullable SharedUserNetwork network) {
    shared = network;
  }

  /** The bridge network of this name whose leases are kept in {@code networksDir}, shared by the JVM. */
  public static BridgeNetwork bridge(Path networksDir, String name) {
    return BRIDGES.computeIfAbsent(networksDir.resolve(name).toString(), key -> {
      String n = name;
      Path dir = networksDir.resolve(n);
      String subnet = DEFAULT_SUBNET;
      Path subnetFile = dir.resolve("subnet");
      if (Files.exists(subnetFile)) {
        try {
          subnet = Files.readString(subnetFile).trim();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      } else if (!n.equals(BridgeNetwork.DEFAULT_BRIDGE)) {
        throw new IllegalArgumentException("network " + n + " does not exist: create it first "
            + "(Networks.create or `containerj network create " + n + " --subnet CIDR`)");
      }
      BridgeNetwork.Builder b = BridgeNetwork.builder().bridgeName(n).subnet(subnet).ipamDirectory(dir);
      if (Files.exists(dir.resolve(INTERNAL_MARKER))) {
        try {
          b.hostNamespace(INTERNAL.computeIfAbsent(n, ContainerNetwork::openInternalNamespace)).noGateway();
        } catch (java.io.UncheckedIOException e) {
          throw new IllegalStateException("internal network " + n + " has no namespace " + internalNamespace(n)
              + " (remove the network and create it again): " + e.getMessage(), e);
        }
      }
      return b.build();
    });
  }

  /** Whether the network of this name is internal (its bridge in a namespace of its own). */
  public static boolean isInternal(Path networksDir, String name) {
    return Files.exists(networksDir.resolve(name).resolve(INTERNAL_MARKER));
  }

  /**
   * The network namespace ({@code /run/netns/NAME}) that holds an internal network's bridge: a
   * namespace with no address and no route of the host, so the host's stack is no neighbour of it.
   */
  public static String internalNamespace(String name) {
    return "containerj-" + name;
  }

  private static NetworkNamespace openInternalNamespace(String name) {
    try {
      return NetworkNamespace.open(internalNamespace(name));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Drops the cached network of this name (after it was removed). */
  public static void forget(Path networksDir, String name) {
    BridgeNetwork n = BRIDGES.remove(networksDir.resolve(name).toString());
    if (n != null) {
      n.close();
    }
    NetworkNamespace ns = INTERNAL.remove(name);
    if (ns != null) {
      ns.close();
    }
  }

  /** Where the default runtime's networks' IPAM directories live: {@code STATE_ROOT/networks/NAME}. */
  public static Path networksDir() {
    return StateStore.forCurrentUser().root().resolve("networks");
  }

  /** Stops the published ports' proxy (nothing new may reach a dying container); close() does the rest. */
  public void closePorts() {
    if (proxy != null) {
      proxy.close();
      proxy = null;
    }
  }

  /** The pid of the user-mode stack serving the container, or -1. */
  public int userModePid() {
    return userMode == null ? -1 : userMode.pid();
  }

  @Override
  public void close() {
    if (userMode != null) {
      userMode.close();
      userMode = null;
    }
    if (proxy != null) {
      proxy.close();
      proxy = null;
    }
    if (attachment != null) {
      attachment.close();
      attachment = null;
    }
    if (namespace != null) {
      namespace.close();
      namespace = null;
    }
  }
}
