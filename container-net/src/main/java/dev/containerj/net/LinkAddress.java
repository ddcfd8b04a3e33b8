package dev.containerj.net;

import java.util.Objects;

/**
 * An address assigned to an interface, as the kernel reported it (RTM_NEWADDR).
 *
 * @param interfaceIndex the index of the interface that holds it
 * @param prefix the address and prefix length ({@code 10.0.0.2/24})
 * @param scope the scope ({@code 0} universe/global, {@code 253} link, {@code 254} host)
 * @param flags the {@code IFA_F_*} flags
 * @param label the IPv4 label (usually the interface name), or empty
 */
public record LinkAddress(int interfaceIndex, IpPrefix prefix, int scope, int flags, String label) {
  /**
   * Checks that prefix and label are present.
   *
   * @param interfaceIndex the index of the interface that holds it
   * @param prefix the address and prefix length ({@code 10.0.0.2/24})
   * @param scope the scope ({@code 0} universe/global, {@code 253} link, {@code 254} host)
   * @param flags the {@code IFA_F_*} flags
   * @param label the IPv4 label (usually the interface name), or empty
   */
  public LinkAddress {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(label, "label");
  }
}
