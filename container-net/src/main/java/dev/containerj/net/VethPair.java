package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlRequest;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A virtual ethernet pair (veth(4)) described in one statement: both ends' names, namespaces, MACs,
 * MTU, bridge, addresses, routes and state. Immutable; {@link #createIn} makes it real.
 *
 * <pre>{@code
 * try (LinkHandle veth = VethPair.builder()
 *     .name("cjh1").master("br0").up()
 *     .peer(p -> p.name("eth0").namespace(ns).address("10.88.0.2/16").up().defaultRoute("10.88.0.1"))
 *     .build()
 *     .createIn(host)) {
 *   ...
 * } // deletes both ends
 * }</pre>
 *
 * <p>Both ends are created by one RTM_NEWLINK directly in their namespaces (no later move), then each
 * end is configured through the netlink client of its namespace. If a step fails the pair is deleted
 * again and the error is thrown.
 */
public final class VethPair {
  private final LinkEnd end;
  private final LinkEnd peer;

  private VethPair(LinkEnd end, LinkEnd peer) {
    this.end = end;
    this.peer = peer;
    if (end.name().equals(peer.name()) && end.namespace() == peer.namespace()) {
      throw new InvalidValueException("peer name", end.name(), "must differ from name in the same namespace");
    }
  }

  /** {@return a new builder; both names are required} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder with these settings} */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.end = end.toBuilder();
    b.peer = peer.toBuilder();
    return b;
  }

  /** {@return the first end (the one {@link LinkHandle} deletes)} */
  public LinkEnd end() {
    return end;
  }

  /** {@return the second end} */
  public LinkEnd peer() {
    return peer;
  }

  /**
   * Creates and configures the pair. {@code rtnl} is the client of the namespace of ends without an
   * explicit namespace; ends with one are configured through {@link NetworkNamespace#rtnetlink()}.
   *
   * @param rtnl the client of the namespace the pair is created in
   * @return ownership of the pair; close it to delete both ends
   * @throws IOException when the kernel refuses a request ({@link NetlinkException} with its
   *     errno); what was created is deleted again
   */
  public LinkHandle createIn(Rtnetlink rtnl) throws IOException {
    rtnl.socket().execute(request());
    Rtnetlink endClient = clientFor(rtnl, end.namespace());
    LinkHandle handle = new LinkHandle(endClient, end.name(), end.namespace());
    try {
      end.configure(endClient);
      peer.configure(clientFor(rtnl, peer.namespace()));
      return handle;
    } catch (IOException | RuntimeException e) {
      try {
        handle.delete();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * The single RTM_NEWLINK that creates both ends, each directly in its namespace. The ends are
   * brought up by separate requests: IFF_UP in the creating request fails with ENOTCONN, because
   * veth_newlink configures the first end before the pair is joined.
   */
  NlRequest request() {
    return request(0);
  }

  /**
   * As {@link #request()}, the first end made a port of the bridge with interface index {@code
   * masterIndex} in the same request (rtnl_newlink sets IFLA_MASTER once the link exists), when it
   * is not 0.
   */
  NlRequest request(int masterIndex) {
    NlRequest req = NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, "veth " + end.name())
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0);
    linkAttrs(req, end);
    if (masterIndex != 0) {
      req.attrU32(Nl.IFLA_MASTER, masterIndex);
    }
    int info = req.nestStart(Nl.IFLA_LINKINFO);
    req.attrString(Nl.IFLA_INFO_KIND, "veth");
    int data = req.nestStartLegacy(Nl.IFLA_INFO_DATA);
    int peerAttr = req.nestStartLegacy(Nl.VETH_INFO_PEER);
    req.ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0);
    linkAttrs(req, peer);
    req.nestEnd(peerAttr).nestEnd(data).nestEnd(info);
    return req;
  }

  static Rtnetlink clientFor(Rtnetlink rtnl, @Nullable NetworkNamespace ns) throws IOException {
    return ns == null ? rtnl : ns.rtnetlink();
  }

  static void linkAttrs(NlRequest req, LinkEnd e) {
    req.attrString(Nl.IFLA_IFNAME, e.name());
    if (e.mtu() != 0) {
      req.attrU32(Nl.IFLA_MTU, e.mtu());
    }
    if (e.mac() != null) {
      req.attr(Nl.IFLA_ADDRESS, Link.parseMac(e.mac()));
    }
    if (e.namespace() != null) {
      req.attrU32(Nl.IFLA_NET_NS_FD, e.namespace().fd());
    }
  }

  @Override
  public String toString() {
    return "veth " + end.name() + " <-> " + peer.name();
  }

  /**
   * Builds a {@link VethPair}. Methods without "peer" configure the first end; {@link #peer(Consumer)}
   * configures the other; {@link #mtu(int)} sets both.
   */
  public static final class Builder {
    private LinkEnd.Builder end = new LinkEnd.Builder("name");
    private LinkEnd.Builder peer = new LinkEnd.Builder("peer name");

    private Builder() {}

    /**
     * The first end's name (at most 15 bytes).
     *
     * @param name the first end's name (at most 15 bytes)
     * @return this builder
     */
    public Builder name(String name) {
      end.name(name);
      return this;
    }

    /**
     * Creates the first end in {@code namespace} instead of the client's namespace.
     *
     * @param namespace the namespace, or null for the client's
     * @return this builder
     */
    public Builder namespace(@Nullable NetworkNamespace namespace) {
      end.namespace(namespace);
      return this;
    }

    /**
     * The first end's hardware address.
     *
     * @param mac the first end's hardware address
     * @return this builder
     */
    public Builder mac(String mac) {
      end.mac(mac);
      return this;
    }

    /**
     * Attaches the first end to this bridge (in its namespace).
     *
     * @param bridge the bridge's name
     * @return this builder
     */
    public Builder master(String bridge) {
      end.master(bridge);
      return this;
    }

    /**
     * Adds an address to the first end ({@code "10.0.0.1/24"}).
     *
     * @param address an address with its prefix length
     * @return this builder
     */
    public Builder address(String address) {
      end.address(address);
      return this;
    }

    /**
     * Adds a route out of the first end.
     *
     * @param route the route
     * @return this builder
     */
    public Builder route(Route route) {
      end.route(route);
      return this;
    }

    /**
     * Brings the first end up.
     *
     * @return this builder
     */
    public Builder up() {
      end.up();
      return this;
    }

    /**
     * Whether the first end accepts IPv6 router advertisements ({@link
     * LinkEnd.Builder#ipv6AcceptRa}).
     *
     * @param accept whether the first end accepts IPv6 router advertisements ({@link
     *     LinkEnd.Builder#ipv6AcceptRa})
     * @return this builder
     */
    public Builder ipv6AcceptRa(boolean accept) {
      end.ipv6AcceptRa(accept);
      return this;
    }

    /**
     * Sets the MTU of both ends (a veth pair should agree on it).
     *
     * @param mtu the MTU in bytes, 68..65535
     * @return this builder
     */
    public Builder mtu(int mtu) {
      end.mtu(mtu);
      peer.mtu(mtu);
      return this;
    }

    /**
     * Configures the second end.
     *
     * @param peer called with the second end's builder
     * @return this builder
     */
    public Builder peer(Consumer<LinkEnd.Builder> peer) {
      Objects.requireNonNull(peer, "peer").accept(this.peer);
      return this;
    }

    /** {@return the pair; throws if a name is missing or both ends share a name and namespace} */
    public VethPair build() {
      return new VethPair(end.build(), peer.build());
    }
  }
}
