package dev.containerj.core;

import java.net.InetAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The container's network, as one value: {@code ContainerSpec.builder().network(Network.userMode())}.
 * Each kind carries only the options that mean something for it, so a spec cannot hold, say, a bridge
 * address without a bridge.
 *
 * <ul>
 *   <li>{@link #loopback()}: a new network namespace with only loopback, up (the default);
 *   <li>{@link #none()}: a new network namespace with nothing up;
 *   <li>{@link #host()}: the host's network namespace (no isolation);
 *   <li>{@link #bridge(String)}: a veth on a host bridge (root only);
 *   <li>{@link #sharedWith(String)}: the network namespace of a running container;
 *   <li>{@link #userMode()}: a tap device served by a user-mode network stack (pasta, else
 *       slirp4netns), which reaches the outside through the host's own sockets: the network of an
 *       ordinary user's containers.
 * </ul>
 */
public sealed interface Network
    permits Network.Loopback, Network.None, Network.Host, Network.Bridge, Network.SharedWith, Network.UserMode {

  /**
   * A new network namespace with only the loopback interface, up. The default.
   *
   * @return the loopback-only network
   */
  static Network loopback() {
    return Loopback.INSTANCE;
  }

  /**
   * A new network namespace with no interface up at all.
   *
   * @return the network with no interface up
   */
  static Network none() {
    return None.INSTANCE;
  }

  /**
   * The host's network namespace: no isolation.
   *
   * @return the host's network
   */
  static Network host() {
    return Host.INSTANCE;
  }

  /**
   * A veth on the default bridge ({@code containerj0}, 10.88.0.0/16, created on first use, or the
   * runtime's default bridge), with the next free address of its subnet. Needs CAP_NET_ADMIN on the
   * host (root). Nothing enables forwarding or NAT: the container reaches the host and other
   * containers on the bridge, not beyond.
   *
   * @return the default bridge network, to which {@link Bridge#address} can add a fixed address
   */
  static Bridge bridge() {
    return new Bridge(dev.containerj.net.BridgeNetwork.DEFAULT_BRIDGE, null);
  }

  /**
   * A veth on the named host bridge, with the next free address of its subnet.
   *
   * @param name the host bridge, as created by {@link Networks#create}
   * @return the bridge network, to which {@link Bridge#address} can add a fixed address
   */
  static Bridge bridge(String name) {
    return new Bridge(name, null);
  }

  /**
   * The network namespace of the running container of this id or unique id prefix.
   *
   * @param containerId the other container's id or an id prefix naming one container only
   * @return the shared network
   */
  static SharedWith sharedWith(String containerId) {
    return new SharedWith(containerId);
  }

  /**
   * A user-mode network: the first stack found ({@link Stack#AUTO}), the host's loopback services
   * out of reach. Published ports are forwarded by the stack.
   *
   * @return the user-mode network, to which {@link UserMode#stack} and {@link
   *     UserMode#hostLoopback} add options
   */
  static UserMode userMode() {
    return new UserMode(Stack.AUTO, false, null);
  }

  /**
   * A shared user-mode network: the containers of this JVM that name the same network get an
   * address on one bridge, inside a network namespace that the runtime owns (in a user namespace of
   * its own when the caller is an ordinary user), and reach each other by address and by name ({@code
   * /etc/hosts}); that namespace reaches the outside through one user-mode stack, as {@link
   * #userMode()} does. The namespace, its holder process and the stack are removed with the last
   * container that uses the network, and die with the JVM.
   *
   * @param name the network's name: letters, digits, '.', '_' and '-', at most 15 characters
   * @return the shared user-mode network, to which {@link UserMode#stack} and {@link
   *     UserMode#hostLoopback} add options
   */
  static UserMode userMode(String name) {
    return new UserMode(Stack.AUTO, false, Objects.requireNonNull(name, "name"));
  }

  /**
   * The stack that {@link Stack#AUTO} picks on this host (pasta first, then slirp4netns, looked up
   * on the PATH), or empty when neither is installed: the probe the rootless default uses.
   *
   * @return the stack found, or empty when none is installed
   */
  static java.util.Optional<Stack> installedStack() {
    return dev.containerj.core.internal.UserModeNetwork.installed();
  }

  /** {@link #loopback()}. */
  final class Loopback implements Network {
    private static final Loopback INSTANCE = new Loopback();

    private Loopback() {}

    @Override
    public String toString() {
      return "loopback";
    }
  }

  /** {@link #none()}. */
  final class None implements Network {
    private static final None INSTANCE = new None();

    private None() {}

    @Override
    public String toString() {
      return "none";
    }
  }

  /** {@link #host()}. */
  final class Host implements Network {
    private static final Host INSTANCE = new Host();

    private Host() {}

    @Override
    public String toString() {
      return "host";
    }
  }

  /**
   * A bridge network.
   *
   * @param name the host bridge (and network name)
   * @param address the address asked for in its subnet, or null for the next free one
   */
  record Bridge(String name, @Nullable String address) implements Network {
    /**
     * Checks the name is given.
     *
     * @param name the host bridge (and network name)
     * @param address the address asked for in its subnet, or null for the next free one
     */
    public Bridge {
      Objects.requireNonNull(name, "name");
    }

    /**
     * This bridge with a fixed address, which must be free and inside the bridge's subnet.
     *
     * @param address a free address inside the bridge's subnet; not null
     * @return a new value; this one is unchanged
     */
    public Bridge address(InetAddress address) {
      return new Bridge(name, address.getHostAddress());
    }
  }

  /**
   * The network namespace of another running container.
   *
   * @param containerId its id or unique id prefix
   */
  record SharedWith(String containerId) implements Network {
    /**
     * Checks the id is given.
     *
     * @param containerId its id or unique id prefix
     */
    public SharedWith {
      Objects.requireNonNull(containerId, "containerId");
    }
  }

  /** Which user-mode network stack serves a {@link UserMode} network. */
  enum Stack {
    /** pasta when it is on the PATH, else slirp4netns. */
    AUTO,
    /** pasta(1), of the passt project (Podman 5's default). */
    PASTA,
    /** slirp4netns(1) (Podman 4's rootless default). */
    SLIRP4NETNS
  }

  /**
   * A user-mode network: the container gets a tap device whose frames a helper process (pasta or
   * slirp4netns, started by the runtime and killed with the container) turns into ordinary socket
   * calls of the caller. No privilege is needed, and no forwarding or NAT rule of the host is
   * touched.
   *
   * @param stack the stack that serves it
   * @param hostLoopback whether the container may reach the host's loopback services: with pasta, the
   *     host's listening ports through the container's own 127.0.0.1 ({@code -T auto -U auto}) and the
   *     gateway address; with slirp4netns, 10.0.2.2. Off by default: a service bound to the host's
   *     127.0.0.1 trusts that only the host's users reach it.
   * @param network the shared network's name ({@link Network#userMode(String)}), or null for a network
   *     namespace of the container's own
   */
  record UserMode(Stack stack, boolean hostLoopback, @Nullable String network) implements Network {
    /**
     * Checks the stack is given.
     *
     * @param stack the stack that serves it
     * @param hostLoopback whether the container may reach the host's loopback services
     * @param network the shared network's name, or null for a network namespace of the container's own
     */
    public UserMode {
      Objects.requireNonNull(stack, "stack");
    }

    /**
     * A user-mode network of the container's own (not shared).
     *
     * @param stack the stack that serves it
     * @param hostLoopback whether the container may reach the host's loopback services
     */
    public UserMode(Stack stack, boolean hostLoopback) {
      this(stack, hostLoopback, null);
    }

    /**
     * This network served by {@code stack}.
     *
     * @param stack the stack; not null
     * @return a new value; this one is unchanged
     */
    public UserMode stack(Stack stack) {
      return new UserMode(stack, hostLoopback, network);
    }

    /**
     * This network with the host's loopback services reachable, or not.
     *
     * @param reachable true to let the container reach the host's loopback services
     * @return a new value; this one is unchanged
     */
    public UserMode hostLoopback(boolean reachable) {
      return new UserMode(stack, reachable, network);
    }
  }
}
