package dev.containerj.net;

import dev.containerj.linux.InvalidStateException;
import dev.containerj.linux.InvalidValueException;
import dev.containerj.net.internal.NetlinkSocket;
import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A bridge network as containers use it: a host bridge ({@code containerj0} by default) holding the
 * subnet's gateway address, and for each container one veth pair whose host end is a bridge port and
 * whose other end is created directly inside the container's network namespace as {@code eth0}, with
 * an address leased from the network's {@link Ipam}, the default route through the gateway, and
 * {@code lo} up.
 *
 * <pre>{@code
 * try (BridgeNetwork net = BridgeNetwork.builder().ipamDirectory(stateDir.resolve("networks/containerj0")).build();
 *     NetworkNamespace ns = NetworkNamespace.openPid(containerPid);
 *     BridgeAttachment att = net.connect(ns, containerId, containerPid)) {
 *   att.address(); // 10.88.0.2/16
 * }
 * }</pre>
 *
 * <p>Resources: the bridge is shared and outlives this object (remove it with {@link #removeBridge()});
 * each {@link BridgeAttachment} owns its veth and its lease and undoes both on close. A
 * {@code BridgeNetwork} owns only a netlink socket, closed by {@link #close()}. The subnet is checked
 * against the host's routes and addresses before the bridge is created (an overlap would make
 * containers or the host unreachable). Needs CAP_NET_ADMIN on the host namespace: a rootless caller
 * gets an error that says so. Nothing here enables forwarding or NAT: traffic beyond the host needs
 * that set up separately.
 *
 * <p>The bridge and every veth end take no IPv6 router advertisements ({@code accept_ra=0}, set
 * before they are up, and again on an existing bridge when this object first uses it): otherwise a
 * container that can send one (CAP_NET_RAW) gives the host, or its neighbours, an address in its
 * prefix and a default route through itself (CVE-2020-10749).
 */
public final class BridgeNetwork implements AutoCloseable {
  /** The default bridge name. */
  public static final String DEFAULT_BRIDGE = "containerj0";
  /** The default subnet. */
  public static final String DEFAULT_SUBNET = "10.88.0.0/16";

  private final String bridgeName;
  private final IpPrefix subnet;
  private final @Nullable InetAddress gatewayOverride;
  private final int mtu;
  private final Path ipamDirectory;
  private final String containerInterface;
  private final @Nullable NetworkNamespace hostNamespace;
  private final boolean withGateway;
  private final Object lock = new Object();
  private @Nullable Rtnetlink ownClient;
  private @Nullable Ipam ipam;
  /** The bridge's interface index as the last {@link #ensureBridge()} found it; 0: not known. */
  private volatile int bridgeIndex;
  /** Tests only: false skips the check that the attached-to index is still the bridge's (the off-run). */
  static volatile boolean verifyBridge = true;

  private BridgeNetwork(Builder b) {
    this.bridgeName = b.bridgeName;
    this.subnet = b.subnet;
    this.gatewayOverride = b.gateway;
    this.mtu = b.mtu;
    this.ipamDirectory = Objects.requireNonNull(b.ipamDirectory, "ipamDirectory must be set");
    this.containerInterface = b.containerInterface;
    this.hostNamespace = b.hostNamespace;
    this.withGateway = b.gatewayOnBridge;
    if (gatewayOverride != null && !subnet.contains(gatewayOverride)) {
      throw new InvalidValueException("gateway", IpPrefix.addressString(gatewayOverride), "must be inside subnet " + subnet);
    }
  }

  /** {@return a new builder; only the IPAM directory is required} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the bridge's name} */
  public String bridgeName() {
    return bridgeName;
  }

  /** {@return the network's subnet} */
  public IpPrefix subnet() {
    return subnet;
  }

  /** {@return the MTU of the bridge and of every veth} */
  public int mtu() {
    return mtu;
  }

  /**
   * {@return the network's IPAM (opened on first use)}
   *
   * @throws IOException as {@link Ipam.Builder#open()}
   */
  public Ipam ipam() throws IOException {
    synchronized (lock) {
      if (ipam == null) {
        Ipam.Builder b = Ipam.builder().directory(ipamDirectory).subnet(subnet);
        if (gatewayOverride != null) {
          b.gateway(gatewayOverride);
        }
        ipam = b.open();
      }
      return ipam;
    }
  }

  private Rtnetlink host() throws IOException {
    if (hostNamespace != null) {
      return hostNamespace.rtnetlink();
    }
    synchronized (lock) {
      if (ownClient == null) {
        ownClient = Rtnetlink.open();
      }
      return ownClient;
    }
  }

  /**
   * Creates the bridge with the gateway address and brings it up, unless it exists; idempotent. A
   * new bridge's subnet must not overlap a route or address of the host: {@code "subnet 10.0.2.0/24
   * overlaps 10.0.2.0/24 dev eth0 on the host"}.
   *
   * @throws IOException when the subnet overlaps the host's, or the kernel refuses a request
   *     ({@link NetlinkException})
   * @throws InvalidValueException when the subnet overlaps a route or an address of the host
   * @throws InvalidStateException when a link of the bridge's name exists and is not a bridge
   */
  public void ensureBridge() throws IOException {
    Rtnetlink host = host();
    IpPrefix gw = ipam().gatewayPrefix();
    synchronized (lock) {
      Link existing = host.link(bridgeName).orElse(null);
      if (existing != null) {
        if (!"bridge".equals(existing.kind())) {
          throw new InvalidStateException("link " + bridgeName, "exists and is not a bridge (kind " + existing.kind() + ")");
        }
        host.setIpv6AcceptRa(bridgeName, 0); // a bridge made by an older version accepted them
        boolean hasGateway = !withGateway || host.addresses().stream()
            .anyMatch(a -> a.interfaceIndex() == existing.index() && a.prefix().equals(gw));
        if (!hasGateway) {
          host.addAddress(bridgeName, gw);
        }
        if (!existing.up()) {
          host.setUp(bridgeName, true);
        }
        bridgeIndex = existing.index();
        return;
      }
      checkNoOverlap(host);
      try {
        Bridge.Builder bridge = Bridge.builder().name(bridgeName).mtu(mtu).up().configure(b -> b.ipv6AcceptRa(false));
        if (withGateway) {
          bridge.address(gw.toString());
        }
        bridge.build().createIn(host).release();
        bridgeIndex = host.requireLink(bridgeName).index();
      } catch (NetlinkException e) {
        if (e.errno() == 1 /* EPERM */) {
          throw new IOException("bridge networking needs CAP_NET_ADMIN on the host (run as root, or use the loopback or none"
              + " network): " + e.getMessage(), e);
        }
        throw e;
      }
    }
  }

  private void checkNoOverlap(Rtnetlink host) throws IOException {
    for (Route r : host.routes()) {
      IpPrefix d = r.destination();
      if (d != null && d.prefixLength() > 0 && d.overlaps(subnet)) {
        throw new InvalidValueException("subnet", subnet.toString(), "must not overlap " + r + " on the host");
      }
    }
    java.util.Map<Integer, String> names = new java.util.HashMap<>();
    for (Link l : host.links()) {
      names.put(l.index(), l.name());
    }
    for (LinkAddress a : host.addresses()) {
      if (a.prefix().network().overlaps(subnet) && !a.prefix().address().isLoopbackAddress()) {
        throw new InvalidValueException("subnet", subnet.toString(), "must not overlap " + a.prefix() + " dev "
            + names.getOrDefault(a.interfaceIndex(), "?") + " on the host");
      }
    }
  }

  /**
   * {@return {@link #connect(NetworkNamespace, String, long, InetAddress)} held for this JVM's pid,
   * any free address}
   *
   * @param container the container's network namespace
   * @param owner the container id the address is leased to
   * @throws IOException as {@link #connect(NetworkNamespace, String, long, InetAddress)}
   * @throws InvalidValueException as {@link #connect(NetworkNamespace, String, long, InetAddress)}
   */
  public BridgeAttachment connect(NetworkNamespace container, String owner) throws IOException {
    return connect(container, owner, ProcessHandle.current().pid(), null);
  }

  /**
   * {@return {@link #connect(NetworkNamespace, String, long, InetAddress)} with any free address}
   *
   * @param container the container's network namespace
   * @param owner the container id the address is leased to
   * @param ownerPid the container's init
   * @throws IOException as {@link #connect(NetworkNamespace, String, long, InetAddress)}
   * @throws InvalidValueException as {@link #connect(NetworkNamespace, String, long, InetAddress)}
   */
  public BridgeAttachment connect(NetworkNamespace container, String owner, long ownerPid) throws IOException {
    return connect(container, owner, ownerPid, null);
  }

  /**
   * Connects a container's network namespace: ensures the bridge (on this object's first connect,
   * and again whenever the bridge is no longer under the interface index it had), leases an address
   * ({@code requested}, or the next free one) for {@code owner} held by process {@code ownerPid} (the
   * container's init: when it dies the lease becomes reclaimable), creates the veth pair with its
   * container end as {@code eth0} inside, sets the address, {@code lo} and {@code eth0} up and the
   * default route. On failure everything done so far is undone.
   *
   * @param container the container's network namespace
   * @param owner the container id the address is leased to
   * @param ownerPid the container's init
   * @param requested the address wanted, or null for the next free one
   * @return the attachment; close it to remove the veth and release the lease
   * @throws IOException when no address is free, the lease directory fails, or the kernel refuses a
   *     request
   * @throws InvalidValueException when {@code requested} is not assignable in the subnet or the
   *     subnet overlaps the host's
   * @throws InvalidStateException when a link of the bridge's name exists and is not a bridge
   */
  public BridgeAttachment connect(NetworkNamespace container, String owner, long ownerPid,
      @Nullable InetAddress requested) throws IOException {
    Objects.requireNonNull(container, "container");
    if (requested != null) {
      ipam().checkAssignable(requested); // reject before anything is created
    }
    int master = bridgeIndex(); // the bridge is ensured once, then checked by each connect's batch
    Ipam.Lease lease = ipam().allocate(owner, ownerPid, requested);
    try {
      String hostIf = "cjv" + String.format("%08x", ThreadLocalRandom.current().nextInt());
      LinkHandle veth = createVeth(container, hostIf, master);
      try {
        configureInside(container, lease);
      } catch (IOException | RuntimeException e) {
        veth.close();
        throw e;
      }
      return new BridgeAttachment(this, veth, lease, hostIf, containerInterface);
    } catch (IOException | RuntimeException e) {
      lease.close();
      throw e;
    }
  }

  /** The bridge's interface index, from the last {@link #ensureBridge()}; ensures it on first use. */
  private int bridgeIndex() throws IOException {
    int index = bridgeIndex;
    if (index == 0) {
      ensureBridge();
      index = bridgeIndex;
    }
    return index;
  }

  /**
   * Creates the pair with its host end already a port of the bridge, and its container end made
   * directly in the container's namespace (a move of an existing link into a namespace costs an RCU
   * grace period, ~15 ms here, against ~0.5 ms for the creation: see docs/architecture.md), then
   * brings the host end up. One datagram carries both the lookup of the bridge by name and the
   * creation: the kernel runs them in that order, so a connect needs no other round trip to know
   * that the index it attached to still is this network's bridge. When it is not (the bridge was
   * deleted, or recreated under another index, perhaps the old index now held by another device),
   * the new veth, still down, is deleted, the bridge ensured again, and the creation retried once.
   */
  private LinkHandle createVeth(NetworkNamespace container, String hostIf, int firstMaster) throws IOException {
    Rtnetlink host = host();
    VethPair pair = VethPair.builder().name(hostIf).peer(p -> p.name(containerInterface).namespace(container))
        .mtu(mtu).build();
    int master = firstMaster;
    for (int attempt = 0; ; attempt++) {
      List<NetlinkSocket.Answer> answers = host.socket().executeBatch(List.of(Rtnetlink.getLinkRequest(bridgeName),
          pair.request(master)));
      NetlinkSocket.Answer found = answers.get(0);
      Link bridge = found.error() == null && !found.messages().isEmpty() ? Rtnetlink.parseLink(found.messages().get(0)) : null;
      boolean same = !verifyBridge
          || (bridge != null && bridge.index() == master && "bridge".equals(bridge.kind()));
      NetlinkException refused = answers.get(1).error();
      if (same && refused != null) {
        throw refused; // the bridge is right: the creation itself failed (EEXIST: eth0 taken inside)
      }
      if (!same) {
        if (refused == null) {
          new LinkHandle(host, hostIf, null).close(); // a port of whatever holds the old index: never up
        }
        bridgeIndex = 0;
        if (attempt > 0) {
          throw refused != null ? refused : new IOException("bridge " + bridgeName + " changed while " + hostIf
              + " was attached to it (index " + master + ", now " + (bridge == null ? "absent" : bridge.index()) + ")");
        }
        master = bridgeIndex();
        continue;
      }
      LinkHandle veth = new LinkHandle(host, hostIf, null);
      try {
        host.setIpv6AcceptRa(hostIf, 0); // before it is up: no advertisement gets in first
        host.setUp(hostIf, true);
      } catch (IOException | RuntimeException e) {
        veth.close();
        throw e;
      }
      return veth;
    }
  }

  /**
   * Configures the container's end inside its namespace in one visit: {@code accept_ra=0} (before it
   * is up; a neighbour with NET_RAW must not become its IPv6 router), then one datagram with the
   * address, eth0 up, lo up and the default route (the kernel runs them in order, so the route
   * finds its gateway on a link that is up). The visit runs on the library's shared hop thread unless
   * the handle already has a thread: a container's namespace gets no thread of its own.
   */
  private void configureInside(NetworkNamespace container, Ipam.Lease lease) throws IOException {
    String gateway = IpPrefix.addressString(lease.gateway());
    container.callBriefly(() -> {
      Ipv6Conf.write(containerInterface, "accept_ra", 0);
      try (Rtnetlink inside = Rtnetlink.open()) {
        int index = inside.requireLink(containerInterface).index();
        List<NlRequest> batch = new ArrayList<>();
        batch.add(Rtnetlink.addAddressRequest(index, containerInterface, lease.address()));
        batch.add(Rtnetlink.setUpRequest(containerInterface, true));
        batch.add(Rtnetlink.setUpRequest("lo", true));
        if (withGateway) {
          Route route = Route.defaultVia(gateway).toBuilder().device(containerInterface).interfaceIndex(index).build();
          batch.add(inside.routeRequest(Nl.RTM_NEWROUTE, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, route));
        }
        for (NetlinkSocket.Answer a : inside.socket().executeBatch(batch)) {
          a.orThrow();
        }
      }
      return Boolean.TRUE;
    });
  }

  /**
   * Deletes the bridge (its ports are detached, the veths stay). A missing bridge is not an error.
   *
   * @throws IOException when the kernel refuses the deletion ({@link NetlinkException})
   */
  public void removeBridge() throws IOException {
    bridgeIndex = 0;
    try {
      host().deleteLink(bridgeName);
    } catch (NetlinkException e) {
      if (e.errno() != 19) {
        throw e;
      }
    }
  }

  /** Closes this object's netlink socket; the bridge and the attachments stay. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (ownClient != null) {
        ownClient.close();
        ownClient = null;
      }
    }
  }

  @Override
  public String toString() {
    return "bridge network " + bridgeName + " " + subnet;
  }

  /** Builds a {@link BridgeNetwork}; only {@link #ipamDirectory} is required. */
  public static final class Builder {
    private String bridgeName = DEFAULT_BRIDGE;
    private IpPrefix subnet = IpPrefix.parse(DEFAULT_SUBNET);
    private @Nullable InetAddress gateway;
    private int mtu = 1500;
    private @Nullable Path ipamDirectory;
    private String containerInterface = "eth0";
    private @Nullable NetworkNamespace hostNamespace;
    private boolean gatewayOnBridge = true;

    private Builder() {}

    /**
     * The bridge's name, at most 15 bytes ({@code containerj0} by default).
     *
     * @param name the bridge's name, at most 15 bytes ({@code containerj0} by default)
     * @return this builder
     * @throws InvalidValueException when {@code name} is no interface name (see {@link
     *     Link#checkName})
     */
    public Builder bridgeName(String name) {
      this.bridgeName = Link.checkName("bridge name", name);
      return this;
    }

    /**
     * The subnet, a network address ({@code 10.88.0.0/16} by default).
     *
     * @param subnet the subnet, a network address ({@code 10.88.0.0/16} by default)
     * @return this builder
     * @throws InvalidValueException when {@code subnet} is no prefix or has host bits set
     */
    public Builder subnet(String subnet) {
      IpPrefix p = IpPrefix.parse(subnet);
      if (!p.equals(p.network())) {
        throw new InvalidValueException("subnet", p + " (did you mean " + p.network() + "?)",
            "must be a network address (host bits zero)");
      }
      this.subnet = p;
      return this;
    }

    /**
     * The gateway (the bridge's address); default: the subnet's first host.
     *
     * @param gateway the gateway (the bridge's address); default: the subnet's first host
     * @return this builder
     * @throws InvalidValueException when {@code gateway} is no IP literal
     */
    public Builder gateway(String gateway) {
      this.gateway = IpPrefix.parseAddress(gateway);
      return this;
    }

    /**
     * The MTU of the bridge and of every veth, 68..65535 (1500 by default).
     *
     * @param mtu the MTU of the bridge and of every veth, 68..65535 (1500 by default)
     * @return this builder
     * @throws InvalidValueException when {@code mtu} is outside 68..65535
     */
    public Builder mtu(int mtu) {
      if (mtu < 68 || mtu > 65535) {
        throw new InvalidValueException("mtu", Integer.toString(mtu), "must be 68..65535");
      }
      this.mtu = mtu;
      return this;
    }

    /**
     * Where this network's leases live (for example {@code STATE/networks/containerj0}).
     *
     * @param dir where this network's leases live (for example {@code STATE/networks/containerj0})
     * @return this builder
     */
    public Builder ipamDirectory(Path dir) {
      this.ipamDirectory = Objects.requireNonNull(dir, "ipamDirectory");
      return this;
    }

    /**
     * The interface name inside containers ({@code eth0} by default).
     *
     * @param name the interface name inside containers ({@code eth0} by default)
     * @return this builder
     * @throws InvalidValueException when {@code name} is no interface name (see {@link
     *     Link#checkName})
     */
    public Builder containerInterface(String name) {
      this.containerInterface = Link.checkName("container interface name", name);
      return this;
    }

    /**
     * The namespace that holds the bridge; by default the JVM's own. (Tests use a namespace of their
     * own so the host stays untouched.)
     *
     * @param ns the namespace that holds the bridge; by default the JVM's own
     * @return this builder
     */
    public Builder hostNamespace(@Nullable NetworkNamespace ns) {
      this.hostNamespace = ns;
      return this;
    }

    /**
     * No gateway: the bridge gets no address and the containers no default route, so they reach
     * each other only. With a {@link #hostNamespace} of the network's own, the bridge is no IP
     * neighbour of the host's stack either (an "internal" network).
     *
     * @return this builder
     */
    public Builder noGateway() {
      this.gatewayOnBridge = false;
      return this;
    }

    /**
     * {@return the network description; nothing is created until {@link
     * BridgeNetwork#ensureBridge()} or {@link BridgeNetwork#connect}}
     *
     * @throws InvalidValueException when the gateway is outside the subnet
     */
    public BridgeNetwork build() {
      return new BridgeNetwork(this);
    }
  }
}
