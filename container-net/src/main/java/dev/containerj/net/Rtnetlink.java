package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import dev.containerj.net.internal.Nl;
import dev.containerj.net.internal.NlAttrs;
import dev.containerj.net.internal.NlMessage;
import dev.containerj.net.internal.NlRequest;
import dev.containerj.net.internal.NetlinkSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A route-netlink client: links, addresses and routes of one network namespace, spoken to the kernel
 * directly over an AF_NETLINK socket (rtnetlink(7)); no {@code ip} command is run.
 *
 * <p>The namespace is fixed when the client is opened: {@link #open()} binds to the calling thread's
 * namespace (normally the JVM's), {@link NetworkNamespace#rtnetlink()} to another one. After that the
 * client may be used from any thread; requests are serialized. A refused request throws
 * {@link NetlinkException} with the kernel's errno and explanation ({@code "RTM_NEWLINK veth cj0a:
 * EEXIST (File exists)"}). Changing links needs CAP_NET_ADMIN over the namespace.
 *
 * <p>A {@code Rtnetlink} owns a socket and must be closed. Closing it does not undo anything it did:
 * links and addresses belong to the kernel until deleted (or until their namespace disappears).
 */
public final class Rtnetlink implements AutoCloseable {
  private final NetlinkSocket socket;
  /** The namespace this client was opened in by {@link NetworkNamespace#rtnetlink()}; null: the opener's. */
  private volatile @Nullable NetworkNamespace namespace;

  private Rtnetlink(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** Records that this client was opened inside {@code ns} (its sysctls are written there). */
  Rtnetlink openedIn(NetworkNamespace ns) {
    this.namespace = ns;
    return this;
  }

  /**
   * Opens a client for the calling thread's network namespace.
   *
   * @return the client; it owns a socket and must be closed
   * @throws IOException when the netlink socket cannot be opened or bound
   */
  public static Rtnetlink open() throws IOException {
    return new Rtnetlink(NetlinkSocket.open());
  }

  /** The socket underneath, for the library's own helpers and tests. */
  NetlinkSocket socket() {
    return socket;
  }

  /**
   * Sets {@code net.ipv6.conf.IFNAME.accept_ra} in this client's namespace. Netlink cannot: the
   * kernel reports IFLA_INET6_CONF but takes no change of it (ip-link(8) has no such option either),
   * so the proc file is written, from the namespace's own thread when the client belongs to another
   * namespace ({@code /proc/sys/net} shows the writing thread's namespace). Without IPv6 (the file is
   * absent) there is nothing to accept and nothing to do.
   */
  void setIpv6AcceptRa(String ifname, int value) throws IOException {
    NetworkNamespace ns = namespace;
    if (ns == null) {
      Ipv6Conf.write(ifname, "accept_ra", value);
    } else {
      ns.run(() -> Ipv6Conf.write(ifname, "accept_ra", value));
    }
  }

  // ---------------------------------------------------------------- links

  /**
   * {@return every link of the namespace (a multi-part RTM_GETLINK dump)}
   *
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   */
  public List<Link> links() throws IOException {
    NlRequest req = NlRequest.of(Nl.RTM_GETLINK, Nl.NLM_F_DUMP, "all links").ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0);
    List<Link> out = new ArrayList<>();
    for (NlMessage m : socket.execute(req)) {
      if (m.type() == Nl.RTM_NEWLINK) {
        out.add(parseLink(m));
      }
    }
    return out;
  }

  /**
   * {@return the link named {@code name}, or empty}
   *
   * @param name the interface name
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   * @throws InvalidValueException when {@code name} is no interface name (see {@link
   *     Link#checkName})
   */
  public Optional<Link> link(String name) throws IOException {
    return getLink(getLinkRequest(name));
  }

  /** The RTM_GETLINK of the link named {@code name} (answered by one RTM_NEWLINK, or ENODEV). */
  static NlRequest getLinkRequest(String name) {
    Link.checkName("link name", name);
    return NlRequest.of(Nl.RTM_GETLINK, Nl.NLM_F_ACK, name).ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0).attrString(Nl.IFLA_IFNAME, name);
  }

  /**
   * {@return the link with interface index {@code index}, or empty}
   *
   * @param index the interface index
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   * @throws InvalidValueException when {@code index} is not > 0
   */
  public Optional<Link> link(int index) throws IOException {
    if (index <= 0) {
      throw new InvalidValueException("index", Integer.toString(index), "must be > 0");
    }
    NlRequest req = NlRequest.of(Nl.RTM_GETLINK, Nl.NLM_F_ACK, "index " + index).ifinfomsg(Nl.AF_UNSPEC, index, 0, 0);
    return getLink(req);
  }

  /**
   * {@return the link named {@code name}; throws {@code "RTM_GETLINK eth9: ENODEV (No such
   * device)"} if missing}
   *
   * @param name the interface name
   * @throws IOException a {@link NetlinkException} with ENODEV when there is no such link, or as
   *     any other request
   * @throws InvalidValueException when {@code name} is no interface name (see {@link
   *     Link#checkName})
   */
  public Link requireLink(String name) throws IOException {
    NlRequest req = getLinkRequest(name);
    for (NlMessage m : socket.execute(req)) {
      if (m.type() == Nl.RTM_NEWLINK) {
        return parseLink(m);
      }
    }
    throw NetlinkSocket.error(req, 19, null);
  }

  private Optional<Link> getLink(NlRequest req) throws IOException {
    try {
      for (NlMessage m : socket.execute(req)) {
        if (m.type() == Nl.RTM_NEWLINK) {
          return Optional.of(parseLink(m));
        }
      }
      return Optional.empty();
    } catch (NetlinkException e) {
      if (e.errno() == 19 /* ENODEV */) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Creates a veth pair {@code name} / {@code peerName} in this namespace, both down. See {@link
   * VethPair} for more.
   *
   * @param name the first end's name, at most 15 bytes
   * @param peerName the second end's name, at most 15 bytes
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (EEXIST: a name is taken)
   */
  public void createVeth(String name, String peerName) throws IOException {
    VethPair.builder().name(name).peer(p -> p.name(peerName)).build().createIn(this);
  }

  /**
   * Creates a bridge {@code name}, down. See {@link Bridge} for more.
   *
   * @param name the bridge's name, at most 15 bytes
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (EEXIST: the name is taken)
   */
  public void createBridge(String name) throws IOException {
    Bridge.builder().name(name).build().createIn(this);
  }

  /**
   * Deletes a link; deleting one end of a veth deletes both.
   *
   * @param name the interface name
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (ENODEV: no such link)
   * @throws InvalidValueException when {@code name} is no interface name (see {@link
   *     Link#checkName})
   */
  public void deleteLink(String name) throws IOException {
    Link.checkName("link name", name);
    socket.execute(NlRequest.of(Nl.RTM_DELLINK, Nl.NLM_F_ACK, name)
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0).attrString(Nl.IFLA_IFNAME, name));
  }

  /**
   * Sets the administrative state (IFF_UP).
   *
   * @param name the interface name
   * @param up true to bring it up, false to take it down
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   * @throws InvalidValueException when {@code name} is no interface name (see {@link
   *     Link#checkName})
   */
  public void setUp(String name, boolean up) throws IOException {
    socket.execute(setUpRequest(name, up));
  }

  /** The RTM_NEWLINK that sets IFF_UP of the link named {@code name} (or clears it). */
  static NlRequest setUpRequest(String name, boolean up) {
    Link.checkName("link name", name);
    return NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, name + (up ? " up" : " down"))
        .ifinfomsg(Nl.AF_UNSPEC, 0, up ? Nl.IFF_UP : 0, Nl.IFF_UP).attrString(Nl.IFLA_IFNAME, name);
  }

  /**
   * Renames a link; the kernel refuses while it is up (EBUSY).
   *
   * @param name the current name
   * @param newName the new name, at most 15 bytes
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   * @throws InvalidValueException when {@code name} or {@code newName} is no interface name (see
   *     {@link Link#checkName})
   */
  public void rename(String name, String newName) throws IOException {
    Link.checkName("link name", name);
    Link.checkName("new link name", newName);
    int index = requireLink(name).index();
    socket.execute(NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, name + " -> " + newName)
        .ifinfomsg(Nl.AF_UNSPEC, index, 0, 0).attrString(Nl.IFLA_IFNAME, newName));
  }

  /**
   * Sets the MTU; the kernel checks it against the device's limits (veth: 68..65535).
   *
   * @param name the interface name
   * @param mtu the MTU in bytes
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (EINVAL: outside the device's range)
   * @throws InvalidValueException when {@code name} is no interface name or {@code mtu} is outside
   *     68..65535
   */
  public void setMtu(String name, int mtu) throws IOException {
    Link.checkName("link name", name);
    if (mtu < 68 || mtu > 65535) {
      throw new InvalidValueException("mtu", Integer.toString(mtu), "must be 68..65535");
    }
    socket.execute(NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, name + " mtu " + mtu)
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0).attrString(Nl.IFLA_IFNAME, name).attrU32(Nl.IFLA_MTU, mtu));
  }

  /**
   * Sets the hardware address ({@code "02:00:00:00:00:01"}).
   *
   * @param name the interface name
   * @param mac six hex bytes separated by colons
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   * @throws InvalidValueException when {@code name} is no interface name (see {@link
   *     Link#checkName})
   */
  public void setMac(String name, String mac) throws IOException {
    Link.checkName("link name", name);
    byte[] raw = Link.parseMac(mac);
    socket.execute(NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, name + " address " + mac)
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0).attrString(Nl.IFLA_IFNAME, name).attr(Nl.IFLA_ADDRESS, raw));
  }

  /**
   * Attaches a link to bridge {@code bridge}, or detaches it when {@code bridge} is null.
   *
   * @param name the interface name
   * @param bridge the bridge's name, or null to detach
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   * @throws InvalidValueException when {@code name} is no interface name (see {@link
   *     Link#checkName})
   */
  public void setMaster(String name, @Nullable String bridge) throws IOException {
    Link.checkName("link name", name);
    int master = bridge == null ? 0 : requireLink(bridge).index();
    socket.execute(NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, name + (bridge == null ? " nomaster" : " master " + bridge))
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0).attrString(Nl.IFLA_IFNAME, name).attrU32(Nl.IFLA_MASTER, master));
  }

  /**
   * Moves a link into {@code namespace}. It disappears from this one; addresses on it are dropped and
   * it arrives down. The namespace object must stay open for the call only.
   *
   * @param name the interface name
   * @param namespace the target namespace
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   * @throws InvalidValueException when {@code name} is no interface name (see {@link
   *     Link#checkName})
   */
  public void moveTo(String name, NetworkNamespace namespace) throws IOException {
    Link.checkName("link name", name);
    socket.execute(NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, name + " netns " + namespace)
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0).attrString(Nl.IFLA_IFNAME, name).attrU32(Nl.IFLA_NET_NS_FD, namespace.fd()));
  }

  /**
   * Moves a link into the network namespace of process {@code pid}.
   *
   * @param name the interface name
   * @param pid a process of the target namespace
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (ESRCH: no such process)
   * @throws InvalidValueException when {@code name} is no interface name or {@code pid} is not > 0
   */
  public void moveTo(String name, long pid) throws IOException {
    Link.checkName("link name", name);
    if (pid <= 0) {
      throw new InvalidValueException("pid", Long.toString(pid), "must be > 0");
    }
    socket.execute(NlRequest.of(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, name + " netns pid " + pid)
        .ifinfomsg(Nl.AF_UNSPEC, 0, 0, 0).attrString(Nl.IFLA_IFNAME, name).attrU32(Nl.IFLA_NET_NS_PID, (int) pid));
  }

  static Link parseLink(NlMessage m) {
    ByteBuffer p = m.payload();
    int index = p.getInt(4);
    int flags = p.getInt(8);
    p.position(Nl.IFINFOMSG_LEN);
    NlAttrs a = NlAttrs.parse(p);
    String name = Objects.requireNonNullElse(a.string(Nl.IFLA_IFNAME), "");
    String kind = null;
    NlAttrs.Attr info = a.get(Nl.IFLA_LINKINFO);
    if (info != null) {
      kind = info.nested().string(Nl.IFLA_INFO_KIND);
    }
    byte[] mac = a.bytes(Nl.IFLA_ADDRESS);
    return new Link(index, name, kind, a.u32(Nl.IFLA_MTU, 0), mac == null ? null : Link.formatMac(mac), flags,
        a.u32(Nl.IFLA_MASTER, 0), a.u32(Nl.IFLA_LINK, 0));
  }

  // ---------------------------------------------------------------- addresses

  /**
   * Adds an address to a link. IPv6 addresses are added with IFA_F_NODAD (usable at once, no duplicate
   * address detection): the library's callers assign addresses from their own IPAM.
   *
   * @param link the interface name
   * @param address the address and its prefix length, as {@code 10.88.0.2/16}
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (EEXIST: already there)
   */
  public void addAddress(String link, IpPrefix address) throws IOException {
    addAddress(requireLink(link).index(), link, address);
  }

  void addAddress(int index, String linkName, IpPrefix address) throws IOException {
    socket.execute(addAddressRequest(index, linkName, address));
  }

  /** The RTM_NEWADDR that adds {@code address} to the link with interface index {@code index}. */
  static NlRequest addAddressRequest(int index, String linkName, IpPrefix address) {
    int family = address.isIpv4() ? Nl.AF_INET : Nl.AF_INET6;
    byte[] raw = address.address().getAddress();
    return NlRequest.of(Nl.RTM_NEWADDR, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, address + " dev " + linkName)
        .ifaddrmsg(family, address.prefixLength(), address.isIpv4() ? 0 : Nl.IFA_F_NODAD, 0, index)
        .attr(Nl.IFA_LOCAL, raw).attr(Nl.IFA_ADDRESS, raw);
  }

  /**
   * Removes an address from a link.
   *
   * @param link the interface name
   * @param address the address and its prefix length
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (EADDRNOTAVAIL: not there)
   */
  public void deleteAddress(String link, IpPrefix address) throws IOException {
    int index = requireLink(link).index();
    int family = address.isIpv4() ? Nl.AF_INET : Nl.AF_INET6;
    byte[] raw = address.address().getAddress();
    socket.execute(NlRequest.of(Nl.RTM_DELADDR, Nl.NLM_F_ACK, address + " dev " + link)
        .ifaddrmsg(family, address.prefixLength(), 0, 0, index).attr(Nl.IFA_LOCAL, raw).attr(Nl.IFA_ADDRESS, raw));
  }

  /**
   * {@return every address of every link, IPv4 and IPv6}
   *
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   */
  public List<LinkAddress> addresses() throws IOException {
    NlRequest req = NlRequest.of(Nl.RTM_GETADDR, Nl.NLM_F_DUMP, "all addresses").ifaddrmsg(Nl.AF_UNSPEC, 0, 0, 0, 0);
    List<LinkAddress> out = new ArrayList<>();
    for (NlMessage m : socket.execute(req)) {
      if (m.type() == Nl.RTM_NEWADDR) {
        out.add(parseAddress(m));
      }
    }
    return out;
  }

  /**
   * {@return the addresses of one link}
   *
   * @param link the interface name
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   */
  public List<LinkAddress> addresses(String link) throws IOException {
    int index = requireLink(link).index();
    List<LinkAddress> out = new ArrayList<>();
    for (LinkAddress a : addresses()) {
      if (a.interfaceIndex() == index) {
        out.add(a);
      }
    }
    return out;
  }

  static LinkAddress parseAddress(NlMessage m) {
    ByteBuffer p = m.payload();
    int prefixLength = p.get(1) & 0xff;
    int flags = p.get(2) & 0xff;
    int scope = p.get(3) & 0xff;
    int index = p.getInt(4);
    p.position(Nl.IFADDRMSG_LEN);
    NlAttrs a = NlAttrs.parse(p);
    byte[] raw = a.bytes(Nl.IFA_LOCAL);
    if (raw == null) {
      raw = a.bytes(Nl.IFA_ADDRESS);
    }
    flags = a.u32(Nl.IFA_FLAGS, flags);
    String label = Objects.requireNonNullElse(a.string(Nl.IFA_LABEL), "");
    return new LinkAddress(index, IpPrefix.of(toAddress(Objects.requireNonNull(raw, "IFA_ADDRESS")), prefixLength),
        scope, flags, label);
  }

  private static InetAddress toAddress(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address length " + raw.length, e);
    }
  }

  // ---------------------------------------------------------------- routes

  /**
   * Adds a route; fails with EEXIST if an equal one exists.
   *
   * @param route the route; its device is named
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   */
  public void addRoute(Route route) throws IOException {
    socket.execute(routeRequest(Nl.RTM_NEWROUTE, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, route));
  }

  /**
   * Deletes a route (matched on destination, gateway, device, metric and table).
   *
   * @param route the route to match
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails (ESRCH: no such route)
   */
  public void deleteRoute(Route route) throws IOException {
    socket.execute(routeRequest(Nl.RTM_DELROUTE, Nl.NLM_F_ACK, route));
  }

  /** The request for {@code route}; looks its device up only when the route names no interface index. */
  NlRequest routeRequest(int type, int flags, Route route) throws IOException {
    int index = route.interfaceIndex();
    if (index == 0 && route.device() != null) {
      index = requireLink(route.device()).index();
    }
    boolean v4 = route.isIpv4();
    IpPrefix dst = route.destination();
    int table = route.table();
    boolean add = type == Nl.RTM_NEWROUTE;
    int scope = add ? (route.gateway() == null ? Nl.RT_SCOPE_LINK : Nl.RT_SCOPE_UNIVERSE) : 255 /* RT_SCOPE_NOWHERE */;
    NlRequest req = NlRequest.of(type, flags, route.toString())
        .rtmsg(v4 ? Nl.AF_INET : Nl.AF_INET6, dst == null ? 0 : dst.prefixLength(), table < 256 ? table : 252,
            add ? Nl.RTPROT_BOOT : 0, scope, add ? Nl.RTN_UNICAST : 0, route.onLinkFlag() ? Nl.RTNH_F_ONLINK : 0);
    if (table >= 256) {
      req.attrU32(Nl.RTA_TABLE, table);
    }
    if (dst != null) {
      req.attr(Nl.RTA_DST, dst.address().getAddress());
    }
    if (route.gateway() != null) {
      req.attr(Nl.RTA_GATEWAY, route.gateway().getAddress());
    }
    if (index != 0) {
      req.attrU32(Nl.RTA_OIF, index);
    }
    if (route.metric() != 0) {
      req.attrU32(Nl.RTA_PRIORITY, route.metric());
    }
    return req;
  }

  /**
   * {@return the routes of the main table, IPv4 and IPv6, with device names filled in}
   *
   * @throws IOException when the kernel refuses the request ({@link NetlinkException} with its
   *     errno) or the socket fails
   */
  public List<Route> routes() throws IOException {
    Map<Integer, String> names = new HashMap<>();
    for (Link l : links()) {
      names.put(l.index(), l.name());
    }
    NlRequest req = NlRequest.of(Nl.RTM_GETROUTE, Nl.NLM_F_DUMP, "all routes").rtmsg(Nl.AF_UNSPEC, 0, 0, 0, 0, 0, 0);
    List<Route> out = new ArrayList<>();
    for (NlMessage m : socket.execute(req)) {
      if (m.type() != Nl.RTM_NEWROUTE) {
        continue;
      }
      Route r = parseRoute(m, names);
      if (r != null && r.table() == Nl.RT_TABLE_MAIN) {
        out.add(r);
      }
    }
    return out;
  }

  static @Nullable Route parseRoute(NlMessage m, Map<Integer, String> names) {
    ByteBuffer p = m.payload();
    int family = p.get(0) & 0xff;
    int dstLen = p.get(1) & 0xff;
    int table = p.get(4) & 0xff;
    int protocol = p.get(5) & 0xff;
    int scope = p.get(6) & 0xff;
    int rtFlags = p.getInt(8);
    if (family != Nl.AF_INET && family != Nl.AF_INET6) {
      return null;
    }
    p.position(Nl.RTMSG_LEN);
    NlAttrs a = NlAttrs.parse(p);
    table = a.u32(Nl.RTA_TABLE, table);
    Route.Builder b = Route.builder().ipv4(family == Nl.AF_INET);
    byte[] dst = a.bytes(Nl.RTA_DST);
    if (dst != null) {
      b.destination(IpPrefix.of(toAddress(dst), dstLen));
    } else if (dstLen != 0) {
      return null;
    }
    byte[] gw = a.bytes(Nl.RTA_GATEWAY);
    if (gw != null) {
      b.gateway(toAddress(gw));
    }
    int oif = a.u32(Nl.RTA_OIF, 0);
    b.interfaceIndex(oif);
    String name = names.get(oif);
    if (name != null) {
      b.device(name);
    }
    b.metric(a.u32(Nl.RTA_PRIORITY, 0)).table(table).onLink((rtFlags & Nl.RTNH_F_ONLINK) != 0)
        .scope(scope).protocol(protocol);
    return b.buildUnchecked();
  }

  /** Closes the socket; idempotent. */
  @Override
  public void close() {
    socket.close();
  }
}
