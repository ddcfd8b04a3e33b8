package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
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

  /** {@return the interface's name} */
  public String name() {
    return name;
  }

  /** {@return the namespace to create the interface in, or null for the creating client's own} */
  public @Nullable NetworkNamespace namespace() {
    return namespace;
  }

  /** {@return the hardware address to set, or null for a random one} */
  public @Nullable String mac() {
    return mac;
  }

  /** {@return the MTU, or 0 for the kernel's default} */
  public int mtu() {
    return mtu;
  }

  /** {@return the bridge to attach to (in the same namespace), or null} */
  public @Nullable String master() {
    return master;
  }

  /** {@return the addresses to add, in order} */
  public List<IpPrefix> addresses() {
    return addresses;
  }

  /** {@return the routes to add after the interface is up} */
  public List<Route> routes() {
    return routes;
  }

  /** {@return true when the interface is brought up} */
  public boolean up() {
    return up;
  }

  /**
   * {@return whether the interface accepts IPv6 router advertisements ({@code accept_ra} 1 or 0),
   * or null to leave the kernel's default}
   */
  public @Nullable Boolean ipv6AcceptRa() {
    return ipv6AcceptRa;
  }

  /** {@return a builder with these settings} */
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

    /**
     * The interface name, at most 15 bytes.
     *
     * @param name the interface name, at most 15 bytes
     * @return this builder
     * @throws InvalidValueException when {@code name} is no interface name (see {@link
     *     Link#checkName})
     */
    public Builder name(String name) {
      this.name = Link.checkName(field, name);
      return this;
    }

    /**
     * Creates the interface directly in {@code namespace} (which must stay open during creation).
     *
     * @param namespace the namespace, or null for the client's
     * @return this builder
     */
    public Builder namespace(@Nullable NetworkNamespace namespace) {
      this.namespace = namespace;
      return this;
    }

    /**
     * The hardware address ({@code "02:00:00:00:00:01"}).
     *
     * @param mac the hardware address ({@code "02:00:00:00:00:01"})
     * @return this builder
     */
    public Builder mac(String mac) {
      Link.parseMac(mac);
      this.mac = mac;
      return this;
    }

    /**
     * The MTU, 68..65535.
     *
     * @param mtu the MTU, 68..65535
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
     * Attaches the interface to this bridge (which must live in the interface's namespace).
     *
     * @param bridge the bridge's name
     * @return this builder
     * @throws InvalidValueException when {@code bridge} is no interface name (see {@link
     *     Link#checkName})
     */
    public Builder master(String bridge) {
      this.master = Link.checkName("master", bridge);
      return this;
    }

    /**
     * Adds an address, as {@code "10.0.0.2/24"}.
     *
     * @param address an address with its prefix length
     * @return this builder
     * @throws InvalidValueException when {@code address} is no prefix
     */
    public Builder address(String address) {
      return address(IpPrefix.parse(address));
    }

    /**
     * Adds an address.
     *
     * @param address an address with its prefix length
     * @return this builder
     */
    public Builder address(IpPrefix address) {
      addresses.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /**
     * Adds a route out of this interface (its device defaults to this interface).
     *
     * @param route the route
     * @return this builder
     */
    public Builder route(Route route) {
      routes.add(Objects.requireNonNull(route, "route"));
      return this;
    }

    /**
     * Adds the default route through {@code gateway} out of this interface.
     *
     * @param gateway the next hop, as {@code "10.0.0.1"}
     * @return this builder
     */
    public Builder defaultRoute(String gateway) {
      return route(Route.defaultVia(gateway));
    }

    /**
     * Brings the interface up after configuring it.
     *
     * @return this builder
     */
    public Builder up() {
      return up(true);
    }

    /**
     * Whether to bring the interface up after configuring it.
     *
     * @param up whether to bring the interface up after configuring it
     * @return this builder
     */
    public Builder up(boolean up) {
      this.up = up;
      return this;
    }

    /**
     * Whether the interface accepts IPv6 router advertisements (sysctl {@code accept_ra}, set before
     * the interface is up); by default the kernel's default is left alone. Without IPv6 on the host
     * the setting is moot and skipped.
     *
     * @param accept whether the interface accepts IPv6 router advertisements (sysctl {@code
     *     accept_ra}, set before the interface is up); by default the kernel's default is left
     *     alone
     * @return this builder
     */
    public Builder ipv6AcceptRa(boolean accept) {
      this.ipv6AcceptRa = accept;
      return this;
    }

    /** {@return the settings; throws if the name is missing} */
    public LinkEnd build() {
      return new LinkEnd(this);
    }
  }
}
