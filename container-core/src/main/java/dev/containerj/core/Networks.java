package dev.containerj.core;

import dev.containerj.core.internal.ContainerNetwork;
import dev.containerj.net.BridgeNetwork;
import dev.containerj.net.IpPrefix;
import dev.containerj.net.Ipam;
import dev.containerj.net.NetworkNamespace;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Named bridge networks for {@link Network#bridge(String)}: a host bridge plus an address pool, kept in
 * the state directory of a {@link ContainerRuntime} ({@link ContainerRuntime#networks()}) so that
 * every JVM of this user that uses the same state directory sees the same leases. {@code containerj0}
 * (10.88.0.0/16) is created on first use; others are created here. Needs root.
 *
 * <p>A bridge network's containers reach the host's services: the gateway is an address of the
 * host, which also routes its other addresses to itself (as with Docker without a firewall). An
 * {@linkplain #createInternal internal} network does not.
 */
public final class Networks {
  private final Path networksDir;

  Networks(Path networksDir) {
    this.networksDir = networksDir;
  }

  /**
   * One network.
   *
   * @param name the network's and its bridge's name
   * @param subnet its subnet, as {@code 10.88.0.0/16}
   * @param leases addresses handed out now
   * @param bridgeExists whether the host bridge exists
   */
  public record Info(String name, String subnet, int leases, boolean bridgeExists) {}

  /**
   * Creates a network: checks the subnet against the host's routes and every other network (no
   * overlap), records it, and creates the bridge with its gateway address.
   *
   * @param name the network's name, also its bridge's
   * @param subnet the subnet in CIDR notation, such as {@code 10.89.0.0/24}
   * @return the network as recorded: its name and subnet, no lease yet
   * @throws SpecValidationException for a bad name or subnet (or one that overlaps), naming it and the rule
   * @throws ContainerException when it exists already, or creating it failed
   */
  public Info create(String name, String subnet) {
    return Unchecked.call("subnet", subnet, () -> create(name, subnet, false));
  }

  /**
   * Creates an internal network: its bridge lives in a network namespace of its own
   * ({@code /run/netns/containerj-NAME}) and has no address, and its containers get no default
   * route. They reach each other, and nothing else: the host's stack is no IP neighbour of them, so
   * no host service is reachable from them, whatever address it listens on, without any firewall
   * rule. Ports cannot be published from it. Removed with {@link #remove}, namespace included.
   *
   * @param name the network's name
   * @param subnet the subnet in CIDR notation, such as {@code 10.89.0.0/24}
   * @return the network as recorded: its name and subnet, no lease yet
   * @throws SpecValidationException for a bad name or subnet (or one that overlaps), naming it and the rule
   * @throws ContainerException when it exists already, or creating it failed
   */
  public Info createInternal(String name, String subnet) {
    return Unchecked.call("subnet", subnet, () -> create(name, subnet, true));
  }

  private Info create(String name, String subnet, boolean internal) throws IOException {
    if (!name.matches("[A-Za-z0-9_.-]{1,15}")) {
      throw SpecValidationException.of("network name", name, "must be 1-15 letters, digits, '_', '.' or '-' (it names the bridge)");
    }
    IpPrefix prefix = IpPrefix.parse(subnet);
    Path dir = networksDir.resolve(name);
    if (Files.exists(dir.resolve("subnet"))) {
      throw new ContainerException("network " + name + " exists already");
    }
    Files.createDirectories(networksDir);
    NetworkNamespace ns = null;
    try {
      BridgeNetwork.Builder b = BridgeNetwork.builder().bridgeName(name).subnet(prefix.toString()).ipamDirectory(dir);
      if (internal) {
        ns = NetworkNamespace.createPersistent(ContainerNetwork.internalNamespace(name));
        b.hostNamespace(ns).noGateway();
      }
      try (BridgeNetwork net = b.build()) {
        net.ipam(); // records the subnet; refuses one that overlaps another network's
        net.ensureBridge(); // refuses one that overlaps the host's routes
        if (internal) {
          Files.writeString(dir.resolve(ContainerNetwork.INTERNAL_MARKER), "");
        }
      }
    } catch (IOException | RuntimeException e) {
      if (ns != null) {
        try {
          ns.delete();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      deleteTree(dir);
      throw e;
    } finally {
      if (ns != null) {
        ns.close();
      }
    }
    return info(name);
  }

  /**
   * Every network recorded in the state directory.
   *
   * @return the networks, empty when there is none
   * @throws ContainerException when the state directory cannot be read
   */
  public List<Info> list() {
    return Unchecked.call("networks", networksDir.toString(), this::recorded);
  }

  private List<Info> recorded() throws IOException {
    List<Info> out = new ArrayList<>();
    Path root = networksDir;
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path d : ds) {
        if (Files.exists(d.resolve("subnet"))) {
          out.add(info(d.getFileName().toString()));
        }
      }
    }
    out.sort(Comparator.comparing(Info::name));
    return out;
  }

  /**
   * Removes a network: its bridge and its record. Refuses while a live container holds an address
   * in it (leases of dead owners are reclaimed first).
   *
   * @param name the network's name
   * @throws ContainerException when it does not exist, is in use, or removing it failed
   */
  public void remove(String name) {
    Unchecked.call("network", name, () -> {
      removeRecorded(name);
      return name; // Unchecked.call needs a value
    });
  }

  private void removeRecorded(String name) throws IOException {
    Path dir = networksDir.resolve(name);
    if (!Files.exists(dir.resolve("subnet"))) {
      throw new ContainerException("network " + name + " does not exist");
    }
    boolean internal = ContainerNetwork.isInternal(networksDir, name);
    // Containers already closed may still hold their veth and lease on the background teardown lane:
    // they are not "in use", so their removal runs first.
    dev.containerj.core.internal.TeardownLane.drain(java.time.Duration.ofSeconds(30));
    try (BridgeNetwork net = BridgeNetwork.builder().bridgeName(name)
        .subnet(Files.readString(dir.resolve("subnet")).trim()).ipamDirectory(dir).build()) {
      Ipam ipam = net.ipam();
      ipam.reclaimDead();
      int held = ipam.leases().size();
      if (held > 0) {
        throw new ContainerException("network " + name + " is in use: " + held + " container(s) hold addresses in it");
      }
      if (!internal) {
        net.removeBridge();
      }
    }
    ContainerNetwork.forget(networksDir, name);
    if (internal) {
      // The bridge goes with its namespace (deleting the namespace's last reference destroys it).
      try {
        NetworkNamespace.delete(ContainerNetwork.internalNamespace(name));
      } catch (java.nio.file.NoSuchFileException gone) {
        // removed by hand already
      }
    }
    deleteTree(dir);
  }

  private Info info(String name) throws IOException {
    Path dir = networksDir.resolve(name);
    String subnet = Files.readString(dir.resolve("subnet")).trim();
    int leases = 0;
    Path leaseDir = dir.resolve("leases");
    if (Files.isDirectory(leaseDir)) {
      try (Stream<Path> s = Files.list(leaseDir)) {
        leases = (int) s.count();
      }
    }
    boolean bridge = ContainerNetwork.isInternal(networksDir, name)
        ? Files.exists(NetworkNamespace.RUN_DIR.resolve(ContainerNetwork.internalNamespace(name)))
        : Files.exists(Path.of("/sys/class/net", name));
    return new Info(name, subnet, leases, bridge);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
