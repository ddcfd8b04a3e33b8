package dev.containerj.net;

import java.net.InetAddress;

/**
 * One container's connection to a {@link BridgeNetwork}: its veth pair and its address lease.
 * {@link #close()} deletes the veth (both ends) and releases the lease; idempotent, never throws.
 */
public final class BridgeAttachment implements AutoCloseable {
  private final BridgeNetwork network;
  private final LinkHandle veth;
  private final Ipam.Lease lease;
  private final String hostInterface;
  private final String containerInterface;

  BridgeAttachment(BridgeNetwork network, LinkHandle veth, Ipam.Lease lease, String hostInterface,
      String containerInterface) {
    this.network = network;
    this.veth = veth;
    this.lease = lease;
    this.hostInterface = hostInterface;
    this.containerInterface = containerInterface;
  }

  /** {@return the network this attachment belongs to} */
  public BridgeNetwork network() {
    return network;
  }

  /** {@return the container's address with the subnet's prefix length} */
  public IpPrefix address() {
    return lease.address();
  }

  /** {@return the gateway (the bridge's address)} */
  public InetAddress gateway() {
    return lease.gateway();
  }

  /** {@return the host end's name (a port of the bridge)} */
  public String hostInterface() {
    return hostInterface;
  }

  /** {@return the container end's name inside its namespace} */
  public String containerInterface() {
    return containerInterface;
  }

  /** {@return the lease's owner (the container id)} */
  public String owner() {
    return lease.owner();
  }

  @Override
  public void close() {
    veth.close();
    lease.close();
  }

  @Override
  public String toString() {
    return lease.owner() + " " + lease.address() + " on " + network.bridgeName() + " via " + hostInterface;
  }
}
