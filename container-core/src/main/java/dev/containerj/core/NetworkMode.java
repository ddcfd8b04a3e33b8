package dev.containerj.core;

/** The container's network. */
public enum NetworkMode {
  /** A new network namespace with only the loopback interface, up. The default. */
  LOOPBACK,
  /** A new network namespace with no interface up at all (loopback stays down). */
  NONE,
  /**
   * A new network namespace with loopback and {@code eth0}, a veth attached to a host bridge
   * ({@code containerj0}, 10.88.0.0/16, by default), an address from the bridge's subnet and a
   * default route via the bridge. Needs CAP_NET_ADMIN on the host (root). Nothing enables forwarding
   * or NAT: the container reaches the host and other containers on the bridge, not beyond.
   */
  BRIDGE,
  /** The network namespace of another running container, as a pod shares one. */
  CONTAINER,
  /** The host's network namespace: no isolation; must be asked for explicitly. */
  HOST,
  /**
   * A new network namespace whose tap device a user-mode stack (pasta or slirp4netns) serves: the
   * outside is reached through the caller's own sockets, so it needs no privilege. Chosen with
   * {@link Network#userMode()}, which carries its options.
   */
  USER_MODE
}
