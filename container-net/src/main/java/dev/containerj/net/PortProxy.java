package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Published ports without touching the host firewall: a userspace proxy that listens on each
 * mapping's host address and port and forwards every TCP connection (byte stream, both directions,
 * half-close kept) or UDP datagram (per client, replies sent back) to the target address and the
 * mapping's container port. It works where nftables/iptables are unavailable, at the cost of the
 * copies (the server sees the proxy's address as its peer).
 *
 * <p>With {@link Builder#targetNamespace} the outgoing sockets are opened inside that network
 * namespace, so the target may be an address only reachable there (even 127.0.0.1 of a
 * loopback-only container); otherwise the host must route to the target (a bridge).
 *
 * <p>{@link Builder#start()} binds every mapping before forwarding anything, and binds none if one
 * fails ({@code "port 8080/tcp on 127.0.0.1 is already in use"}). The proxy's lifetime is its
 * handle's: {@link #close()} closes the listening sockets (the ports are free again when it returns)
 * and every forwarded connection; it is idempotent and never throws.
 */
public final class PortProxy implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final int BUFFER = 64 * 1024;

  private final List<PortMapping> mappings;
  private final InetAddress target;
  private final @Nullable NetworkNamespace targetNamespace;
  private final int connectTimeoutMillis;
  private final int udpIdleTimeoutMillis;
  private final List<AutoCloseable> listeners = new ArrayList<>();
  private final Set<AutoCloseable> live = ConcurrentHashMap.newKeySet();
  private final List<Thread> threads = new ArrayList<>();
  private final Map<PortMapping, InetSocketAddress> bound = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private PortProxy(Builder b) {
    this.mappings = List.copyOf(b.mappings);
    this.target = Objects.requireNonNull(b.target, "target must be set");
    this.targetNamespace = b.targetNamespace;
    this.connectTimeoutMillis = b.connectTimeoutMillis;
    this.udpIdleTimeoutMillis = b.udpIdleTimeoutMillis;
  }

  /** {@return a new builder; at least one mapping and the target are required} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Shortcut: one mapping to {@code target}.
   *
   * @param mapping the host side and the container port
   * @param target the container's address
   * @return the running proxy; close it to stop forwarding
   * @throws IOException when the host port cannot be bound
   */
  public static PortProxy start(PortMapping mapping, InetAddress target) throws IOException {
    return builder().publish(mapping).target(target).start();
  }

  /** The published mappings. */
  /**
   * {@return the host port that {@code mapping} listens on: its own, or the one the kernel chose
   * for an {@linkplain PortMapping#ephemeral ephemeral} mapping}
   *
   * @param mapping one of this proxy's mappings
   * @throws InvalidValueException when {@code mapping} is not one of this proxy's
   */
  public int hostPort(PortMapping mapping) {
    InetSocketAddress a = bound.get(mapping);
    if (a == null) {
      throw new InvalidValueException("mapping", mapping.toString(), "must be published by this proxy");
    }
    return a.getPort();
  }

  /** {@return the mappings as given (ephemeral ones with host port 0; see {@link #hostPort})} */
  public List<PortMapping> mappings() {
    return mappings;
  }

  /** {@return the address connections are forwarded to} */
  public InetAddress target() {
    return target;
  }

  /** {@return the number of TCP connections and UDP clients being forwarded now} */
  public int activeForwards() {
    return live.size();
  }

  private void bindAll() throws IOException {
    for (PortMapping m : mappings) {
      InetSocketAddress at = new InetSocketAddress(m.hostAddress(), m.hostPort());
      try {
        if (m.protocol() == PortMapping.Protocol.TCP) {
          ServerSocketChannel ss = ServerSocketChannel.open();
          listeners.add(ss);
          ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
          ss.bind(at, 128);
        } else {
          DatagramChannel dc = DatagramChannel.open();
          listeners.add(dc);
          dc.bind(at);
        }
      } catch (BindException e) {
        BindException be = new BindException(e.getMessage() != null && e.getMessage().contains("assign")
            ? "cannot listen on " + m.hostPort() + "/" + m.protocol().label() + " on " + IpPrefix.addressString(m.hostAddress())
                + ": the address is not on this host"
            : "port " + m.hostPort() + "/" + m.protocol().label() + " on " + IpPrefix.addressString(m.hostAddress())
                + " is already in use");
        be.initCause(e);
        throw be;
      }
      // The address the kernel gave: its port is the one it chose for an ephemeral mapping.
      bound.put(m, (InetSocketAddress) (m.protocol() == PortMapping.Protocol.TCP
          ? ((ServerSocketChannel) listeners.get(listeners.size() - 1)).getLocalAddress()
          : ((DatagramChannel) listeners.get(listeners.size() - 1)).getLocalAddress()));
    }
  }

  private void startThreads() {
    for (int i = 0; i < mappings.size(); i++) {
      PortMapping m = mappings.get(i);
      AutoCloseable l = listeners.get(i);
      Thread t = l instanceof ServerSocketChannel ss
          ? thread("accept " + m, () -> acceptLoop(ss, m))
          : thread("udp " + m, () -> udpLoop((DatagramChannel) l, m));
      threads.add(t);
      t.start();
    }
  }

  private static Thread thread(String name, Runnable r) {
    Thread t = new Thread(r, "containerj-proxy-" + COUNTER.incrementAndGet() + " " + name);
    t.setDaemon(true);
    return t;
  }

  private SocketChannel openTarget() throws IOException {
    NetworkNamespace ns = targetNamespace;
    // the socket belongs to the namespace it is created in; connecting may then happen anywhere
    return ns == null ? SocketChannel.open() : ns.call(SocketChannel::open);
  }

  private DatagramChannel openTargetDatagram() throws IOException {
    NetworkNamespace ns = targetNamespace;
    return ns == null ? DatagramChannel.open() : ns.call(DatagramChannel::open);
  }

  private void acceptLoop(ServerSocketChannel ss, PortMapping m) {
    InetSocketAddress dest = new InetSocketAddress(target, m.containerPort());
    while (!closed) {
      SocketChannel client;
      try {
        client = ss.accept();
      } catch (IOException e) {
        return; // closed
      }
      live.add(client);
      Thread t = thread("conn " + m, () -> {
        SocketChannel upstream = null;
        try {
          upstream = openTarget();
          live.add(upstream);
          upstream.socket().connect(dest, connectTimeoutMillis);
          SocketChannel up = upstream;
          Thread back = thread("reply " + m, () -> pump(up, client));
          back.start();
          pump(client, up);
          back.join();
        } catch (IOException | RuntimeException e) {
          // target unreachable: the client sees the connection close
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          live.remove(client);
          closeQuietly(client);
          if (upstream != null) {
            live.remove(upstream);
            closeQuietly(upstream);
          }
        }
      });
      t.start();
    }
  }

  /** Copies until EOF, then half-closes the destination so the other direction can finish. */
  private static void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    try {
      while (from.read(buf) >= 0) {
        buf.flip();
        while (buf.hasRemaining()) {
          to.write(buf);
        }
        buf.clear();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void udpLoop(DatagramChannel listener, PortMapping m) {
    InetSocketAddress dest = new InetSocketAddress(target, m.containerPort());
    Map<SocketAddress, DatagramChannel> clients = new ConcurrentHashMap<>();
    ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    try {
      while (!closed) {
        buf.clear();
        SocketAddress from = listener.receive(buf);
        if (from == null) {
          continue;
        }
        buf.flip();
        DatagramChannel up = clients.get(from);
        if (up == null) {
          DatagramChannel created = openTargetDatagram();
          created.connect(dest);
          live.add(created);
          clients.put(from, created);
          up = created;
          thread("udp reply " + m, () -> {
            byte[] rb = new byte[BUFFER];
            java.net.DatagramPacket packet = new java.net.DatagramPacket(rb, rb.length);
            try {
              // the socket adaptor honours a receive timeout: a client silent for that long is dropped
              created.socket().setSoTimeout(udpIdleTimeoutMillis);
              while (!closed) {
                packet.setLength(rb.length);
                created.socket().receive(packet);
                listener.send(ByteBuffer.wrap(rb, 0, packet.getLength()), from);
              }
            } catch (IOException e) {
              // idle timeout, closed, or the target refused (ICMP port unreachable)
            } finally {
              clients.remove(from, created);
              live.remove(created);
              closeQuietly(created);
            }
          }).start();
        }
        try {
          up.write(buf);
        } catch (IOException e) {
          // datagrams may be lost; so may this one
        }
      }
    } catch (ClosedChannelException e) {
      // closed
    } catch (IOException e) {
      // listener failed: end this mapping
    } finally {
      for (DatagramChannel c : clients.values()) {
        closeQuietly(c);
      }
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing
    }
  }

  /** Stops listening (the ports are free when this returns) and closes every forwarded connection. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (AutoCloseable l : listeners) {
      closeQuietly(l);
    }
    for (AutoCloseable c : live) {
      closeQuietly(c);
    }
    live.clear();
    for (Thread t : threads) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "PortProxy" + mappings + " -> " + IpPrefix.addressString(target);
  }

  /** Builds and starts a {@link PortProxy}. */
  public static final class Builder {
    private final List<PortMapping> mappings = new ArrayList<>();
    private @Nullable InetAddress target;
    private @Nullable NetworkNamespace targetNamespace;
    private int connectTimeoutMillis = 5000;
    private int udpIdleTimeoutMillis = 120_000;

    private Builder() {}

    /**
     * Adds a mapping; two mappings may not use one host address, port and protocol.
     *
     * @param mapping the mapping
     * @return this builder
     * @throws InvalidValueException when a mapping already publishes the same host port and
     *     protocol
     */
    public Builder publish(PortMapping mapping) {
      Objects.requireNonNull(mapping, "mapping");
      for (PortMapping m : mappings) {
        if (m.protocol() == mapping.protocol() && m.hostPort() == mapping.hostPort()
            && (!mapping.isEphemeral() || m.equals(mapping)) && (m.hostAddress().equals(mapping.hostAddress()) || m.hostAddress().isAnyLocalAddress()
                || mapping.hostAddress().isAnyLocalAddress())) {
          throw new InvalidValueException("mappings", m + " and " + mapping, "must publish port " + mapping.hostPort() + "/"
              + mapping.protocol().label() + " once");
        }
      }
      mappings.add(mapping);
      return this;
    }

    /**
     * Adds a mapping in {@code -p} syntax ({@code "8080:80/tcp"}).
     *
     * @param spec the {@code -p} value, as {@link PortMapping#parse} reads it
     * @return this builder
     * @throws InvalidValueException when {@code spec} is no mapping (see {@link PortMapping#parse})
     *     or its port is published already
     */
    public Builder publish(String spec) {
      return publish(PortMapping.parse(spec));
    }

    /**
     * The address to forward to (a container's address).
     *
     * @param target the address to forward to (a container's address)
     * @return this builder
     */
    public Builder target(InetAddress target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /**
     * The target as a literal ({@code "10.88.0.2"}).
     *
     * @param target the target as a literal ({@code "10.88.0.2"})
     * @return this builder
     * @throws InvalidValueException when {@code target} is no IP literal
     */
    public Builder target(String target) {
      return target(IpPrefix.parseAddress(target));
    }

    /**
     * Opens the outgoing sockets inside this namespace (which must stay open while the proxy runs).
     *
     * @param namespace the container's namespace, or null for this JVM's
     * @return this builder
     */
    public Builder targetNamespace(@Nullable NetworkNamespace namespace) {
      this.targetNamespace = namespace;
      return this;
    }

    /**
     * How long a TCP connect to the target may take, default 5000 ms.
     *
     * @param millis how long a TCP connect to the target may take, default 5000 ms
     * @return this builder
     * @throws InvalidValueException when {@code millis} is not > 0
     */
    public Builder connectTimeoutMillis(int millis) {
      if (millis <= 0) {
        throw new InvalidValueException("connectTimeoutMillis", Long.toString(millis), "must be > 0");
      }
      this.connectTimeoutMillis = millis;
      return this;
    }

    /**
     * How long a UDP client may stay silent (no reply from the target either) before its forwarding
     * socket and thread are dropped, default 120000 ms; a later datagram starts a new one.
     *
     * @param millis how long a UDP client may stay silent (no reply from the target either) before
     *     its forwarding socket and thread are dropped, default 120000 ms; a later datagram starts
     *     a new one
     * @return this builder
     * @throws InvalidValueException when {@code millis} is not > 0
     */
    public Builder udpIdleTimeoutMillis(int millis) {
      if (millis <= 0) {
        throw new InvalidValueException("udpIdleTimeoutMillis", Long.toString(millis), "must be > 0");
      }
      this.udpIdleTimeoutMillis = millis;
      return this;
    }

    /**
     * Binds every mapping (all or none), then starts forwarding.
     *
     * @return the running proxy; close it to stop forwarding
     * @throws IOException when a host port cannot be bound; none stays bound
     * @throws InvalidValueException when no mapping was published
     */
    public PortProxy start() throws IOException {
      if (mappings.isEmpty()) {
        throw new InvalidValueException("mappings", "[]", "must hold at least one mapping for a port proxy");
      }
      PortProxy p = new PortProxy(this);
      try {
        p.bindAll();
      } catch (IOException | RuntimeException e) {
        p.close();
        throw e;
      }
      p.startThreads();
      return p;
    }
  }
}
