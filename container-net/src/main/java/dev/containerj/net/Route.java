package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import java.net.InetAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A route in a routing table: where to ({@link #destination()}, null for the default route), through
 * which gateway (null for an on-link route) and out of which interface. Immutable; build one with
 * {@link #builder()} or the shortcuts {@link #defaultVia} and {@link #onLink}, or read them from
 * {@link Rtnetlink#routes()}.
 *
 * <p>Rules the kernel applies: a gateway must be reachable through an on-link route of the output
 * interface (or the route must be marked {@link Builder#onLink(boolean) onlink}); a route without
 * a gateway needs a device and gets link scope.
 */
public final class Route {
  private final @Nullable IpPrefix destination;
  private final @Nullable InetAddress gateway;
  private final @Nullable String device;
  private final int interfaceIndex;
  private final int metric;
  private final int table;
  private final boolean onLink;
  private final boolean ipv4;
  private final int scope;
  private final int protocol;

  private Route(Builder b) {
    this.destination = b.destination;
    this.gateway = b.gateway;
    this.device = b.device;
    this.interfaceIndex = b.interfaceIndex;
    this.metric = b.metric;
    this.table = b.table;
    this.onLink = b.onLink;
    this.scope = b.scope;
    this.protocol = b.protocol;
    if (destination != null) {
      this.ipv4 = destination.isIpv4();
    } else if (gateway != null) {
      this.ipv4 = IpPrefix.bits(gateway) == 32;
    } else {
      this.ipv4 = b.ipv4;
    }
  }

  /**
   * {@return the default route through {@code gateway} (device chosen by the kernel from the
   * gateway's subnet)}
   *
   * @param gateway the next hop
   */
  public static Route defaultVia(InetAddress gateway) {
    return builder().gateway(gateway).build();
  }

  /**
   * {@return the default route through {@code gateway} ({@code "10.88.0.1"})}
   *
   * @param gateway the next hop, as a literal
   * @throws InvalidValueException when {@code gateway} is no IP literal
   */
  public static Route defaultVia(String gateway) {
    return defaultVia(IpPrefix.parseAddress(gateway));
  }

  /**
   * {@return a directly connected route: {@code destination} reachable on {@code device} without a
   * gateway}
   *
   * @param destination the network
   * @param device the interface name
   */
  public static Route onLink(IpPrefix destination, String device) {
    return builder().destination(destination).device(device).build();
  }

  /** {@return a new builder; a gateway or a device is required} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder with these settings} */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.destination = destination;
    b.gateway = gateway;
    b.device = device;
    b.interfaceIndex = interfaceIndex;
    b.metric = metric;
    b.table = table;
    b.onLink = onLink;
    b.ipv4 = ipv4;
    b.scope = scope;
    b.protocol = protocol;
    return b;
  }

  /** {@return the destination network, or null for the default route} */
  public @Nullable IpPrefix destination() {
    return destination;
  }

  /** {@return the next hop, or null for a directly connected route} */
  public @Nullable InetAddress gateway() {
    return gateway;
  }

  /**
   * {@return the output interface's name, or null (when built without one, or when read from the
   * kernel without a name)}
   */
  public @Nullable String device() {
    return device;
  }

  /** {@return the output interface's index, or 0} */
  public int interfaceIndex() {
    return interfaceIndex;
  }

  /** {@return the metric (RTA_PRIORITY), 0 by default} */
  public int metric() {
    return metric;
  }

  /** {@return the routing table, 254 (main) by default} */
  public int table() {
    return table;
  }

  /**
   * {@return true when the gateway is declared reachable on the device without a covering route
   * (RTNH_F_ONLINK)}
   */
  public boolean onLinkFlag() {
    return onLink;
  }

  /** {@return true for an IPv4 route} */
  public boolean isIpv4() {
    return ipv4;
  }

  /**
   * {@return the scope; -1 when built (the library picks link scope without a gateway, universe
   * with one)}
   */
  public int scope() {
    return scope;
  }

  /** {@return the protocol that installed it (2 kernel, 3 boot), -1 when built} */
  public int protocol() {
    return protocol;
  }

  /** {@return true for the default route (no destination or a /0 one)} */
  public boolean isDefault() {
    return destination == null || destination.prefixLength() == 0;
  }

  /** {@code "default via 10.0.0.1 dev eth0"}, {@code "10.0.0.0/24 dev eth0"}, as ip(8) prints. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(isDefault() ? "default" : String.valueOf(destination));
    if (gateway != null) {
      sb.append(" via ").append(IpPrefix.addressString(gateway));
    }
    if (device != null) {
      sb.append(" dev ").append(device);
    } else if (interfaceIndex != 0) {
      sb.append(" ifindex ").append(interfaceIndex);
    }
    if (metric != 0) {
      sb.append(" metric ").append(metric);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Route r && Objects.equals(destination, r.destination) && Objects.equals(gateway, r.gateway)
        && Objects.equals(device, r.device) && interfaceIndex == r.interfaceIndex && metric == r.metric
        && table == r.table && onLink == r.onLink && ipv4 == r.ipv4;
  }

  @Override
  public int hashCode() {
    return Objects.hash(destination, gateway, device, interfaceIndex, metric, table);
  }

  /** Builds a {@link Route}. */
  public static final class Builder {
    private @Nullable IpPrefix destination;
    private @Nullable InetAddress gateway;
    private @Nullable String device;
    private int interfaceIndex;
    private int metric;
    private int table = 254;
    private boolean onLink;
    private boolean ipv4 = true;
    private int scope = -1;
    private int protocol = -1;

    private Builder() {}

    /**
     * The destination; null (the default) means the default route. Host bits must be zero.
     *
     * @param destination the destination; null (the default) means the default route
     * @return this builder
     * @throws InvalidValueException when {@code destination} has host bits set
     */
    public Builder destination(@Nullable IpPrefix destination) {
      if (destination != null && !destination.equals(destination.network())) {
        throw new InvalidValueException("destination", destination + " (did you mean " + destination.network() + "?)",
            "must be a network address (host bits zero)");
      }
      this.destination = destination;
      return this;
    }

    /**
     * The destination as text ({@code "10.0.0.0/24"}).
     *
     * @param destination the destination as text ({@code "10.0.0.0/24"})
     * @return this builder
     * @throws InvalidValueException when {@code destination} is no prefix or has host bits set
     */
    public Builder destination(String destination) {
      return destination(IpPrefix.parse(destination));
    }

    /**
     * The next hop, or null for an on-link route.
     *
     * @param gateway the next hop, or null for an on-link route
     * @return this builder
     */
    public Builder gateway(@Nullable InetAddress gateway) {
      this.gateway = gateway;
      return this;
    }

    /**
     * The next hop as a literal.
     *
     * @param gateway the next hop as a literal
     * @return this builder
     * @throws InvalidValueException when {@code gateway} is no IP literal
     */
    public Builder gateway(String gateway) {
      return gateway(IpPrefix.parseAddress(gateway));
    }

    /**
     * The output interface by name.
     *
     * @param device the output interface by name
     * @return this builder
     * @throws InvalidValueException when {@code device} is no interface name (see {@link
     *     Link#checkName})
     */
    public Builder device(@Nullable String device) {
      this.device = device == null ? null : Link.checkName("device", device);
      return this;
    }

    /**
     * The output interface by index (0: none).
     *
     * @param interfaceIndex the output interface by index (0: none)
     * @return this builder
     * @throws InvalidValueException when {@code interfaceIndex} is negative
     */
    public Builder interfaceIndex(int interfaceIndex) {
      if (interfaceIndex < 0) {
        throw new InvalidValueException("interfaceIndex", Integer.toString(interfaceIndex), "must be >= 0");
      }
      this.interfaceIndex = interfaceIndex;
      return this;
    }

    /**
     * The metric (RTA_PRIORITY), >= 0; lower wins.
     *
     * @param metric the metric (RTA_PRIORITY), >= 0; lower wins
     * @return this builder
     * @throws InvalidValueException when {@code metric} is negative
     */
    public Builder metric(int metric) {
      if (metric < 0) {
        throw new InvalidValueException("metric", Integer.toString(metric), "must be >= 0");
      }
      this.metric = metric;
      return this;
    }

    /**
     * The table, 1..2^31-1 (254 is main).
     *
     * @param table the table, 1..2^31-1 (254 is main)
     * @return this builder
     * @throws InvalidValueException when {@code table} is not > 0
     */
    public Builder table(int table) {
      if (table <= 0) {
        throw new InvalidValueException("table", Integer.toString(table), "must be > 0");
      }
      this.table = table;
      return this;
    }

    /**
     * Declares the gateway reachable on the device even without a covering route (ip's {@code
     * onlink}).
     *
     * @param onLink true for {@code RTNH_F_ONLINK}
     * @return this builder
     */
    public Builder onLink(boolean onLink) {
      this.onLink = onLink;
      return this;
    }

    /**
     * For a default route without a gateway: IPv4 (true, the default) or IPv6.
     *
     * @param ipv4 for a default route without a gateway: IPv4 (true, the default) or IPv6
     * @return this builder
     */
    public Builder ipv4(boolean ipv4) {
      this.ipv4 = ipv4;
      return this;
    }

    Builder scope(int scope) {
      this.scope = scope;
      return this;
    }

    Builder protocol(int protocol) {
      this.protocol = protocol;
      return this;
    }

    /**
     * {@return the route; a gateway of the other family than the destination is rejected}
     *
     * @throws InvalidValueException when the gateway is of another family than the destination, or
     *     there is neither a gateway nor a device
     */
    public Route build() {
      if (destination != null && gateway != null && destination.isIpv4() != (IpPrefix.bits(gateway) == 32)) {
        throw new InvalidValueException("gateway", IpPrefix.addressString(gateway),
            "must be of the same family as destination " + destination);
      }
      if (gateway == null && device == null && interfaceIndex == 0) {
        throw new InvalidValueException("gateway", "none", "or a device must be given for a route to " + destination);
      }
      return new Route(this);
    }

    /** For routes read from the kernel, which may have neither (blackhole, unreachable). */
    Route buildUnchecked() {
      return new Route(this);
    }
  }
}
