package dev.containerj.core;

import dev.containerj.core.internal.SpecValidator;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.layers.Image;
import dev.containerj.layers.ImageConfig;
import dev.containerj.layers.LayerStore;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import dev.containerj.net.PortMapping;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What to run and how: plain, immutable data, validated when built. Start it with {@link
 * Container#start(ContainerSpec)}.
 *
 * <p>The defaults are the secure ones of a {@code docker run} with nothing added: every namespace
 * (user, mount, pid, uts, ipc, cgroup, and a network namespace with only loopback), Docker's default
 * capability set without NET_RAW (as Podman), no_new_privs, masked and read-only /proc paths, a
 * minimal /dev, only fds 0-2, the
 * host's {@code /} as root filesystem under a writable overlay whose changes vanish on close
 * ({@link RootFs#host()}), a private {@code /tmp}, and a container that dies with this JVM. Each can
 * be relaxed explicitly.
 *
 * <pre>{@code
 * ContainerSpec spec = ContainerSpec.builder()
 *     .command("sh", "-c", "echo hello from $(hostname)")
 *     .hostname("box")
 *     .stdout(Redirect.PIPE)
 *     .build();
 * }</pre>
 */
public final class ContainerSpec {
  /** runc's default masked paths: unreadable in the container. */
  public static final List<String> DEFAULT_MASKED_PATHS = List.of(
      "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

  /**
   * 64 MiB: the default size of the private {@code /tmp} and of the host root's writable layer, each.
   * The size Docker gives {@code /dev/shm}, the one other tmpfs a container gets by default. These
   * pages are host memory that outlives the writer, and without a memory limit this is their only
   * bound (the kernel's own default is half of RAM), so it is small; raise it with
   * {@link Builder#tmpfsSize(long)}.
   */
  public static final long DEFAULT_TMPFS_SIZE = 64L << 20;

  /**
   * The namespace types that {@link Builder#joinNamespace} joins (net, ipc, uts, pid, cgroup); the
   * others are always the container's own or the host's.
   */
  public static final Set<Namespace> JOINABLE_NAMESPACES = Collections.unmodifiableSet(EnumSet.of(Namespace.PID,
      Namespace.UTS, Namespace.IPC, Namespace.NET, Namespace.CGROUP));

  /** runc's default read-only paths. */
  public static final List<String> DEFAULT_READONLY_PATHS = List.of(
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private final ProcessSpec process;
  private final RootFs rootfs;
  private final @Nullable String hostname;
  private final List<MountSpec> mounts;
  private final boolean privateTmp;
  private final long tmpfsSize;
  private final Network network;
  private final Set<Namespace> namespaces;
  private final Map<Namespace, java.nio.file.Path> joinedNamespaces;
  private final List<IdMapping> uidMappings;
  private final List<IdMapping> gidMappings;
  private final @Nullable SeccompProfile seccomp;
  private final @Nullable Integer oomScoreAdj;
  private final boolean privileged;
  private final List<String> maskedPaths;
  private final List<String> readonlyPaths;
  private final boolean detached;
  private final java.nio.file.@Nullable Path startFifo;
  private final @Nullable BeforePivot beforePivot;
  private final List<Integer> passFds;
  private final CgroupLimits limits;
  private final boolean cgroupRequested;
  private final List<String> dns;
  private final List<PortMapping> ports;
  private final Map<String, String> extraHosts;
  private final Map<String, String> sysctls;

  private ContainerSpec(Builder b) {
    this.process = b.process.buildUnchecked();
    this.rootfs = b.rootfs;
    this.hostname = b.hostname;
    this.mounts = List.copyOf(b.mounts);
    this.privateTmp = b.privateTmp;
    this.tmpfsSize = b.tmpfsSize;
    this.network = b.network;
    this.joinedNamespaces = Collections.unmodifiableMap(new java.util.EnumMap<>(b.joinedNamespaces));
    Set<Namespace> created = b.namespaces == null ? defaultNamespaces(b.network) : EnumSet.copyOf(b.namespaces);
    if (b.namespaces == null) {
      created.removeAll(b.joinedNamespaces.keySet()); // joined, not created
    }
    this.namespaces = Collections.unmodifiableSet(created);
    this.uidMappings = List.copyOf(b.uidMappings);
    this.gidMappings = List.copyOf(b.gidMappings);
    this.seccomp = b.seccomp;
    this.oomScoreAdj = b.oomScoreAdj;
    this.privileged = b.privileged;
    this.maskedPaths = List.copyOf(b.maskedPaths);
    this.readonlyPaths = List.copyOf(b.readonlyPaths);
    this.detached = b.detached;
    this.startFifo = b.startFifo;
    this.beforePivot = b.beforePivot;
    this.passFds = List.copyOf(b.passFds);
    this.limits = b.limits;
    this.cgroupRequested = b.cgroup;
    this.dns = List.copyOf(b.dns);
    this.ports = List.copyOf(b.ports);
    this.extraHosts = Collections.unmodifiableMap(new LinkedHashMap<>(b.extraHosts));
    this.sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(b.sysctls));
  }

  private static Set<Namespace> defaultNamespaces(Network network) {
    EnumSet<Namespace> s = EnumSet.of(Namespace.USER, Namespace.MOUNT, Namespace.PID, Namespace.UTS,
        Namespace.IPC, Namespace.CGROUP);
    if (!(network instanceof Network.Host) && !(network instanceof Network.SharedWith)) {
      s.add(Namespace.NET);
    }
    return s;
  }

  /**
   * A builder with the secure defaults; {@link Builder#command} is required.
   *
   * @return a new builder, not yet valid: it needs a command
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder holding this spec's values} */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The container's first process (as runc's config holds one process): argv, environment, working
   * directory, ids, groups, capabilities, rlimits, no_new_privs, stdio and init. What it leaves unset
   * takes this class's defaults, which the accessors below resolve ({@link #uid()}, ...).
   *
   * @return the first process as given, its unset fields unresolved
   */
  public ProcessSpec process() {
    return process;
  }

  /**
   * {@return the payload's argv; {@code command().get(0)} is looked up in PATH when it has no
   * slash}
   */
  public List<String> command() {
    return process.command();
  }

  /** {@return the payload's whole environment (it starts clean; PATH is added when absent)} */
  public Map<String, String> environment() {
    return process.environment();
  }

  /** {@return the working directory inside the container} Default {@code /}. */
  public String workingDirectory() {
    return process.workingDirectory().orElse("/");
  }

  /** {@return the root filesystem. Default {@link RootFs#host()}} */
  public RootFs rootfs() {
    return rootfs;
  }

  /** {@return the hostname; null means the first 12 characters of the container id} */
  public @Nullable String hostname() {
    return hostname;
  }

  /** {@return the payload's uid inside the container} Default 0. */
  public long uid() {
    return process.uid().orElse(0L);
  }

  /** {@return the payload's gid inside the container} Default 0. */
  public long gid() {
    return process.gid().orElse(0L);
  }

  /** {@return the payload's supplementary groups inside the container. Default none} */
  public List<Long> supplementaryGroups() {
    return process.groups().orElse(List.of());
  }

  /** {@return extra bind and tmpfs mounts, in order} */
  public List<MountSpec> mounts() {
    return mounts;
  }

  /**
   * {@return whether {@code /tmp} is a private tmpfs that vanishes with the container} Default
   * true.
   */
  public boolean privateTmp() {
    return privateTmp;
  }

  /**
   * {@return the size limit in bytes of each tmpfs that holds the container's own writes: the
   * private {@code /tmp} and the writable layer of the host's root (the upper directories of its
   * overlay; a rootless root's top-level tmpfs too)} A full one answers ENOSPC inside the
   * container. Default {@link #DEFAULT_TMPFS_SIZE}. Without a cgroup memory limit this cap is the
   * only bound on the host memory these writes take (tmpfs pages belong to no process, so killing
   * the writer frees nothing); with one, the pages are charged to the container's memory cgroup as
   * well.
   */
  public long tmpfsSize() {
    return tmpfsSize;
  }

  /**
   * {@return how the container is networked, with the options of its kind} Default {@link
   * Network#loopback()}.
   */
  public Network network() {
    return network;
  }

  /** {@return the namespaces the container gets} */
  public Set<Namespace> namespaces() {
    return namespaces;
  }

  /**
   * {@return the existing namespaces the container joins instead of creating them, type to the path
   * of a namespace file ({@code /proc/PID/ns/net}); empty by default} See {@link
   * Builder#joinNamespace}.
   */
  public Map<Namespace, java.nio.file.Path> joinedNamespaces() {
    return joinedNamespaces;
  }

  /** {@return uid_map lines; empty means the default (see {@link Builder#uidMappings})} */
  public List<IdMapping> uidMappings() {
    return uidMappings;
  }

  /** {@return gid_map lines; empty means the default (see {@link Builder#gidMappings})} */
  public List<IdMapping> gidMappings() {
    return gidMappings;
  }

  /**
   * {@return the capabilities the payload may have (its bounding set)} Default {@link
   * Capability#DEFAULT_SET}.
   */
  public Set<Capability> capabilities() {
    return process.capabilities().orElse(Capability.DEFAULT_SET);
  }

  /** {@return whether PR_SET_NO_NEW_PRIVS is set, so setuid binaries gain nothing} Default true. */
  public boolean noNewPrivileges() {
    return process.noNewPrivilegesSetting().orElse(true);
  }

  /**
   * {@return the seccomp profile; null means the default profile (the effect of Docker's default
   * allowlist, adjusted to the capabilities the container keeps)} {@link
   * SeccompProfile#unconfined()} installs no filter.
   */
  public @Nullable SeccompProfile seccomp() {
    return seccomp;
  }

  /**
   * {@return the payload's /proc/PID/oom_score_adj (-1000..1000), or null to inherit this JVM's}
   */
  public @Nullable Integer oomScoreAdj() {
    return oomScoreAdj;
  }

  /**
   * {@return whether the spec was made with {@link Builder#privileged()}: every capability, no
   * seccomp filter, no masked or read-only /proc paths} Starting such a container logs a warning
   * saying so.
   */
  public boolean privileged() {
    return privileged;
  }

  /** {@return paths made unreadable in the container. Default {@link #DEFAULT_MASKED_PATHS}} */
  public List<String> maskedPaths() {
    return maskedPaths;
  }

  /**
   * {@return the confinement as one value (capabilities, seccomp, no_new_privs, masked and
   * read-only paths, privileged)}
   */
  public Security security() {
    Security s = Security.defaults().withCapabilities(capabilities()).withSeccomp(seccomp)
        .withNoNewPrivileges(noNewPrivileges()).withMaskedPaths(maskedPaths).withReadonlyPaths(readonlyPaths);
    return privileged ? Security.privileged().withCapabilities(s.capabilities()).withSeccomp(seccomp)
        .withNoNewPrivileges(s.noNewPrivileges()).withMaskedPaths(maskedPaths).withReadonlyPaths(readonlyPaths) : s;
  }

  /** {@return paths made read-only in the container. Default {@link #DEFAULT_READONLY_PATHS}} */
  public List<String> readonlyPaths() {
    return readonlyPaths;
  }

  /** {@return the payload's resource limits (setrlimit(2)), in order} */
  public List<Rlimit> rlimits() {
    return process.rlimits();
  }

  /** {@return where stdin comes from} Default {@link Redirect#DISCARD} (/dev/null). */
  public Redirect stdin() {
    return process.stdin();
  }

  /** {@return where stdout goes} Default {@link Redirect#INHERIT}. */
  public Redirect stdout() {
    return process.stdout();
  }

  /** {@return where stderr goes} Default {@link Redirect#INHERIT}. */
  public Redirect stderr() {
    return process.stderr();
  }

  /** {@return whether the container outlives this JVM} Default false: it dies with the JVM. */
  public boolean detached() {
    return detached;
  }

  /**
   * The fifo the first process waits on just before its execve ({@link Builder#startFifo}).
   *
   * @return the fifo's path, or null when the first process runs at once
   */
  public java.nio.file.@Nullable Path startFifo() {
    return startFifo;
  }

  /**
   * The step run between the assembly of the root and the pivot ({@link Builder#beforePivot}).
   *
   * @return the step, or null (the default) for a start without a stop
   */
  public @Nullable BeforePivot beforePivot() {
    return beforePivot;
  }

  /**
   * {@return the fds of this process that the first process gets as fds 3, 4, ... ({@link
   * Builder#passFds}); empty by default}
   */
  public List<Integer> passFds() {
    return passFds;
  }

  /**
   * {@return resource limits (memory, cpu, pids, io, cpuset), applied before the payload's first
   * instruction}
   */
  public CgroupLimits limits() {
    return limits;
  }

  /**
   * {@return whether the container gets a cgroup of its own: always when it has limits, else on
   * request ({@link Builder#cgroup(boolean)}); {@link Container#pause()}, {@link Container#stats()}
   * and OOM reporting need one} Without one the start is faster, and closing still kills every
   * process through the pid namespace. Where false, a root container (or one in a delegated
   * subtree) still gets a lean cgroup for its defaults (device policy, {@link
   * Builder#DEFAULT_PIDS_MAX}), which joins only the hierarchies those need, so its stats report
   * less.
   */
  public boolean cgroup() {
    return cgroupRequested || !limits.isEmpty();
  }

  /** {@return name servers for /etc/resolv.conf in bridge mode; empty means the host's} */
  public List<String> dns() {
    return dns;
  }

  /**
   * {@return published ports: a host address and port forwarded into the container by a userspace
   * proxy (no firewall rule is touched), as {@code -p 127.0.0.1:8080:80}}
   */
  public List<PortMapping> ports() {
    return ports;
  }

  /** {@return extra /etc/hosts entries, name to address (as {@code --add-host})} */
  public Map<String, String> extraHosts() {
    return extraHosts;
  }

  /**
   * {@return the kernel parameters written in the container's own namespaces before its payload
   * starts, dotted name ({@code net.ipv4.ping_group_range}) to value; see {@link Sysctl} for the
   * names allowed}
   */
  public Map<String, String> sysctls() {
    return sysctls;
  }

  @Override
  public String toString() {
    return "ContainerSpec{command=" + command() + ", rootfs=" + rootfs + ", network=" + network
        + ", namespaces=" + namespaces + (joinedNamespaces.isEmpty() ? "" : ", joined=" + joinedNamespaces)
        + ", uid=" + uid() + ", gid=" + gid() + ", mounts=" + mounts
        + (limits.isEmpty() ? "" : ", limits=" + limits) + "}";
  }

  /**
   * Builder of a {@link ContainerSpec}. {@link #build()} checks every rule and reports all
   * violations in one {@link SpecValidationException}.
   */
  public static final class Builder {
    /** The first process; what it leaves unset takes the defaults of ContainerSpec's accessors. */
    private ProcessSpec.Builder process = firstProcessDefaults(ProcessSpec.builder());
    private RootFs rootfs = RootFs.host();
    private @Nullable String hostname;
    private final List<MountSpec> mounts = new ArrayList<>();
    private boolean privateTmp = true;
    private long tmpfsSize = DEFAULT_TMPFS_SIZE;
    private Network network = Network.loopback();
    private @Nullable Set<Namespace> namespaces;
    private final Map<Namespace, java.nio.file.Path> joinedNamespaces = new java.util.EnumMap<>(Namespace.class);
    private List<IdMapping> uidMappings = List.of();
    private List<IdMapping> gidMappings = List.of();
    private @Nullable SeccompProfile seccomp;
    private @Nullable Integer oomScoreAdj;
    private boolean privileged;
    private List<String> maskedPaths = DEFAULT_MASKED_PATHS;
    private List<String> readonlyPaths = DEFAULT_READONLY_PATHS;
    private boolean detached;
    private java.nio.file.@Nullable Path startFifo;
    private @Nullable BeforePivot beforePivot;
    private List<Integer> passFds = List.of();
    private CgroupLimits limits = CgroupLimits.none();
    private boolean cgroup;
    private List<String> dns = List.of();
    private final List<PortMapping> ports = new ArrayList<>();
    private final Map<String, String> extraHosts = new LinkedHashMap<>();
    private final Map<String, String> sysctls = new LinkedHashMap<>();

    private Builder() {}

    /** A first process inherits stdout and stderr (an exec'd one pipes them) and has no_new_privs on. */
    private static ProcessSpec.Builder firstProcessDefaults(ProcessSpec.Builder b) {
      return b.stdout(Redirect.INHERIT).stderr(Redirect.INHERIT).noNewPrivileges(true);
    }

    private Builder(ContainerSpec s) {
      process = s.process.toBuilder();
      rootfs = s.rootfs;
      hostname = s.hostname;
      mounts.addAll(s.mounts);
      privateTmp = s.privateTmp;
      tmpfsSize = s.tmpfsSize;
      network = s.network;
      namespaces = EnumSet.copyOf(s.namespaces);
      joinedNamespaces.putAll(s.joinedNamespaces);
      uidMappings = s.uidMappings;
      gidMappings = s.gidMappings;
      seccomp = s.seccomp;
      oomScoreAdj = s.oomScoreAdj;
      privileged = s.privileged;
      maskedPaths = s.maskedPaths;
      readonlyPaths = s.readonlyPaths;
      detached = s.detached;
      startFifo = s.startFifo;
      beforePivot = s.beforePivot;
      passFds = s.passFds;
      limits = s.limits;
      cgroup = s.cgroupRequested;
      dns = s.dns;
      ports.addAll(s.ports);
      extraHosts.putAll(s.extraHosts);
      sysctls.putAll(s.sysctls);
    }

    /**
     * The payload's argv. Required. A delegate of {@link ProcessSpec.Builder#command(String...)}.
     *
     * @param argv the program and its arguments; not empty
     * @return this builder
     */
    public Builder command(String... argv) {
      return command(List.of(argv));
    }

    /**
     * The payload's argv. Required. A delegate of {@link ProcessSpec.Builder#command(List)}.
     *
     * @param argv the program and its arguments; not empty
     * @return this builder
     */
    public Builder command(List<String> argv) {
      process.command(argv);
      return this;
    }

    /**
     * Sets one environment variable (the environment starts empty).
     *
     * @param name the variable's name
     * @param value its value
     * @return this builder
     */
    public Builder env(String name, String value) {
      process.env(name, value);
      return this;
    }

    /**
     * Makes {@code process} the container's first process, replacing every process setting made so
     * far (argv, environment, working directory, ids, groups, capabilities, rlimits, no_new_privs,
     * stdio, init); what it leaves unset takes the defaults of {@link ContainerSpec}. Its stdio is its
     * own: a {@link ProcessSpec} pipes stdout and stderr unless told otherwise.
     *
     * @param process the first process; not null
     * @return this builder
     */
    public Builder process(ProcessSpec process) {
      this.process = Objects.requireNonNull(process, "process").toBuilder();
      return this;
    }

    /**
     * Replaces the whole environment.
     *
     * @param env the variables, copied
     * @return this builder
     */
    public Builder environment(Map<String, String> env) {
      process.environment(env);
      return this;
    }

    /**
     * The payload's working directory inside the container (absolute). Default {@code /}.
     *
     * @param dir an absolute path inside the container
     * @return this builder
     */
    public Builder workingDirectory(String dir) {
      process.workingDirectory(dir);
      return this;
    }

    /**
     * Runs a minimal init as pid 1 above the payload ({@link ProcessSpec#init()}, {@code --init}).
     *
     * @param init true for the init above the payload, false (the default) to run the payload as
     *     pid 1
     * @return this builder
     */
    public Builder init(boolean init) {
      process.init(init);
      return this;
    }

    /**
     * Sends the payload's stderr where its stdout goes ({@link ProcessSpec#redirectErrorStream()}).
     *
     * @param redirect true to merge stderr into stdout
     * @return this builder
     */
    public Builder redirectErrorStream(boolean redirect) {
      process.redirectErrorStream(redirect);
      return this;
    }

    /**
     * The root filesystem.
     *
     * @param rootfs the root filesystem; not null
     * @return this builder
     */
    public Builder rootfs(RootFs rootfs) {
      this.rootfs = Objects.requireNonNull(rootfs, "rootfs");
      return this;
    }

    /**
     * The root filesystem is this imported image, and its config gives the defaults: the command
     * (Entrypoint + Cmd) unless one is set already, the environment (the spec's own variables win),
     * the working directory and a numeric User. Call it before setting what should override them.
     *
     * @param image an image of this runtime's layer store; not null
     * @return this builder
     * @throws SpecValidationException when the image's user is not numeric
     */
    public Builder image(Image image) {
      return image(RootFs.image(image), image);
    }

    /**
     * As {@link #image(Image)}, for an image imported into {@code store} rather than this user's own
     * store ({@link RootFs#image(LayerStore, Image)}).
     *
     * @param store the layer store that holds {@code image}
     * @param image an image of {@code store}
     * @return this builder
     */
    public Builder image(LayerStore store, Image image) {
      return image(RootFs.image(store, image), image);
    }

    private Builder image(RootFs root, Image image) {
      this.rootfs = root;
      ImageConfig c = image.config();
      if (process.command.isEmpty() && !c.command().isEmpty()) {
        process.command(c.command());
      }
      Map<String, String> merged = new LinkedHashMap<>();
      for (String kv : c.env()) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
          merged.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      }
      merged.putAll(process.environment);
      process.environment(merged);
      if (!c.workingDir().isEmpty()) {
        process.workingDirectory(c.workingDir());
      }
      String user = c.user();
      if (!user.isEmpty()) {
        String[] ug = user.split(":", 2);
        try {
          long uid = Long.parseLong(ug[0]);
          process.uid(uid).gid(ug.length > 1 ? Long.parseLong(ug[1]) : uid);
        } catch (NumberFormatException e) {
          throw SpecValidationException.of("user", user, "of image " + image.reference()
              + " must be numeric UID[:GID] (only those are supported): set user(uid, gid) after image()");
        }
      }
      return this;
    }

    /**
     * Makes the root filesystem read-only (a directory root given as writable becomes read-only).
     *
     * @return this builder
     */
    public Builder readOnlyRootfs() {
      this.rootfs = rootfs.readOnly();
      return this;
    }

    /**
     * The hostname (needs the UTS namespace); null: the first 12 characters of the id.
     *
     * @param hostname the hostname, or null for the default
     * @return this builder
     */
    public Builder hostname(@Nullable String hostname) {
      this.hostname = hostname;
      return this;
    }

    /**
     * The payload's uid and gid inside the container.
     *
     * @param uid the payload's uid inside the container; default 0
     * @param gid the payload's gid inside the container; default 0
     * @return this builder
     */
    public Builder user(long uid, long gid) {
      process.uid(uid).gid(gid);
      return this;
    }

    /**
     * The payload's supplementary groups inside the container.
     *
     * @param groups the gids, as seen inside the container (mapped by the gid map)
     * @return this builder
     */
    public Builder supplementaryGroups(List<Long> groups) {
      process.groups(groups);
      return this;
    }

    /**
     * Adds a mount; mounts are made in the order added, after /proc, /dev, /sys and /tmp.
     *
     * @param mount the mount
     * @return this builder
     */
    public Builder mount(MountSpec mount) {
      mounts.add(Objects.requireNonNull(mount, "mount"));
      return this;
    }

    /**
     * Whether /tmp is a private tmpfs (default true).
     *
     * @param privateTmp false to leave /tmp as the rootfs has it
     * @return this builder
     */
    public Builder privateTmp(boolean privateTmp) {
      this.privateTmp = privateTmp;
      return this;
    }

    /**
     * The size limit in bytes of the private {@code /tmp} and of the host root's writable layer,
     * each (see {@link ContainerSpec#tmpfsSize()}); must be > 0. Default {@link ContainerSpec#DEFAULT_TMPFS_SIZE}.
     *
     * @param bytes the size limit in bytes of the private {@code /tmp} and of the host root's
     *     writable layer, each (see {@link ContainerSpec#tmpfsSize()}); must be > 0
     * @return this builder
     */
    public Builder tmpfsSize(long bytes) {
      this.tmpfsSize = bytes;
      return this;
    }

    /**
     * The network, with its options: {@code network(Network.userMode().hostLoopback(true))},
     * {@code network(Network.bridge("net1").address(ip))}. {@link Network#host()} and {@link
     * Network#sharedWith} also drop the network namespace from the default set.
     *
     * @param network the network mode and its options; not null
     * @return this builder
     */
    public Builder network(Network network) {
      this.network = Objects.requireNonNull(network, "network");
      return this;
    }

    /**
     * The namespaces to create, replacing the default set. The mount namespace is required; without
     * a pid namespace, closing kills only the payload itself, not processes it left behind.
     *
     * @param namespaces the namespaces to create, replacing the default set
     * @return this builder
     */
    public Builder namespaces(Set<Namespace> namespaces) {
      this.namespaces = namespaces.isEmpty() ? EnumSet.noneOf(Namespace.class) : EnumSet.copyOf(namespaces);
      return this;
    }

    /**
     * Joins an existing namespace instead of creating one, as a Kubernetes pod's containers join
     * their sandbox's ({@code /proc/PID/ns/net}) or Podman's {@code --network container:X}. The
     * type leaves the default set of {@link #namespaces}; an explicit set must not contain it.
     *
     * <p>Supported: {@link Namespace#NET}, {@link Namespace#IPC}, {@link Namespace#UTS}, {@link
     * Namespace#PID} and {@link Namespace#CGROUP}; {@link #build} refuses {@link Namespace#USER},
     * {@link Namespace#MOUNT} and {@link Namespace#TIME} with the reason. The start opens the path
     * once, before anything is created, and refuses it unless it is a namespace file of this type
     * (ioctl NS_GET_NSTYPE, ioctl_ns(2)); the container then joins through that descriptor, so a path
     * swapped after the check changes nothing. A namespace that cannot be joined fails the start; the
     * container never falls back to a namespace of its own or the host's.
     *
     * <p>Joined NET: the network is the joined namespace's, so the {@link #network} must stay {@link
     * Network#loopback()} (the default, whose loopback is then not touched) or {@link Network#none()},
     * with no {@link #publish(PortMapping) published ports} and no {@link #dns}; sysctls of the joined
     * namespaces are refused.
     * Joined PID: the payload is not pid 1 (the namespace's own pid 1 reaps its orphans), so {@code
     * init(true)} is refused, and /proc shows the joined namespace's processes. Joined UTS: the
     * hostname is the namespace's, so {@link #hostname} is refused.
     *
     * @param type the namespace type
     * @param path a namespace file, as {@code /proc/PID/ns/net} or a bind mount of one; absolute
     * @return this builder
     */
    public Builder joinNamespace(Namespace type, java.nio.file.Path path) {
      joinedNamespaces.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(path, "path"));
      return this;
    }

    /**
     * uid_map lines. Default: as root, every id maps to itself; as an ordinary user, the payload's
     * uid maps to the caller's own uid (a single id). Ranges as an ordinary user go through
     * newuidmap(1) and /etc/subuid.
     *
     * @param mappings uid_map lines
     * @return this builder
     */
    public Builder uidMappings(List<IdMapping> mappings) {
      this.uidMappings = List.copyOf(mappings);
      return this;
    }

    /**
     * gid_map lines; defaults as for {@link #uidMappings}.
     *
     * @param mappings gid_map lines; defaults as for {@link #uidMappings}
     * @return this builder
     */
    public Builder gidMappings(List<IdMapping> mappings) {
      this.gidMappings = List.copyOf(mappings);
      return this;
    }

    /**
     * Replaces the capability set.
     *
     * @param caps the bounding set; default {@link Capability#DEFAULT_SET}
     * @return this builder
     */
    public Builder capabilities(Set<Capability> caps) {
      process.capabilities(caps);
      return this;
    }

    /**
     * Adds one capability to the set (the default set when none was given).
     *
     * @param cap the capability to add
     * @return this builder
     */
    public Builder addCapability(Capability cap) {
      Set<Capability> caps = EnumSet.noneOf(Capability.class);
      caps.addAll(capabilitySet());
      caps.add(cap);
      return capabilities(caps);
    }

    /**
     * Removes one capability from the set (the default set when none was given).
     *
     * @param cap the capability to remove
     * @return this builder
     */
    public Builder dropCapability(Capability cap) {
      Set<Capability> caps = EnumSet.noneOf(Capability.class);
      caps.addAll(capabilitySet());
      caps.remove(cap);
      return capabilities(caps);
    }

    private Set<Capability> capabilitySet() {
      return process.capabilities == null ? Capability.DEFAULT_SET : process.capabilities;
    }

    /**
     * Sets or clears no_new_privs for the payload. Default on.
     *
     * @param on false to let the payload gain privileges through setuid binaries and file
     *     capabilities
     * @return this builder
     */
    public Builder noNewPrivileges(boolean on) {
      process.noNewPrivileges(on);
      return this;
    }

    /**
     * The seccomp profile, replacing the default one; {@link SeccompProfile#unconfined()} for none,
     * null for the default.
     *
     * @param profile the seccomp profile, replacing the default one; {@link
     *     SeccompProfile#unconfined()} for none, null for the default
     * @return this builder
     */
    public Builder seccomp(@Nullable SeccompProfile profile) {
      this.seccomp = profile;
      return this;
    }

    /**
     * The payload's oom_score_adj, -1000 (never kill) to 1000 (kill first); null inherits.
     *
     * @param adj the payload's oom_score_adj, -1000 (never kill) to 1000 (kill first); null
     *     inherits
     * @return this builder
     */
    public Builder oomScoreAdj(@Nullable Integer adj) {
      this.oomScoreAdj = adj;
      return this;
    }

    /**
     * Turns off the protections: every capability, no seccomp filter, no masked or read-only /proc
     * paths, no device policy and no nodev on the root and the mounts (as {@code docker run
     * --privileged}). The namespaces stay, and no_new_privs stays unless turned off too. Only for
     * trusted payloads; the start logs a warning naming what is off.
     *
     * @return this builder
     */
    public Builder privileged() {
      return security(Security.privileged());
    }

    /**
     * Sets the whole confinement at once (capabilities, seccomp profile, no_new_privs, masked and
     * read-only paths, privileged mode), replacing what was set before: a preset such as {@link
     * Security#hardened()} means the same wherever it is called.
     *
     * @param security the confinement; not null
     * @return this builder
     */
    public Builder security(Security security) {
      Objects.requireNonNull(security, "security");
      this.privileged = security.privilegedMode();
      process.capabilities(security.capabilities());
      process.noNewPrivileges(security.noNewPrivileges());
      this.seccomp = security.seccomp();
      this.maskedPaths = security.maskedPaths();
      this.readonlyPaths = security.readonlyPaths();
      return this;
    }

    /**
     * The pids.max a container gets when its limits set none, where the host can enforce it (as
     * root, or in a delegated cgroup subtree; elsewhere the start logs once that it runs without):
     * 2048, as Podman. {@code CgroupLimits.builder().pidsUnlimited()} asks for no limit.
     */
    public static final long DEFAULT_PIDS_MAX = 2048;

    /** The limits {@link #hardened()} sets: 128 tasks, 512 MiB of memory, no swap. */
    public static final CgroupLimits HARDENED_LIMITS =
        CgroupLimits.builder().pidsMax(128).memoryMax(512L << 20).memorySwapMax(0).build();

    /**
     * {@return the preset for untrusted plugins: no capabilities, the hardened seccomp profile
     * (which also denies ptrace, io_uring and sockets other than unix/inet/inet6), a read-only
     * root, no network, no_new_privs, and {@link #HARDENED_LIMITS} unless limits were given already
     * (they need root or a delegated cgroup subtree; {@code limits(CgroupLimits.none())} afterwards
     * removes them explicitly)} Call it first, then adjust.
     */
    public Builder hardened() {
      if (limits.isEmpty()) {
        limits = HARDENED_LIMITS;
      }
      security(Security.hardened());
      this.network = Network.none();
      this.rootfs = rootfs.readOnly();
      return this;
    }

    /**
     * Replaces the masked paths (see {@link Security#withMaskedPaths}).
     *
     * @param paths absolute paths inside the container; empty for none
     * @return this builder
     */
    public Builder maskedPaths(List<String> paths) {
      this.maskedPaths = List.copyOf(paths);
      return this;
    }

    /**
     * Replaces the read-only paths (see {@link Security#withReadonlyPaths}).
     *
     * @param paths absolute paths inside the container; empty for none
     * @return this builder
     */
    public Builder readonlyPaths(List<String> paths) {
      this.readonlyPaths = List.copyOf(paths);
      return this;
    }

    /**
     * Adds a resource limit of the payload.
     *
     * @param limit the limit; not null
     * @return this builder
     */
    public Builder rlimit(Rlimit limit) {
      process.rlimit(limit);
      return this;
    }

    /**
     * Where the payload's stdin comes from.
     *
     * @param r the source of stdin; not null
     * @return this builder
     */
    public Builder stdin(Redirect r) {
      process.stdin(r);
      return this;
    }

    /**
     * Where the payload's stdout goes.
     *
     * @param r the destination of stdout; not null
     * @return this builder
     */
    public Builder stdout(Redirect r) {
      process.stdout(r);
      return this;
    }

    /**
     * Where the payload's stderr goes.
     *
     * @param r the destination of stderr; not null
     * @return this builder
     */
    public Builder stderr(Redirect r) {
      process.stderr(r);
      return this;
    }

    /**
     * Whether the container outlives this JVM (it is then not killed when the JVM exits).
     *
     * @param detached whether the container outlives this JVM (it is then not killed when the JVM
     *     exits)
     * @return this builder
     */
    public Builder detached(boolean detached) {
      this.detached = detached;
      return this;
    }

    /**
     * Makes the start a create (as an OCI runtime's {@code create}/{@code start}): the first process
     * is built completely, then waits just before its execve until one byte is written to this fifo
     * (an existing fifo made by the caller, mkfifo(3), which only its owner should be able to open for
     * writing). {@link Container#start} returns once it waits. A failure of the execve itself is then
     * no longer reported to the start: the process exits with 127.
     *
     * @param fifo the fifo, or null (the default) for a first process that runs at once
     * @return this builder
     */
    public Builder startFifo(java.nio.file.@Nullable Path fifo) {
      this.startFifo = fifo;
      return this;
    }

    /**
     * Stops the start once the container's root is assembled, before its pivot_root, and runs
     * {@code step} there (an OCI runtime's {@code createRuntime} and {@code createContainer} hooks):
     * see {@link BeforePivot}. A start without a step has no stop (no round trip is added). Not
     * with a pool ({@link ContainerPool}), whose sandboxes are pivoted before they are handed out.
     *
     * @param step the step, or null (the default) for none
     * @return this builder
     */
    public Builder beforePivot(@Nullable BeforePivot step) {
      this.beforePivot = step;
      return this;
    }

    /**
     * Passes open fds of this process to the first process, as fds 3, 4, ... in this order (an OCI
     * runtime's {@code --preserve-fds}, systemd's socket activation with {@code LISTEN_FDS}). Only
     * these: every other fd above 2 is closed at the payload's execve, as without this call. The
     * caller owns the fds (they stay open here); each must be open when the container starts.
     *
     * @param fds fds of this process, each 0 or more and none twice ({@link #build} checks); empty
     *     (the default) for none
     * @return this builder
     */
    public Builder passFds(List<Integer> fds) {
      this.passFds = List.copyOf(fds);
      return this;
    }

    /**
     * Resource limits, enforced by the container's own cgroup (cgroup v2, or the v1 fallback on
     * hybrid hosts). A limit this host cannot enforce makes {@link Container#start} fail with a
     * reason; it is never dropped silently. Without a pids limit the container gets {@link
     * #DEFAULT_PIDS_MAX} where the host can enforce it; as root it also gets a device policy that
     * allows only the nodes ContainerJ binds into /dev ({@code DeviceRule.containerDefaults()}),
     * unless {@link #privileged()} or the limits carry a device allow-list of their own.
     *
     * @param limits resource limits, enforced by the container's own cgroup (cgroup v2, or the v1
     *     fallback on hybrid hosts)
     * @return this builder
     */
    public Builder limits(CgroupLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Name servers for the container's /etc/resolv.conf (bridge mode).
     *
     * @param servers name servers for the container's /etc/resolv.conf (bridge mode)
     * @return this builder
     */
    public Builder dns(List<String> servers) {
      this.dns = List.copyOf(servers);
      return this;
    }

    /**
     * Publishes a port.
     *
     * @param mapping the host side and the container port
     * @return this builder
     */
    public Builder publish(PortMapping mapping) {
      ports.add(Objects.requireNonNull(mapping, "mapping"));
      return this;
    }

    /**
     * Publishes a port in Docker's {@code -p} syntax: {@code
     * [HOSTADDR:]HOSTPORT:CTRPORT[/tcp|udp]}.
     *
     * @param spec the {@code -p} value
     * @return this builder
     * @throws SpecValidationException naming {@code ports}, the value and the rule when it is not of
     *     that syntax or a port is outside 1..65535
     */
    public Builder publish(String spec) {
      try {
        return publish(PortMapping.parse(spec));
      } catch (IllegalArgumentException e) {
        // PortMapping's InvalidValueException names the part (hostPort, ...); kept as the cause
        SpecValidationException x = SpecValidationException.of("ports", spec, "must be [HOSTADDR:]HOSTPORT:CTRPORT[/tcp|udp]: " + e.getMessage());
        x.initCause(e);
        throw x;
      }
    }

    /**
     * Adds a line to the container's /etc/hosts.
     *
     * @param name the host name
     * @param address an IPv4 or IPv6 literal
     * @return this builder
     */
    public Builder addHost(String name, String address) {
      extraHosts.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(address, "address"));
      return this;
    }

    /**
     * Sets a kernel parameter inside the container (as {@code --sysctl}): written to its
     * {@code /proc/sys} by the container's own process, in its namespaces, before the payload.
     * Only a parameter that belongs to a namespace the container has of its own is allowed
     * ({@link Sysctl#refusal}); {@link #build()} refuses any other.
     *
     * @param name the dotted name, such as {@code net.ipv4.ping_group_range}
     * @param value the value, as written to the file
     * @return this builder
     */
    public Builder sysctl(String name, String value) {
      sysctls.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Gives the container a cgroup even without limits (for pause, stats and OOM reporting).
     *
     * @param cgroup true for a cgroup of its own; limits imply one
     * @return this builder
     */
    public Builder cgroup(boolean cgroup) {
      this.cgroup = cgroup;
      return this;
    }

    /**
     * Checks every rule (see {@link SpecValidationException}) and builds the spec. Reads the host
     * filesystem (does the rootfs exist?) but creates nothing.
     *
     * @return the immutable spec
     * @throws SpecValidationException listing every field that breaks its rule, the first process's included
     */
    public ContainerSpec build() {
      ContainerSpec spec = new ContainerSpec(this);
      List<SpecValidationException.Violation> v = SpecValidator.validate(spec);
      if (!v.isEmpty()) {
        throw new SpecValidationException(v);
      }
      return spec;
    }
  }
}
