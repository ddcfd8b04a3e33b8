package dev.containerj.core;

/** The container's network. */
public enum NetworkMode {
  /** A new network namespace with only the loopback interface, up. The default. */
  LOOPBACK,
  /** A new network namespace with no interface up at all (loopback stays down). */
  NONE,
  /** The host's network namespace: no isolation; must be asked for explicitly. */
  HOST
}
