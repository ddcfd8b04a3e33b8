/**
 * Container networking without a daemon and without running {@code ip}, {@code brctl} or
 * {@code iptables}: the library speaks rtnetlink to the kernel itself.
 *
 * <h2>Pieces, each usable alone</h2>
 * <ul>
 *   <li>{@link dev.containerj.net.Rtnetlink}: links (list, get, create, delete, up/down, rename, MTU,
 *       MAC, bridge port, move to another namespace), addresses and routes of one network namespace.
 *       Kernel refusals become {@link dev.containerj.net.NetlinkException} with the errno and the
 *       kernel's extended-ack text.
 *   <li>{@link dev.containerj.net.NetworkNamespace}: persistent named namespaces compatible with
 *       {@code ip netns}, anonymous ones, existing ones by name, path or pid, and code run inside one
 *       on a dedicated thread.
 *   <li>{@link dev.containerj.net.VethPair} and {@link dev.containerj.net.Bridge}: fluent, immutable
 *       descriptions created in one statement; {@link dev.containerj.net.LinkHandle} owns the result.
 *   <li>{@link dev.containerj.net.BridgeNetwork} / {@link dev.containerj.net.BridgeAttachment}: the
 *       {@code bridge} network mode for a container's namespace (veth, lease, address, routes, undone
 *       on close).
 *   <li>{@link dev.containerj.net.Ipam}: host-local address leases in a directory, safe across JVMs.
 *   <li>{@link dev.containerj.net.PortProxy} and {@link dev.containerj.net.PortMapping}: published
 *       ports as a userspace TCP/UDP proxy (no firewall rules).
 *   <li>{@link dev.containerj.net.HostsFile} and {@link dev.containerj.net.ResolvConf}: the
 *       contents of a container's {@code /etc/hosts} and {@code /etc/resolv.conf}.
 * </ul>
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>Namespaces and threads.</b> setns(2)/unshare(2) of CLONE_NEWNET act on one thread. Each
 *       {@code NetworkNamespace} handle gets its own platform thread that enters the namespace once
 *       and never leaves it; it is never a pool thread and ends with the handle. A namespace
 *       created by the library is created by unshare on that very thread. The caller's thread is
 *       never switched. Sockets opened inside stay in the namespace and may be used from any thread.
 *   <li><b>Persistent namespaces</b> follow iproute2 exactly: {@code /run/netns} is made a shared
 *       bind mount of itself (once, as {@code ip netns add} does; it stays, like iproute2's), and the
 *       namespace is a bind mount of {@code /proc/thread-self/ns/net} on {@code /run/netns/NAME}.
 *   <li><b>Veth ends are created where they belong</b>: one RTM_NEWLINK carries IFLA_NET_NS_FD for
 *       each end, so no end is moved afterwards (a move costs an RCU grace period, ~20 ms).
 *   <li><b>Netlink socket</b>: NETLINK_EXT_ACK and NETLINK_CAP_ACK set; one request at a time per
 *       socket (synchronized), sequence numbers checked, dumps read to NLMSG_DONE and repeated when
 *       the kernel flags NLM_F_DUMP_INTR. Requests name links by IFLA_IFNAME where the kernel
 *       accepts it, to save a lookup.
 *   <li><b>IPv6 addresses</b> are added with IFA_F_NODAD: they come from the library's own IPAM and
 *       must be usable at once.
 *   <li><b>IPAM</b> is one directory per network ({@code STATE/networks/NAME}); sibling directories
 *       are checked for overlapping subnets. Locking is an fcntl lock on {@code lock} plus a
 *       JVM-wide lock (fcntl locks do not exclude threads of one process). Leases record the owner
 *       pid and its start time, so a reused pid does not keep a dead container's lease.
 *   <li><b>Ports</b> are published by a userspace proxy, not NAT: it works without nftables and needs
 *       no forwarding. The target socket can be opened inside the container's namespace, which also
 *       serves loopback-only containers.
 *   <li><b>Bridge mode</b> checks the subnet against the host's routes and addresses before creating
 *       the bridge, and never enables forwarding or NAT.
 * </ul>
 */
@NullMarked
package dev.containerj.net;

import org.jspecify.annotations.NullMarked;
