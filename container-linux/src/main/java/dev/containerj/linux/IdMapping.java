package dev.containerj.linux;

import java.util.List;

/**
 * One line of {@code /proc/PID/uid_map} or {@code gid_map} (user_namespaces(7)): ids {@code
 * containerId .. containerId+size-1} inside the namespace are {@code hostId ..} outside. The one id
 * mapping of the library: user namespaces (container-namespaces), the owners of unpacked layers
 * (container-layers) and containers (container-core) all take a {@code List<IdMapping>}, and the
 * static methods here are the only place where a map is applied.
 *
 * @param containerId first id inside the user namespace
 * @param hostId first id in the parent user namespace
 * @param size number of consecutive ids, at least 1
 */
public record IdMapping(long containerId, long hostId, long size) {
  /** The largest id plus one (ids are 32-bit, and 4294967295 is reserved as "no id"). */
  public static final long ID_LIMIT = 4294967295L;

  /**
   * Checks the ranges the kernel would refuse in a map write.
   *
   * @param containerId first id inside the user namespace
   * @param hostId first id in the parent user namespace
   * @param size number of consecutive ids, at least 1
   * @throws InvalidValueException if {@code containerId} or {@code hostId} is outside {@code [0,
   *     4294967295)}, if {@code size} is below 1, or if either range would reach {@link #ID_LIMIT}
   */
  public IdMapping {
    if (containerId < 0 || containerId >= ID_LIMIT) {
      throw new InvalidValueException("containerId", Long.toString(containerId), "must be in [0, 4294967295)");
    }
    if (hostId < 0 || hostId >= ID_LIMIT) {
      throw new InvalidValueException("hostId", Long.toString(hostId), "must be in [0, 4294967295)");
    }
    if (size < 1 || containerId + size > ID_LIMIT || hostId + size > ID_LIMIT) {
      throw new InvalidValueException("size", Long.toString(size),
          "must be >= 1 and keep both ranges below 4294967295");
    }
  }

  /**
   * A single id: {@code containerId} inside is {@code hostId} outside.
   *
   * @param containerId the id inside the user namespace
   * @param hostId the id it is in the parent user namespace
   * @return a line of size 1
   * @throws InvalidValueException if either id is outside {@code [0, 4294967295)}
   */
  public static IdMapping single(long containerId, long hostId) {
    return new IdMapping(containerId, hostId, 1);
  }

  /**
   * {@return a line that maps every id to itself} (what a rootful container without id shifting
   * uses)
   */
  public static IdMapping identity() {
    return new IdMapping(0, 0, ID_LIMIT);
  }

  /**
   * Whether {@code id} inside the namespace is mapped by this line.
   *
   * @param id an id inside the user namespace
   * @return true when {@code containerId <= id < containerId + size}
   */
  public boolean coversContainerId(long id) {
    return id >= containerId && id < containerId + size;
  }

  /** {@return the line as the kernel reads it from a map write: {@code "0 1000 1\n"}} */
  public String toMapLine() {
    return containerId + " " + hostId + " " + size + "\n";
  }

  /**
   * Translates an id inside the namespace to the parent namespace (the first line that covers it
   * wins).
   *
   * @param mappings the namespace's map lines
   * @param containerId an id inside the namespace
   * @return the host id of {@code containerId} under {@code mappings}, or -1 when no line maps it
   */
  public static long toHost(List<IdMapping> mappings, long containerId) {
    for (IdMapping m : mappings) {
      if (m.coversContainerId(containerId)) {
        return m.hostId() + (containerId - m.containerId());
      }
    }
    return -1;
  }

  /**
   * Translates a parent-namespace id to the id inside (the first line that covers it wins).
   *
   * @param mappings the namespace's map lines
   * @param hostId an id in the parent user namespace
   * @return the id inside of host id {@code hostId} under {@code mappings}, or -1 when no line maps
   *     it
   */
  public static long toContainer(List<IdMapping> mappings, long hostId) {
    for (IdMapping m : mappings) {
      if (hostId >= m.hostId() && hostId - m.hostId() < m.size()) {
        return m.containerId() + (hostId - m.hostId());
      }
    }
    return -1;
  }

  /**
   * Whether every line maps each id to itself (the host's ids; no idmapped mount is needed).
   *
   * @param mappings the map lines; an empty list counts as identity
   * @return true when no line shifts ids
   */
  public static boolean isIdentity(List<IdMapping> mappings) {
    for (IdMapping m : mappings) {
      if (m.containerId() != m.hostId()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Renders a whole map file.
   *
   * @param mappings the map lines, in order
   * @return {@code mappings} as the kernel reads them ({@link #toMapLine()} each), to be written in
   *     one write(2) as user_namespaces(7) requires
   */
  public static String toMapText(List<IdMapping> mappings) {
    StringBuilder b = new StringBuilder();
    for (IdMapping m : mappings) {
      b.append(m.toMapLine());
    }
    return b.toString();
  }
}
