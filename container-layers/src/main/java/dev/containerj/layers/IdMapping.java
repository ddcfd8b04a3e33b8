package dev.containerj.layers;

import java.util.List;

/**
 * How file owners in an image (container ids) become owners on the host, as a user namespace's
 * uid_map: each range maps {@code size} ids from {@code containerId} to {@code hostId}.
 *
 * @param ranges the ranges; an id in no range is unmapped
 */
public record IdMapping(List<Range> ranges) {
  /** One line of a uid_map / gid_map. */
  public record Range(long containerId, long hostId, long size) {
    public Range {
      if (containerId < 0 || hostId < 0) {
        throw new IllegalArgumentException("ids must be >= 0: " + containerId + " -> " + hostId);
      }
      if (size <= 0) {
        throw new IllegalArgumentException("size must be > 0: " + size);
      }
    }
  }

  public IdMapping {
    ranges = List.copyOf(ranges);
  }

  /** Every id maps to itself (unpacking as root). */
  public static IdMapping identity() {
    return new IdMapping(List.of(new Range(0, 0, 4294967295L)));
  }

  /** Container id 0 maps to {@code hostId}; nothing else is mapped (a rootless single mapping). */
  public static IdMapping single(long hostId) {
    return new IdMapping(List.of(new Range(0, hostId, 1)));
  }

  /** The host id for {@code containerId}, or -1 when it is not mapped. */
  public long toHost(long containerId) {
    for (Range r : ranges) {
      if (containerId >= r.containerId() && containerId - r.containerId() < r.size()) {
        return r.hostId() + (containerId - r.containerId());
      }
    }
    return -1;
  }
}
