package dev.containerj.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one interface is set up after creation: its name and namespace, MAC, MTU, bridge, addresses,
 * routes and state. Immutable; used by {@link VethPair} (one per end) and {@link Bridge}.
 * The steps run in the order the kernel needs: attach to the bridge, set IPv6's accept_ra, add the
 * addresses, bring it up (IPv4 connected routes only exist on an up link), then add the routes.
 */
public final class LinkEnd {
  private final String name;
  private final @Nullable NetworkNamespace namespace;
  private final @Nullable String mac;
  private final int mtu;
  private final @Nullable String master;
  private final List<IpPrefix> addresses;
  private final List<Route> routes;
  private final boolean up;
  private final @Nullable Boolean ipv6AcceptRa;
  private final String field;

  private LinkEnd(Builder b) {
    this.field = b.field;
    this.name = Link.checkName(b.field, Objects.requireNonNull(b.name, b.field + " must be set"));
    this.namespace = b.namespace;
    this.mac = b.mac;
    this.mtu = b.mtu;
    this.master = b.master;
    this.addresses = List.copyOf(b.addresses);
    this.routes = List.copyOf(b.routes);
    this.up = b.up;
    this.ipv6AcceptRa = b.ipv6AcceptRa;
  }

  /** The interface's name. */
  public String name() {
    return name;
  }

  /** The namespace to create the interface in, or null for the creating client's own. */
  public @Nullable NetworkNamespace namespace() {
    return namespace;
  }

  /** The hardware address to set, or null for a random one. */
  public @Nullable String mac() {
    return mac;
  }

  /** The MTU, or 0 for the kernel's default. */
  public int mtu() {
    return mtu;
  }

  /** The bridge to attach to (in the same namespace), or null. */
  public @Nullable String master() {
    return master;
  }

  /** The addresses to add, in order. */
  public List<IpPrefix> addresses() {
    return addresses;
  }

  /** The routes to add after the interface is up. */
  public List<Route> routes() {
    return routes;
  }

  /** True when the interface is brought up. */
  public boolean up() {
    return up;
  }

  /**
   * Whether the interface accepts IPv6 router advertisements ({@code accept_ra} 1 or 0), or null to
   * leave the kernel's default.
   */
  public @Nullable Boolean ipv6AcceptRa() {
    return ipv6AcceptRa;
  }

  /** A builder with these settings. */
  public Builder toBuilder() {
    Builder b = new Builder(field);
    b.name = name;
    b.namespace = namespace;
    b.mac = mac;
    b.mtu = mtu;
    b.master = master;
    b.addresses.addAll(addresses);
    b.routes.addAll(routes);
    b.up = up;
    b.ipv6AcceptRa = ipv6AcceptRa;
    return b;
  }

  /** Applies master, addresses, up and routes through {@code rtnl} (the client of the end's namespace). */
  void configure(Rtnetlink rtnl) throws java.io.IOException {
    if (master != null) {
      rtnl.setMaster(name, master);
    }
    if (ipv6AcceptRa != null) {
      rtnl.setIpv6AcceptRa(name, ipv6AcceptRa ? 1 : 0); // before it is up: no advertisement gets in first
    }
    if (!addresses.isEmpty()) {
      int index = rtnl.requireLink(name).index();
      for (IpPrefix a : addresses) {
        rtnl.addAddress(index, name, a);
      }
    }
    if (up) {
      rtnl.setUp(name, true);
    }
    for (Route r : routes) {
      rtnl.addRoute(r.device() == null && r.interfaceIndex() == 0 ? r.toBuilder().device(name).build() : r);
    }
  }

  /** Builds a {@link LinkEnd}. */
  public static final class Builder {
    private final String field;
    private @Nullable String name;
    private @Nullable NetworkNamespace namespace;
    private @Nullable String mac;
    private int mtu;
    private @Nullable String master;
    private final List<IpPrefix> addresses = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private boolean up;
    private @Nullable Boolean ipv6AcceptRa;

    Builder(String field) {
      this.field = field;
    }

    /** The interface name, at most 15 bytes. */
    public Builder name(String name) {
      this.name = Link.checkName(field, name);
      return this;
    }

    /** Creates the interface directly in {@code namespace} (which must stay open during creation). */
    public Builder namespace(@Nullable NetworkNamespace namespace) {
      this.namespace = namespace;
      return this;
    }

    /** The hardware address ({@code "02:00:00:00:00:01"}). */
    public Builder mac(String mac) {
      Link.parseMac(mac);
      this.mac = mac;
      return this;
    }

    /** The MTU, 68..65535. */
    public Builder mtu(int mtu) {
      if (mtu < 68 || mtu > 65535) {
        throw new IllegalArgumentException("mtu must be 68..65535: " + mtu);
      }
      this.mtu = mtu;
      return this;
    }

    /** Attaches the interface to this bridge (which must live in the interface's namespace). */
    public Builder master(String bridge) {
      this.master = Link.checkName("master", bridge);
      return this;
    }

    /** Adds an address, as {@code "10.0.0.2/24"}. */
    public Builder address(String address) {
      return address(IpPrefix.parse(address));
    }

    /** Adds an address. */
    public Builder address(IpPrefix address) {
      addresses.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /** Adds a route out of this interface (its device defaults to this interface). */
    public Builder route(Route route) {
      routes.add(Objects.requireNonNull(route, "route"));
      return this;
    }

    /** Adds the default route through {@code gateway} out of this interface. */
    public Builder defaultRoute(String gateway) {
      return route(Route.defaultVia(gateway));
    }

    /** Brings the interface up after configuring it. */
    public Builder up() {
      return up(true);
    }

    /** Whether to bring the interface up after configuring it. */
    public Builder up(boolean up) {
      this.up = up;
      return this;
    }

    /**
     * Whether the interface accepts IPv6 router advertisements (sysctl {@code accept_ra}, set before
     * the interface is up); by default the kernel's default is left alone. Without IPv6 on the host
     * the setting is moot and skipped.
     */
    public Builder ipv6AcceptRa(boolean accept) {
      this.ipv6AcceptRa = accept;
      return this;
    }

    /** The settings; throws if the name is missing. */
    public LinkEnd build() {
      return new LinkEnd(this);
    }
  }
}
