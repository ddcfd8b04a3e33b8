package dev.containerj.net;

import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlRequest;
import java.io.IOException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A Linux bridge (a software switch) described in one statement: name, namespace, MTU, MAC,
 * addresses (a gateway address makes the host reachable from the attached namespaces) and state.
 * Immutable; {@link #createIn} makes it real. Attach ports with {@link Rtnetlink#setMaster} or
 * {@link LinkEnd.Builder#master}.
 *
 * <pre>{@code
 * try (LinkHandle br = Bridge.builder().name("cjbr0").address("10.89.0.1/24").up().build().createIn(rtnl)) { ... }
 * }</pre>
 */
public final class Bridge {
  private final LinkEnd spec;

  private Bridge(LinkEnd spec) {
    this.spec = spec;
  }

  /** {@return a new builder; the name is required} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the bridge's settings} */
  public LinkEnd spec() {
    return spec;
  }

  /** {@return the bridge's name} */
  public String name() {
    return spec.name();
  }

  /**
   * Creates and configures the bridge; on failure it is deleted again. Close the handle to delete
   * it.
   *
   * @param rtnl the client of the namespace to create it in (unless {@link Builder#namespace} names
   *     another)
   * @return ownership of the bridge; close it to delete it
   * @throws IOException when the kernel refuses a request ({@link NetlinkException} with its errno)
   */
  public LinkHandle createIn(Rtnetlink rtnl) throws IOException {
    NlRequest req = NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, "bridge " + spec.name())
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0);
    VethPair.linkAttrs(req, spec);
    int info = req.nestStart(Nl.IFLA_LINKINFO);
    req.attrString(Nl.IFLA_INFO_KIND, "bridge");
    req.nestEnd(info);
    rtnl.socket().execute(req);
    Rtnetlink client = VethPair.clientFor(rtnl, spec.namespace());
    LinkHandle handle = new LinkHandle(client, spec.name(), spec.namespace());
    try {
      spec.configure(client);
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

  @Override
  public String toString() {
    return "bridge " + spec.name();
  }

  /** Builds a {@link Bridge}. */
  public static final class Builder {
    private final LinkEnd.Builder spec = new LinkEnd.Builder("bridge name");

    private Builder() {}

    /**
     * The bridge's name, at most 15 bytes.
     *
     * @param name the bridge's name, at most 15 bytes
     * @return this builder
     */
    public Builder name(String name) {
      spec.name(name);
      return this;
    }

    /**
     * Creates the bridge in {@code namespace} instead of the client's own.
     *
     * @param namespace the namespace, or null for the client's
     * @return this builder
     */
    public Builder namespace(@Nullable NetworkNamespace namespace) {
      spec.namespace(namespace);
      return this;
    }

    /**
     * The MTU, 68..65535.
     *
     * @param mtu the MTU, 68..65535
     * @return this builder
     */
    public Builder mtu(int mtu) {
      spec.mtu(mtu);
      return this;
    }

    /**
     * The hardware address ({@code "02:00:00:00:00:01"}).
     *
     * @param mac the hardware address ({@code "02:00:00:00:00:01"})
     * @return this builder
     */
    public Builder mac(String mac) {
      spec.mac(mac);
      return this;
    }

    /**
     * Adds an address ({@code "10.88.0.1/16"}), typically the gateway of the attached namespaces.
     *
     * @param address an address with its prefix length
     * @return this builder
     */
    public Builder address(String address) {
      spec.address(address);
      return this;
    }

    /**
     * Brings the bridge up after configuring it.
     *
     * @return this builder
     */
    public Builder up() {
      spec.up();
      return this;
    }

    /**
     * Any other setting of the underlying {@link LinkEnd}.
     *
     * @param more any other setting of the underlying {@link LinkEnd}
     * @return this builder
     */
    public Builder configure(Consumer<LinkEnd.Builder> more) {
      more.accept(spec);
      return this;
    }

    /** {@return the bridge description; throws if the name is missing} */
    public Bridge build() {
      return new Bridge(spec.build());
    }
  }
}
