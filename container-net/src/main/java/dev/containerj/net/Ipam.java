package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Host-local IP address management for one subnet, persisted in a directory so that every JVM on the
 * host (and a later one, after a crash) sees the same leases, in the manner of CNI's host-local plugin.
 *
 * <p>Layout of the directory: {@code subnet} (the subnet, written on first use; opening the directory
 * with another subnet fails), {@code lock} (an fcntl lock taken for every change, so concurrent JVMs
 * never hand out one address twice), {@code last_reserved} (allocation continues after the last
 * address handed out, so a released address is not reused at once) and {@code leases/ADDRESS}, one
 * file per lease naming its owner and the owner's pid and start time. A lease whose owner process
 * has died is stale: {@link #reclaimDead()} removes such leases.
 *
 * <p>Directories of several networks kept side by side (as {@code root/NETWORK/}) are checked against
 * each other: opening one whose subnet overlaps a sibling's fails, before anything is written (the
 * check and the creation hold a lock on {@code root/.ipam.lock}, so concurrent JVMs cannot race).
 *
 * <p>The network address, the gateway, and for IPv4 the broadcast address are never handed out.
 */
public final class Ipam {
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path directory;
  private final IpPrefix subnet;
  private final InetAddress gateway;
  private final Set<InetAddress> reserved;

  private Ipam(Path directory, IpPrefix subnet, InetAddress gateway, Set<InetAddress> reserved) {
    this.directory = directory;
    this.subnet = subnet;
    this.gateway = gateway;
    this.reserved = reserved;
  }

  /**
   * {@return {@link #builder()} with the subnet's first host as gateway}
   *
   * @param directory the directory that holds this subnet's leases
   * @param subnet the subnet, a network address
   * @throws IOException as {@link Builder#open()}
   * @throws InvalidValueException as {@link Builder#open()}
   */
  public static Ipam open(Path directory, IpPrefix subnet) throws IOException {
    return builder().directory(directory).subnet(subnet).open();
  }

  /** {@return a new builder; directory and subnet are required} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the directory that holds the leases} */
  public Path directory() {
    return directory;
  }

  /** {@return the subnet addresses are leased from} */
  public IpPrefix subnet() {
    return subnet;
  }

  /** {@return the gateway address, never handed out} */
  public InetAddress gateway() {
    return gateway;
  }

  /**
   * {@return the gateway with the subnet's prefix length, as the bridge's address ({@code
   * 10.88.0.1/16})}
   */
  public IpPrefix gatewayPrefix() {
    return IpPrefix.of(gateway, subnet.prefixLength());
  }

  /**
   * Leases the next free address to {@code owner} (a container id), held for process {@code ownerPid}
   * (a lease outlives its owner process only until {@link #reclaimDead()}).
   *
   * @param owner the container id the lease is for
   * @param ownerPid the process whose death makes the lease reclaimable
   * @return the lease; release it when the container is gone
   * @throws IOException when every address is leased, or the lease directory cannot be locked, read
   *     or written
   */
  public Lease allocate(String owner, long ownerPid) throws IOException {
    return allocate(owner, ownerPid, null);
  }

  /**
   * Leases {@code requested} (or, when null, the next free address) to {@code owner}. Throws
   * {@link InvalidValueException} when the address is outside the subnet or is the network,
   * broadcast or gateway address, and {@link java.nio.file.FileAlreadyExistsException} when leased.
   *
   * @param owner the container id the lease is for
   * @param ownerPid the process whose death makes the lease reclaimable
   * @param requested the address wanted, or null for the next free one
   * @return the lease; release it when the container is gone
   * @throws IOException when the lease directory cannot be locked, read or written
   * @throws InvalidValueException when {@code owner} is empty or not one line, {@code ownerPid} is
   *     no running process, or {@code requested} is not assignable in the subnet
   */
  public Lease allocate(String owner, long ownerPid, @Nullable InetAddress requested) throws IOException {
    checkOwner(owner);
    if (ownerPid <= 0) {
      throw new InvalidValueException("ownerPid", Long.toString(ownerPid), "must be > 0");
    }
    if (requested != null) {
      checkAssignable(requested);
    }
    long startTime = startTime(ownerPid);
    return locked(() -> {
      Path leases = directory.resolve("leases");
      Set<InetAddress> taken = leasedAddresses();
      InetAddress chosen;
      if (requested != null) {
        if (taken.contains(requested)) {
          LeaseInfo other = readLease(leaseFile(requested));
          throw new java.nio.file.FileAlreadyExistsException(leaseFile(requested).toString(), null,
              "address " + IpPrefix.addressString(requested) + " is already leased to "
                  + (other == null ? "another owner" : other.owner + " (pid " + other.pid + ")"));
        }
        chosen = requested;
      } else {
        chosen = next(taken);
      }
      String content = "owner=" + owner + "\npid=" + ownerPid + "\nstarttime=" + startTime + "\n";
      Files.createDirectories(leases);
      Path tmp = leases.resolve("." + IpPrefix.addressString(chosen) + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, leaseFile(chosen), StandardCopyOption.ATOMIC_MOVE);
      if (requested == null) {
        Files.writeString(directory.resolve("last_reserved"), IpPrefix.addressString(chosen) + "\n");
      }
      return new Lease(this, IpPrefix.of(chosen, subnet.prefixLength()), owner, ownerPid);
    });
  }

  private InetAddress next(Set<InetAddress> taken) throws IOException {
    BigInteger size = subnet.size();
    BigInteger first = BigInteger.ONE;
    BigInteger last = subnet.isIpv4() ? size.subtract(BigInteger.TWO) : size.subtract(BigInteger.ONE);
    BigInteger hosts = last.subtract(first).add(BigInteger.ONE);
    BigInteger start = first;
    try {
      String lastText = Files.readString(directory.resolve("last_reserved")).trim();
      InetAddress lastAddr = IpPrefix.parseAddress(lastText);
      if (subnet.contains(lastAddr)) {
        start = subnet.offsetOf(lastAddr).add(BigInteger.ONE);
      }
    } catch (NoSuchFileException | IllegalArgumentException e) {
      // first allocation, or a damaged hint: start at the beginning
    }
    // pigeonhole: among leases + reserved + 2 consecutive candidates at least one is free, if any is
    long tries = hosts.min(BigInteger.valueOf(taken.size() + reserved.size() + 2L)).longValueExact();
    BigInteger offset = start;
    for (long i = 0; i < tries; i++) {
      if (offset.compareTo(last) > 0 || offset.compareTo(first) < 0) {
        offset = first;
      }
      InetAddress candidate = subnet.addressAt(offset);
      if (!taken.contains(candidate) && !candidate.equals(gateway) && !reserved.contains(candidate)) {
        return candidate;
      }
      offset = offset.add(BigInteger.ONE);
    }
    throw new IOException("no free address in " + subnet + " (" + taken.size() + " leased, gateway "
        + IpPrefix.addressString(gateway) + ")");
  }

  /**
   * Removes the lease of {@code address} if it is held by {@code owner}; true if it was.
   *
   * @param address the leased address
   * @param owner the container id that must hold it
   * @return whether the lease was there and held by {@code owner}
   * @throws IOException when the lease directory cannot be locked, read or written
   */
  public boolean release(InetAddress address, String owner) throws IOException {
    return locked(() -> {
      Path file = leaseFile(address);
      LeaseInfo info = readLease(file);
      if (info == null || !info.owner.equals(owner)) {
        return false;
      }
      Files.deleteIfExists(file);
      return true;
    });
  }

  /**
   * Removes every lease of {@code owner}; returns how many.
   *
   * @param owner the container id
   * @return the number of leases removed
   * @throws IOException when the lease directory cannot be locked, read or written
   */
  public int releaseAll(String owner) throws IOException {
    return locked(() -> {
      int n = 0;
      for (Lease l : leasesUnlocked()) {
        if (l.owner().equals(owner)) {
          Files.deleteIfExists(leaseFile(l.address().address()));
          n++;
        }
      }
      return n;
    });
  }

  /**
   * {@return the current leases}
   *
   * @throws IOException when the lease directory cannot be locked, read or written
   */
  public List<Lease> leases() throws IOException {
    return locked(this::leasesUnlocked);
  }

  /**
   * {@return the lease of {@code owner}, if any}
   *
   * @param owner the container id
   * @throws IOException when the lease directory cannot be locked, read or written
   */
  public Optional<Lease> leaseOf(String owner) throws IOException {
    return leases().stream().filter(l -> l.owner().equals(owner)).findFirst();
  }

  /**
   * Removes the leases whose owner process no longer exists (or whose pid now belongs to a process
   * started later: the start time is compared, so a reused pid does not keep a lease alive).
   *
   * @return the reclaimed leases
   * @throws IOException when the lease directory cannot be locked, read or written
   */
  public List<Lease> reclaimDead() throws IOException {
    return locked(() -> {
      List<Lease> reclaimed = new ArrayList<>();
      for (Path file : leaseFiles()) {
        LeaseInfo info = readLease(file);
        if (info == null) {
          continue;
        }
        long now = startTimeOrMinus1(info.pid);
        if (now < 0 || (info.startTime != 0 && now != info.startTime)) {
          Files.deleteIfExists(file);
          reclaimed.add(new Lease(this, IpPrefix.of(IpPrefix.parseAddress(file.getFileName().toString()),
              subnet.prefixLength()), info.owner, info.pid));
        }
      }
      return reclaimed;
    });
  }

  private List<Lease> leasesUnlocked() throws IOException {
    List<Lease> out = new ArrayList<>();
    for (Path file : leaseFiles()) {
      LeaseInfo info = readLease(file);
      if (info != null) {
        out.add(new Lease(this, IpPrefix.of(IpPrefix.parseAddress(file.getFileName().toString()),
            subnet.prefixLength()), info.owner, info.pid));
      }
    }
    return out;
  }

  private Set<InetAddress> leasedAddresses() throws IOException {
    Set<InetAddress> out = new HashSet<>();
    for (Path file : leaseFiles()) {
      out.add(IpPrefix.parseAddress(file.getFileName().toString()));
    }
    return out;
  }

  private List<Path> leaseFiles() throws IOException {
    Path leases = directory.resolve("leases");
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(leases)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(leases)) {
      for (Path p : ds) {
        if (!p.getFileName().toString().startsWith(".")) {
          out.add(p);
        }
      }
    }
    return out;
  }

  private Path leaseFile(InetAddress a) {
    return directory.resolve("leases").resolve(IpPrefix.addressString(a));
  }

  private record LeaseInfo(String owner, long pid, long startTime) {}

  private static @Nullable LeaseInfo readLease(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      return null;
    }
    String owner = "";
    long pid = 0;
    long start = 0;
    for (String line : lines) {
      if (line.startsWith("owner=")) {
        owner = line.substring(6);
      } else if (line.startsWith("pid=")) {
        pid = Long.parseLong(line.substring(4).trim());
      } else if (line.startsWith("starttime=")) {
        start = Long.parseLong(line.substring(10).trim());
      }
    }
    return new LeaseInfo(owner, pid, start);
  }

  /** Field 22 of /proc/PID/stat (proc(5)): the start time in clock ticks since boot. */
  private static long startTime(long pid) throws IOException {
    long t = startTimeOrMinus1(pid);
    if (t < 0) {
      throw new InvalidValueException("ownerPid", Long.toString(pid), "must be a running process");
    }
    return t;
  }

  private static long startTimeOrMinus1(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String rest = stat.substring(stat.lastIndexOf(')') + 2);
      String[] f = rest.split(" ");
      // rest starts at field 3 (state); field 22 is index 19
      if (f[0].equals("Z") || f[0].equals("X")) {
        return -1; // a zombie holds no network
      }
      return Long.parseLong(f[19]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  void checkAssignable(InetAddress a) {
    if (!subnet.contains(a)) {
      throw new InvalidValueException("address", IpPrefix.addressString(a), "must be inside subnet " + subnet);
    }
    if (a.equals(subnet.address())) {
      throw new InvalidValueException("address", IpPrefix.addressString(a), "must not be the network address of " + subnet);
    }
    if (subnet.isIpv4() && a.equals(subnet.addressAt(subnet.size().subtract(BigInteger.ONE)))) {
      throw new InvalidValueException("address", IpPrefix.addressString(a), "must not be the broadcast address of " + subnet);
    }
    if (a.equals(gateway)) {
      throw new InvalidValueException("address", IpPrefix.addressString(a), "must not be the gateway of " + subnet);
    }
    if (reserved.contains(a)) {
      throw new InvalidValueException("address", IpPrefix.addressString(a), "must not be reserved in " + subnet);
    }
  }

  private static void checkOwner(String owner) {
    Objects.requireNonNull(owner, "owner");
    if (owner.isEmpty() || owner.contains("\n")) {
      throw new InvalidValueException("owner", owner, "must be non-empty and one line");
    }
  }

  @FunctionalInterface
  private interface IoSupplier<T extends @Nullable Object> {
    T get() throws IOException;
  }

  /**
   * Runs {@code action} holding both locks: a JVM-wide one (fcntl locks belong to the process, so
   * two threads of one JVM would not exclude each other) and the file lock (fcntl(2) F_SETLKW via
   * FileChannel.lock) that excludes other JVMs.
   */
  private <T> T locked(IoSupplier<T> action) throws IOException {
    return withLock(directory, directory.resolve("lock"), action);
  }

  private static <T extends @Nullable Object> T withLock(Path key, Path lockFile, IoSupplier<T> action) throws IOException {
    ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(key, d -> new ReentrantLock());
    jvmLock.lock();
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      return action.get();
    } finally {
      jvmLock.unlock();
    }
  }

  /** A leased address. Closing it releases the lease (if still held by its owner); idempotent, never throws. */
  public static final class Lease implements AutoCloseable {
    private final Ipam ipam;
    private final IpPrefix address;
    private final String owner;
    private final long ownerPid;
    private volatile boolean released;

    Lease(Ipam ipam, IpPrefix address, String owner, long ownerPid) {
      this.ipam = ipam;
      this.address = address;
      this.owner = owner;
      this.ownerPid = ownerPid;
    }

    /** {@return the address with the subnet's prefix length ({@code 10.88.0.2/16})} */
    public IpPrefix address() {
      return address;
    }

    /** {@return the lease's owner (a container id)} */
    public String owner() {
      return owner;
    }

    /** {@return the pid whose death makes the lease reclaimable} */
    public long ownerPid() {
      return ownerPid;
    }

    /** {@return the subnet's gateway} */
    public InetAddress gateway() {
      return ipam.gateway();
    }

    /**
     * Releases the lease now, reporting I/O errors.
     *
     * @throws IOException when the lease directory cannot be locked, read or written
     */
    public void release() throws IOException {
      if (!released) {
        released = true;
        ipam.release(address.address(), owner);
      }
    }

    @Override
    public void close() {
      try {
        release();
      } catch (IOException | RuntimeException ignored) {
        // a stale lease is reclaimed later by reclaimDead()
      }
    }

    @Override
    public String toString() {
      return address + " leased to " + owner + " (pid " + ownerPid + ")";
    }
  }

  /** Builds an {@link Ipam}: directory and subnet are required. */
  public static final class Builder {
    private @Nullable Path directory;
    private @Nullable IpPrefix subnet;
    private @Nullable InetAddress gateway;
    private final Set<InetAddress> reserved = new HashSet<>();

    private Builder() {}

    /**
     * The directory that holds this subnet's leases (created if missing).
     *
     * @param directory the directory that holds this subnet's leases (created if missing)
     * @return this builder
     */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * The subnet, a network address ({@code 10.88.0.0/16}); IPv4 needs a prefix of at most /30.
     *
     * @param subnet the subnet, a network address ({@code 10.88.0.0/16}); IPv4 needs a prefix of at
     *     most /30
     * @return this builder
     * @throws InvalidValueException when {@code subnet} has host bits set or leaves no room for a
     *     gateway and a host
     */
    public Builder subnet(IpPrefix subnet) {
      Objects.requireNonNull(subnet, "subnet");
      if (!subnet.equals(subnet.network())) {
        throw new InvalidValueException("subnet", subnet + " (did you mean " + subnet.network() + "?)",
            "must be a network address (host bits zero)");
      }
      int max = subnet.isIpv4() ? 30 : 126;
      if (subnet.prefixLength() > max) {
        throw new InvalidValueException("subnet", subnet.toString(), "must have a prefix length of at most " + max + " to leave room for a gateway and a host");
      }
      this.subnet = subnet;
      return this;
    }

    /**
     * The subnet as text ({@code "10.88.0.0/16"}).
     *
     * @param subnet the subnet as text ({@code "10.88.0.0/16"})
     * @return this builder
     * @throws InvalidValueException as {@link #subnet(IpPrefix)}, or when {@code subnet} is no
     *     prefix
     */
    public Builder subnet(String subnet) {
      return subnet(IpPrefix.parse(subnet));
    }

    /**
     * The gateway (the bridge's address); default: the subnet's first host.
     *
     * @param gateway the gateway (the bridge's address); default: the subnet's first host
     * @return this builder
     */
    public Builder gateway(InetAddress gateway) {
      this.gateway = Objects.requireNonNull(gateway, "gateway");
      return this;
    }

    /**
     * The gateway as a literal ({@code "10.88.0.1"}).
     *
     * @param gateway the gateway as a literal ({@code "10.88.0.1"})
     * @return this builder
     * @throws InvalidValueException when {@code gateway} is no IP literal
     */
    public Builder gateway(String gateway) {
      return gateway(IpPrefix.parseAddress(gateway));
    }

    /**
     * An address that must never be handed out.
     *
     * @param address an address that must never be handed out
     * @return this builder
     * @throws InvalidValueException when {@code address} is no IP literal
     */
    public Builder reserve(String address) {
      reserved.add(IpPrefix.parseAddress(address));
      return this;
    }

    /**
     * Checks everything (gateway and reserved addresses inside the subnet, no overlap with a sibling
     * directory's subnet, the directory's recorded subnet), then creates the directory.
     *
     * @return the IPAM of the subnet
     * @throws InvalidValueException when the gateway or a reserved address is outside the
     *     subnet, or the subnet overlaps a sibling's or differs from the one recorded
     * @throws IOException when the lease directory cannot be locked, read or written
     */
    public Ipam open() throws IOException {
      Path dir = Objects.requireNonNull(directory, "directory must be set").toAbsolutePath().normalize();
      IpPrefix net = Objects.requireNonNull(subnet, "subnet must be set");
      InetAddress gw = gateway == null ? net.addressAt(BigInteger.ONE) : gateway;
      if (!net.contains(gw)) {
        throw new InvalidValueException("gateway", IpPrefix.addressString(gw), "must be inside subnet " + net);
      }
      for (InetAddress r : reserved) {
        if (!net.contains(r)) {
          throw new InvalidValueException("reserved address", IpPrefix.addressString(r), "must be inside subnet " + net);
        }
      }
      Path recorded = dir.resolve("subnet");
      Ipam ipam = new Ipam(dir, net, gw, Set.copyOf(reserved));
      Path parent = dir.getParent();
      if (!Files.exists(recorded) && parent != null) {
        // creating a network: the check against the siblings and the creation happen under one lock
        // on the parent, so two JVMs cannot create overlapping networks side by side
        Files.createDirectories(parent);
        withLock(parent, parent.resolve(".ipam.lock"), () -> {
          if (!Files.exists(recorded)) {
            checkSiblings(dir, net);
            Files.createDirectories(dir.resolve("leases"));
            Path tmp = dir.resolve(".subnet.tmp");
            Files.writeString(tmp, net + "\n");
            Files.move(tmp, recorded, StandardCopyOption.ATOMIC_MOVE);
          }
          return null;
        });
      }
      Files.createDirectories(dir.resolve("leases"));
      IpPrefix existing = IpPrefix.parse(Files.readString(recorded).trim());
      if (!existing.equals(net)) {
        throw new InvalidValueException("subnet", net.toString(), "must be " + existing + ", the subnet IPAM directory " + dir + " holds");
      }
      return ipam;
    }

    private static void checkSiblings(Path dir, IpPrefix net) throws IOException {
      Path parent = dir.getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        return;
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
        for (Path sibling : ds) {
          Path f = sibling.resolve("subnet");
          if (sibling.equals(dir) || !Files.isRegularFile(f)) {
            continue;
          }
          IpPrefix other;
          try {
            other = IpPrefix.parse(Files.readString(f).trim());
          } catch (IllegalArgumentException e) {
            continue;
          }
          if (other.overlaps(net)) {
            throw new InvalidValueException("subnet", net.toString(), "must not overlap subnet " + other + " of network "
                + sibling.getFileName());
          }
        }
      }
    }
  }
}
