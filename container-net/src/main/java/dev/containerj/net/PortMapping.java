package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * One published port: {@code hostAddress:hostPort} on the host forwarded to {@code containerPort} of
 * a container, over TCP or UDP. Immutable. {@link #parse} reads docker's {@code -p} syntax.
 *
 * @param protocol TCP or UDP
 * @param hostAddress the host address to listen on (127.0.0.1 by default)
 * @param hostPort the host port, 1..65535, or 0 for a free port that the kernel picks when the port is
 *     bound ({@link #ephemeral}; {@link PortProxy#hostPort} tells which)
 * @param containerPort the port inside, 1..65535
 */
public record PortMapping(Protocol protocol, InetAddress hostAddress, int hostPort, int containerPort) {
  /** The transport protocol of a mapping. */
  public enum Protocol {
    /** A byte stream, forwarded per connection. */
    TCP,
    /** Datagrams, forwarded per client address. */
    UDP;

    /** {@return {@code "tcp"} or {@code "udp"}} */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Checks the ports: {@code "hostPort must be 1..65535: 70000"}.
   *
   * @param protocol TCP or UDP
   * @param hostAddress the host address to listen on (127.0.0.1 by default)
   * @param hostPort the host port, 1..65535, or 0 for a free port that the kernel picks when the
   *     port is bound ({@link #ephemeral}; {@link PortProxy#hostPort} tells which)
   * @param containerPort the port inside, 1..65535
   */
  public PortMapping {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(hostAddress, "hostAddress");
    if (hostPort != 0) {
      checkPort("hostPort", hostPort);
    }
    checkPort("containerPort", containerPort);
  }

  /**
   * TCP from a free port of 127.0.0.1, chosen by the kernel when it is bound, to {@code containerPort}:
   * parallel tests never collide on a host port. {@code Container.mappedPort(containerPort)} gives it.
   *
   * @param containerPort the port inside, 1..65535
   * @return the mapping, with host port 0
   * @throws InvalidValueException when {@code containerPort} is outside 1..65535
   */
  public static PortMapping ephemeral(int containerPort) {
    return new PortMapping(Protocol.TCP, loopback(), 0, containerPort);
  }

  /** {@return whether the host port is chosen by the kernel ({@link #ephemeral})} */
  public boolean isEphemeral() {
    return hostPort == 0;
  }

  /**
   * TCP from 127.0.0.1:hostPort to containerPort.
   *
   * @param hostPort the port on 127.0.0.1, 1..65535
   * @param containerPort the port inside, 1..65535
   * @return the mapping
   * @throws InvalidValueException when {@code hostPort} is outside 0..65535 or {@code
   *     containerPort} outside 1..65535
   */
  public static PortMapping tcp(int hostPort, int containerPort) {
    return new PortMapping(Protocol.TCP, loopback(), hostPort, containerPort);
  }

  /**
   * UDP from 127.0.0.1:hostPort to containerPort.
   *
   * @param hostPort the port on 127.0.0.1, 1..65535
   * @param containerPort the port inside, 1..65535
   * @return the mapping
   * @throws InvalidValueException when {@code hostPort} is outside 0..65535 or {@code
   *     containerPort} outside 1..65535
   */
  public static PortMapping udp(int hostPort, int containerPort) {
    return new PortMapping(Protocol.UDP, loopback(), hostPort, containerPort);
  }

  /**
   * Parses {@code [HOSTADDRESS:]HOSTPORT:CONTAINERPORT[/tcp|/udp]} ({@code "8080:80"},
   * {@code "127.0.0.1:5353:53/udp"}, {@code "[::1]:8080:80"}); the host address defaults to 127.0.0.1.
   *
   * @param spec the {@code -p} value
   * @return the mapping
   * @throws InvalidValueException naming the spec and the accepted form
   */
  public static PortMapping parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    String rest = spec;
    Protocol protocol = Protocol.TCP;
    int slash = rest.lastIndexOf('/');
    if (slash >= 0) {
      String p = rest.substring(slash + 1);
      if (p.equals("tcp")) {
        protocol = Protocol.TCP;
      } else if (p.equals("udp")) {
        protocol = Protocol.UDP;
      } else {
        throw new InvalidValueException("port protocol", spec, "must be tcp or udp");
      }
      rest = rest.substring(0, slash);
    }
    InetAddress host = loopback();
    String ports = rest;
    if (rest.startsWith("[")) {
      int close = rest.indexOf("]:");
      if (close < 0) {
        throw new InvalidValueException("port mapping", spec, "must be [HOSTADDRESS:]HOSTPORT:CONTAINERPORT[/tcp|udp]");
      }
      host = IpPrefix.parseAddress(rest.substring(1, close));
      ports = rest.substring(close + 2);
    } else {
      int colons = (int) rest.chars().filter(c -> c == ':').count();
      if (colons == 2) {
        int first = rest.indexOf(':');
        host = IpPrefix.parseAddress(rest.substring(0, first));
        ports = rest.substring(first + 1);
      } else if (colons != 1) {
        throw new InvalidValueException("port mapping", spec, "must be [HOSTADDRESS:]HOSTPORT:CONTAINERPORT[/tcp|udp]");
      }
    }
    String[] pp = ports.split(":", -1);
    if (pp.length != 2) {
      throw new InvalidValueException("port mapping", spec, "must be [HOSTADDRESS:]HOSTPORT:CONTAINERPORT[/tcp|udp]");
    }
    return new PortMapping(protocol, host, parsePort("hostPort", pp[0]), parsePort("containerPort", pp[1]));
  }

  private static int parsePort(String field, String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new InvalidValueException(field, text, "must be a number 1..65535");
    }
  }

  private static void checkPort(String field, int port) {
    if (port < 1 || port > 65535) {
      throw new InvalidValueException(field, Integer.toString(port), "must be 1..65535");
    }
  }

  private static InetAddress loopback() {
    return IpPrefix.parseAddress("127.0.0.1");
  }

  /** {@code "127.0.0.1:8080:80/tcp"}. */
  @Override
  public String toString() {
    String h = IpPrefix.addressString(hostAddress);
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + hostPort + ":" + containerPort + "/" + protocol.label();
  }
}
