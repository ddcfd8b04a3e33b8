package dev.containerj.core;

import dev.containerj.core.internal.ContainerNetwork;
import dev.containerj.net.BridgeNetwork;
import dev.containerj.net.IpPrefix;
import dev.containerj.net.Ipam;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Named bridge networks for {@link NetworkMode#BRIDGE}: a host bridge plus an address pool, kept in
 * the state directory so that every JVM of this user sees the same leases. {@code containerj0}
 * (10.88.0.0/16) is created on first use; others are created here. Needs root.
 */
public final class Networks {
  private Networks() {}

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
   * @throws IllegalArgumentException for a bad name or subnet, naming it and the rule
   */
  public static Info create(String name, String subnet) throws IOException {
    if (!name.matches("[A-Za-z0-9_.-]{1,15}")) {
      throw new IllegalArgumentException("network name must be 1-15 letters, digits, '_', '.' or '-' (it names the bridge): " + name);
    }
    IpPrefix prefix = IpPrefix.parse(subnet);
    Path dir = ContainerNetwork.networksDir().resolve(name);
    if (Files.exists(dir.resolve("subnet"))) {
      throw new IllegalArgumentException("network " + name + " exists already");
    }
    Files.createDirectories(ContainerNetwork.networksDir());
    try (BridgeNetwork net = BridgeNetwork.builder().bridgeName(name).subnet(prefix.toString()).ipamDirectory(dir).build()) {
      net.ipam(); // records the subnet; refuses one that overlaps another network's
      try {
        net.ensureBridge(); // refuses one that overlaps the host's routes
      } catch (IOException | RuntimeException e) {
        deleteTree(dir);
        throw e;
      }
    }
    return info(name);
  }

  /** Every network recorded in the state directory. */
  public static List<Info> list() throws IOException {
    List<Info> out = new ArrayList<>();
    Path root = ContainerNetwork.networksDir();
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
   */
  public static void remove(String name) throws IOException {
    Path dir = ContainerNetwork.networksDir().resolve(name);
    if (!Files.exists(dir.resolve("subnet"))) {
      throw new IllegalArgumentException("network " + name + " does not exist");
    }
    try (BridgeNetwork net = BridgeNetwork.builder().bridgeName(name)
        .subnet(Files.readString(dir.resolve("subnet")).trim()).ipamDirectory(dir).build()) {
      Ipam ipam = net.ipam();
      ipam.reclaimDead();
      int held = ipam.leases().size();
      if (held > 0) {
        throw new IllegalStateException("network " + name + " is in use: " + held + " container(s) hold addresses in it");
      }
      net.removeBridge();
    }
    ContainerNetwork.forget(name);
    deleteTree(dir);
  }

  private static Info info(String name) throws IOException {
    Path dir = ContainerNetwork.networksDir().resolve(name);
    String subnet = Files.readString(dir.resolve("subnet")).trim();
    int leases = 0;
    Path leaseDir = dir.resolve("leases");
    if (Files.isDirectory(leaseDir)) {
      try (Stream<Path> s = Files.list(leaseDir)) {
        leases = (int) s.count();
      }
    }
    return new Info(name, subnet, leases, Files.exists(Path.of("/sys/class/net", name)));
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
