package dev.containerj.core.internal;

import dev.containerj.core.ContainerSpec;
import dev.containerj.core.Network;
import org.jspecify.annotations.Nullable;

/**
 * The kind of a {@link Network} value, for the internals that compare kinds (Java 17 has no pattern
 * switch over the sealed interface), plus the options of the kinds that carry some. Not public API:
 * the sealed {@link Network} is the only network type users see.
 */
public enum NetKind {
  /** {@link Network#loopback()}. */
  LOOPBACK,
  /** {@link Network#none()}. */
  NONE,
  /** {@link Network#bridge(String)}. */
  BRIDGE,
  /** {@link Network#sharedWith(String)}. */
  CONTAINER,
  /** {@link Network#host()}. */
  HOST,
  /** {@link Network#userMode()}. */
  USER_MODE;

  /**
   * The kind of a network value.
   *
   * @param n the network
   * @return its kind
   */
  public static NetKind of(Network n) {
    if (n instanceof Network.Loopback) {
      return LOOPBACK;
    } else if (n instanceof Network.None) {
      return NONE;
    } else if (n instanceof Network.Bridge) {
      return BRIDGE;
    } else if (n instanceof Network.SharedWith) {
      return CONTAINER;
    } else if (n instanceof Network.Host) {
      return HOST;
    }
    return USER_MODE;
  }

  /**
   * The kind of a spec's network.
   *
   * @param spec the container spec
   * @return the kind of {@code spec.network()}
   */
  public static NetKind of(ContainerSpec spec) {
    return of(spec.network());
  }

  /**
   * {@return the bridge of a bridge network, else the default bridge's name (unused)}
   *
   * @param spec the container spec
   */
  public static String bridge(ContainerSpec spec) {
    return spec.network() instanceof Network.Bridge b ? b.name() : dev.containerj.net.BridgeNetwork.DEFAULT_BRIDGE;
  }

  /**
   * {@return the address asked for on a bridge network, or null}
   *
   * @param spec the container spec
   */
  public static @Nullable String address(ContainerSpec spec) {
    return spec.network() instanceof Network.Bridge b ? b.address() : null;
  }

  /**
   * {@return the id of the container whose network a shared network joins, or null}
   *
   * @param spec the container spec
   */
  public static @Nullable String sharedWith(ContainerSpec spec) {
    return spec.network() instanceof Network.SharedWith w ? w.containerId() : null;
  }

  /**
   * {@return the options of a user-mode network, or null}
   *
   * @param spec the container spec
   */
  public static Network.@Nullable UserMode userMode(ContainerSpec spec) {
    return spec.network() instanceof Network.UserMode u ? u : null;
  }
}
