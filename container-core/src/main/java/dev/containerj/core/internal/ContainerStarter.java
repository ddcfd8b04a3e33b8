package dev.containerj.core.internal;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.CgroupManager;
import dev.containerj.core.ContainerSpec;
import dev.containerj.layers.LayerStore;
import dev.containerj.layers.PreparedRoot;
import dev.containerj.core.ContainerStartException;
import dev.containerj.core.UnsupportedHostException;
import dev.containerj.linux.internal.KernelFeatures;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.NamespacedProcess;
import dev.containerj.namespaces.internal.FaultPlan;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.LaunchRequest;
import dev.containerj.namespaces.internal.Launcher;
import dev.containerj.namespaces.internal.NativeHelper;
import dev.containerj.namespaces.internal.Stdio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The start of one container: state directory, helper program, launch, state record; and on any
 * failure the removal of all of it. Kept apart from {@code Container}, which is only the running
 * handle (the spec/runtime split that Testcontainers lacks).
 */
public final class ContainerStarter {
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Tests only: the path (in the container) of a fifo that a container's first process opens for
   * writing just before its seccomp filter, so it waits there, after its capset, until a reader
   * opens the fifo (as {@link ContainerExec#gateBeforeSeccomp} for an exec'd one). Never set in
   * production.
   */
  public static volatile @Nullable String gateBeforeSeccomp;

  private ContainerStarter() {}

  /** What a successful start hands to the Container. */
  public record Started(String id, NamespacedProcess process, StateStore store, @Nullable Cgroup cgroup,
      ContainerNetwork network, @Nullable PreparedRoot root, Undo undo) {}

  private static final Object LAYERS_LOCK = new Object();
  private static volatile @Nullable LayerStore layers;

  /**
   * This user's layer store: the system property {@code containerj.layerStore} if set, else
   * {@link LayerStore#defaultDirectory()} ({@code /var/lib/containerj} as root, else under
   * XDG_DATA_HOME or HOME). Opened on first use; when it cannot be opened, every call says why (and
   * tries again), rather than failing once in a class initializer and obscurely after.
   *
   * @throws IOException naming the directory and what to set instead
   */
  public static LayerStore layers() throws IOException {
    LayerStore s = layers;
    if (s != null) {
      return s;
    }
    synchronized (LAYERS_LOCK) {
      if (layers == null) {
        String property = System.getProperty("containerj.layerStore");
        Path dir = property != null && !property.isEmpty() ? Path.of(property) : LayerStore.defaultDirectory();
        try {
          layers = new LayerStore(dir, LibC.geteuid() != 0);
        } catch (IOException e) {
          throw new IOException("cannot open the layer store " + dir + ": " + e.getClass().getSimpleName() + " "
              + e.getMessage() + " (set XDG_DATA_HOME, or the system property containerj.layerStore, to a writable"
              + " directory)", e);
        }
      }
      return layers;
    }
  }

  private static final class Managers {
    static final CgroupManager CGROUPS = load();

    static CgroupManager load() {
      try {
        if (KernelFeatures.cgroupLayout() == KernelFeatures.CgroupLayout.UNIFIED) {
          // cgroup v2 "no internal processes": on a systemd host this JVM sits in a cgroup with
          // processes, which may not hand controllers to the containers' cgroups below it. Move this
          // JVM's processes into a leaf of that cgroup first, as container engines do.
          return CgroupManager.builder().moveParentProcessesTo("containerj-jvm").build();
        }
        return CgroupManager.forCurrentProcess();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** The cgroup manager of this JVM (discovery runs once). */
  public static CgroupManager cgroups() {
    try {
      return Managers.CGROUPS;
    } catch (ExceptionInInitializerError e) {
      UnsupportedHostException u = new UnsupportedHostException("cgroups", String.valueOf(e.getCause().getMessage()),
          "cgroups are not usable here: " + e.getCause().getMessage());
      u.initCause(e.getCause());
      throw u;
    }
  }

  /**
   * The directories that the cgroup of container {@code id} will have, one per hierarchy, recorded
   * before it is made so that a reaper finds it even when this JVM dies half-way; empty when this
   * JVM has no usable cgroup manager (the cgroup step then fails and says why).
   */
  private static List<Path> cgroupDirectories(RuntimeConfig config, String id) {
    try {
      List<Path> dirs = new ArrayList<>();
      for (Path parent : new java.util.LinkedHashSet<>(config.cgroups().get().parentPaths().values())) {
        dirs.add(parent.resolve(cgroupName(config, id)));
      }
      return dirs;
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /**
   * The reaper, run once per JVM in the background after its first start has its own state
   * directory: a JVM killed during a start, or before it closed its containers, leaves state
   * directories and cgroups that only a later JVM can remove. Off with the system property
   * {@code containerj.reapOnStart=false}.
   */
  private static final class OrphanSweep {
    private static final java.util.concurrent.atomic.AtomicBoolean DONE = new java.util.concurrent.atomic.AtomicBoolean(
        !Boolean.parseBoolean(System.getProperty("containerj.reapOnStart", "true")));

    static void once(StateStore store) {
      if (DONE.compareAndSet(false, true)) {
        Thread t = new Thread(store::reapOrphans, "containerj-orphan-sweep");
        t.setDaemon(true);
        t.start();
      }
    }
  }

  /** The cgroup, below this JVM's own, that holds the containers' cgroups by default. */
  public static final String DEFAULT_CGROUP_PARENT = "containerj";

  /** The cgroup of container {@code id}, relative to this JVM's own cgroup. */
  public static String cgroupName(String id) {
    return DEFAULT_CGROUP_PARENT + "/" + id;
  }

  private static String cgroupName(RuntimeConfig config, String id) {
    return config.store().cgroupParent() + "/" + id;
  }

  /** The runtime of the system properties and this user's default places (the default runtime's). */
  public static RuntimeConfig defaultConfig() {
    return new RuntimeConfig(StateStore.forCurrentUser(), LibC.geteuid(), LibC.getegid(), ContainerStarter::cgroups,
        ROOT_ID_BASE, ROOT_ID_COUNT, dev.containerj.net.BridgeNetwork.DEFAULT_BRIDGE,
        Boolean.parseBoolean(System.getProperty("containerj.reapOnStart", "true")));
  }

  /** Starts {@code spec} in the default runtime. */
  public static Started start(ContainerSpec spec) {
    return start(spec, defaultConfig());
  }

  /** Starts {@code spec} with the state directory, stores and ids of {@code config}. */
  public static Started start(ContainerSpec spec, RuntimeConfig config) {
    return start(spec, config, null);
  }

  /**
   * As above; with {@code pooled}, the container is made up to its payload's steps and waits there
   * ({@link PooledStart}).
   */
  static Started start(ContainerSpec spec, RuntimeConfig config, @Nullable PooledStart pooled) {
    String id = newId();
    requireHost(spec);
    try {
      // Before anything is made: a directory or O_PATH descriptor as stdio is refused (Redirect).
      Stdio.check(spec.stdin(), spec.stdout(), spec.stderr());
    } catch (LaunchException e) {
      throw StartFailure.of(id, ContainerStartException.Step.STDIO, e);
    }
    if (spec.privileged()) {
      System.getLogger("dev.containerj").log(System.Logger.Level.WARNING, "container " + id.substring(0, 12)
          + " is privileged: it has every capability, no seccomp filter, no masked or read-only /proc paths,"
          + " no device policy and no nodev on its mounts");
    }
    StateStore store = config.store();
    boolean rootless = config.rootless();
    List<IdMapping> uids = uidMappings(spec, config);
    List<IdMapping> gids = gidMappings(spec, config);
    boolean userns = spec.namespaces().contains(Namespace.USER);
    if (!rootless && userns && uids.stream().anyMatch(m -> m.coversContainerId(0) && m.hostId() == m.containerId())) {
      System.getLogger("dev.containerj").log(System.Logger.Level.WARNING, "container " + id.substring(0, 12)
          + " runs as the host's root (identity id map, --userns host): confined by capabilities and seccomp only");
    }
    if (!rootless && userns && !spec.rootfs().isHost() && !RootfsProgram.isIdentity(uids, gids)) {
      requireIdmappedMounts(spec, store);
    }
    // Each resource registers its undo as it is acquired; a failure here and Container.close() run
    // the same list, last acquired first.
    Undo undo = new Undo();
    ContainerStartException.Step step = ContainerStartException.Step.STATE_DIRECTORY;
    try {
      List<Fd> joined = JoinedNamespaces.open(spec); // before any resource: a bad path is a typed error
      joined.forEach(f -> undo.push("a joined namespace's fd", f::close));
      FaultPlan.check("create state directory");
      CgroupLimits limits = CgroupDefaults.limits(spec, rootless);
      boolean withCgroup = spec.cgroup() || !limits.isEmpty();
      Path dir = store.create(id, withCgroup ? cgroupDirectories(config, id) : List.of());
      undo.push("state directory " + dir, () -> store.remove(id));
      if (config.reapOnStart()) {
        OrphanSweep.once(store);
      }
      Cgroup cgroup = null;
      if (withCgroup) {
        step = ContainerStartException.Step.CGROUP;
        FaultPlan.check("create cgroup");
        try {
          // Only defaults (no limits, no cgroup asked for): the cheapest cgroup that enforces them.
          cgroup = spec.cgroup() ? config.cgroups().get().create(cgroupName(config, id), limits)
              : config.cgroups().get().createForLimits(cgroupName(config, id), limits);
        } catch (IOException | RuntimeException e) {
          throw new LaunchException("create cgroup " + cgroupName(config, id) + (CgroupDefaults.addedDevicePolicy(spec, limits)
              ? " with the default device policy (ContainerSpec.Builder.privileged() runs without it)" : ""), e);
        }
        undo.push("cgroup " + cgroupName(config, id), cgroup::close); // kills what is left in it, removes it
      }
      Cgroup cg = cgroup;
      String hostname = hostname(spec, id);
      dev.containerj.layers.Mount overlay = null;
      PreparedRoot root = null;
      if (spec.rootfs().image() != null) {
        step = ContainerStartException.Step.IMAGE_ROOT;
        FaultPlan.check("prepare image root");
        LayerStore images = spec.rootfs().layerStore() != null ? spec.rootfs().layerStore() : store.layers();
        root = images.prepareRoot(spec.rootfs().image(), id, rootless);
        undo.push("image root", root::close); // the writable layer; the image's layers stay in the store
        // The helper program gives the layers relative to the store when the options are too long.
        String data = String.valueOf(root.overlay().data());
        String[] relative = RootfsProgram.fitsInAPage(data) ? null : RootfsProgram.relativeOverlayData(data);
        if (relative == null ? !RootfsProgram.fitsInAPage(data) : !RootfsProgram.fitsInAPage(relative[1])) {
          int bytes = (relative == null ? data : relative[1]).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
          // mount(2) copies one page of options: the rest (the upper layer last) would be cut off.
          throw new IOException("the overlay options of image " + spec.rootfs().image().reference() + " ("
              + spec.rootfs().image().layers().size() + " layers in " + images.directory() + ") take " + bytes
              + " bytes even with paths relative to the store, more than the one page that mount(2) copies");
        }
        overlay = root.overlay();
      }
      step = ContainerStartException.Step.ROOTFS;
      if (spec.rootfs().isHost() && spec.rootfs().writable()) {
        Files.createDirectory(dir.resolve(RootfsProgram.HOST_UPPER));
      }
      // Before the plan: an ordinary user's container joins the shared network's user namespace.
      SharedUserNetwork shared = SharedUserNetwork.acquire(spec, rootless, uids, gids, config.networksDir());
      if (shared != null) {
        undo.push("shared user-mode network", () -> shared.release(id));
      }
      // The planner gets the runtime's ids (its host profile), not this process's.
      HelperProgram program = RootfsProgram.plan(config.planHost(), spec,
          RootfsProgram.ProcessStages.of(spec), dir.toString(), store.root().toString(), hostname, rootless, uids, gids,
          overlay, cgroup == null ? java.util.Map.of() : cgroup.paths()).program();
      if (pooled != null) {
        program = pooled.program(program, hostname);
      }
      ContainerExec.gate(program, gateBeforeSeccomp);
      step = ContainerStartException.Step.NETWORK;
      Path stateDir = dir;
      ContainerNetwork network = new ContainerNetwork(config.networksDir(), bridgeOf(spec, config));
      undo.push("network", network::close); // published ports, veth, lease (connected during the launch)
      network.share(shared);
      ContainerNetwork.writeFiles(spec, network, stateDir, hostname, null);
      List<Fd> passed = new ArrayList<>();
      if (NetKind.of(spec) == NetKind.CONTAINER) {
        Fd netns = openNetns(store, NetKind.sharedWith(spec));
        undo.push("the shared network namespace's fd", netns::close);
        passed.add(netns);
      }
      // Opened and checked before anything was made (see the state directory above); joined
      // through these descriptors, placed after the other container's netns.
      passed.addAll(joined);
      if (spec.startFifo() != null) {
        // Read-write: open(2) of a fifo so never blocks (fifo(7)), and the container's read waits
        // for the one byte that start writes.
        Fd fifo = new Fd(LibC.open(spec.startFifo().toString(), dev.containerj.linux.internal.Constants.O_RDWR
            | dev.containerj.linux.internal.Constants.O_CLOEXEC, 0));
        undo.push("the start fifo's fd", fifo::close);
        passed.add(fifo);
      }
      // The helper joins the cgroup before it reads its program, so the container process it forks
      // is born inside: there is no moment without limits.
      LaunchRequest.PidHook join = cg == null ? null : pid -> cg.addProcess(pid);
      boolean networked = NetKind.of(spec) == NetKind.BRIDGE
          || NetKind.of(spec) == NetKind.USER_MODE || !spec.ports().isEmpty();
      ContainerNetwork net = network;
      LaunchRequest.PidHook connect = !networked ? null : pid -> net.connect(spec, id, pid, stateDir, hostname);
      // The mount namespace held from before the go byte to the removal (MountNamespaceHold); a pooled
      // sandbox takes its own once it waits (PooledStart).
      MountNamespaceHold mnt = pooled == null ? new MountNamespaceHold() : null;
      if (mnt != null) {
        undo.push("mount namespace reference", mnt::close);
        LaunchRequest.PidHook then = connect;
        connect = pid -> {
          mnt.open(pid);
          if (then != null) {
            then.run(pid);
          }
        };
      }
      List<Integer> fds = new ArrayList<>();
      passed.forEach(f -> fds.add(f.get()));
      fds.addAll(PassedFds.check(spec)); // the caller's own, last: RootfsProgram moves them to 3, 4, ...
      step = ContainerStartException.Step.HELPER; // the launch: classified by the helper's failed step
      LaunchRequest request = new LaunchRequest(program, spec.namespaces().contains(Namespace.USER)
          && SharedUserNetwork.joinedUserns(spec, rootless) == null, // a joined one has its maps
          uids, gids, spec.stdin(), spec.stdout(), spec.stderr(), fds, join, connect);
      NamespacedProcess process = pooled == null ? Launcher.launch(request) : pooled.launch(request);
      if (mnt != null) {
        mnt.settle(process.pid());
      }
      undo.push("payload", () -> {
        if (cg != null) {
          try {
            // cgroup.kill: every process, wherever it hides (pid 1's death ends only its pid
            // namespace); returns at once when the cgroup is already empty
            cg.killAll();
          } catch (IOException | RuntimeException e) {
            // the cgroup's own undo kills again before it removes it
          }
        }
        process.close(); // SIGKILL to pid 1, then reaped
      });
      passed.forEach(Fd::close);
      step = ContainerStartException.Step.STATE_RECORD;
      FaultPlan.check("write state record");
      store.write(new StateRecord(id, process.pid(), StateStore.startTime(process.pid()), LibC.getpid(),
          StateStore.selfStartTime(), spec.detached(), System.currentTimeMillis(), spec.command().get(0),
          cgroup == null ? "" : cgroupName(config, id)));
      return new Started(id, process, store, cgroup, network, root, undo);
    } catch (LaunchException e) {
      undo.close();
      throw StartFailure.of(id, step, e);
    } catch (IOException e) {
      undo.close();
      String call = step == ContainerStartException.Step.STATE_DIRECTORY ? "create state directory " + store.dir(id)
          : "prepare container " + id.substring(0, 12);
      throw StartFailure.of(id, step, new LaunchException(call, e));
    } catch (RuntimeException | Error e) {
      undo.close();
      throw e;
    }
  }

  /**
   * An image or directory root with the default (or any non-identity) map shows its host-owned files
   * through idmapped mounts: fails before anything is made when its filesystem or kernel cannot.
   */
  private static void requireIdmappedMounts(ContainerSpec spec, StateStore store) {
    Path dir;
    boolean image = spec.rootfs().image() != null;
    try {
      dir = !image ? java.util.Objects.requireNonNull(spec.rootfs().directory())
          : spec.rootfs().layerStore() != null ? spec.rootfs().layerStore().directory() : store.layers().directory();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    KernelFeatures.Feature f = KernelFeatures.idmappedMounts(dir, image);
    if (!f.available()) {
      throw new UnsupportedHostException(f.name(), String.valueOf(f.unavailabilityCause()), "the "
          + (image ? "image" : "directory") + " root needs "
          + f.name() + " to map its files to the container's ids (" + ROOT_ID_BASE + "..), which is not "
          + "available: " + f.unavailabilityCause() + "; IdMapping.identity() (--userns host) runs it with the "
          + "host's ids instead, its root then the host's root");
    }
  }

  /**
   * The step that gives the payload its own terminal ({@code Redirect.tty()}) on the streams that ask
   * for one. After the pivot (so {@code /dev/ptmx} is the container's own devpts) and the credentials
   * (so the terminal belongs to the payload's uid); the master comes back on the socket that the
   * launcher places after the passed fds (the other container's netns is the only one).
   */
  static void terminal(HelperProgram p, ContainerSpec spec) {
    terminal(p, new dev.containerj.namespaces.Redirect[] {spec.stdin(), spec.stdout(), spec.stderr()},
        startFifoFd(spec) - 3 + (spec.startFifo() != null ? 1 : 0) + spec.passFds().size());
  }

  /**
   * The fd at which the first process finds its start fifo ({@link ContainerSpec#startFifo()}): the
   * passed fds are placed at 3, the other container's netns first when there is one, then the joined
   * namespaces' ({@link JoinedNamespaces}), then the fifo.
   */
  static int startFifoFd(ContainerSpec spec) {
    return 3 + (NetKind.of(spec) == NetKind.CONTAINER ? 1 : 0) + spec.joinedNamespaces().size();
  }

  /** The same for any process's stdio ({@code Container.exec} too), {@code passed} fds placed at 3. */
  static void terminal(HelperProgram p, dev.containerj.namespaces.Redirect[] streams, int passed) {
    int mask = 0;
    int columns = 0;
    int rows = 0;
    for (int fd = 0; fd < 3; fd++) {
      if (streams[fd].type() == dev.containerj.namespaces.Redirect.Type.TTY) {
        mask |= 1 << fd;
        columns = Math.max(columns, streams[fd].columns());
        rows = Math.max(rows, streams[fd].rows());
      }
    }
    if (mask != 0) {
      p.openPty(Launcher.ptySocketFd(passed), mask, columns, rows);
    }
  }

  /** The helper program of {@code spec}, as the start builds it (tests inspect and fault it). */
  public static HelperProgram program(ContainerSpec spec, String id, String stateDir, String stateRoot,
      boolean rootless, List<IdMapping> gids) {
    return RootfsProgram.build(spec, stateDir, stateRoot, hostname(spec, id), rootless, uidMappings(spec, rootless), gids,
        null, plannedCgroupPaths(spec, rootless));
  }

  /**
   * The plan a start of {@code spec} in the runtime of {@code config} makes, on that runtime's host
   * profile (tests compare the plans of runtimes with different made-up hosts); without cgroup or
   * image root.
   */
  public static ProgramPlan plan(RuntimeConfig config, ContainerSpec spec, String id) {
    return RootfsProgram.plan(config.planHost(), spec, RootfsProgram.ProcessStages.of(spec),
        config.store().root().resolve(id).toString(), config.store().root().toString(), hostname(spec, id),
        config.rootless(), uidMappings(spec, config), gidMappings(spec, config), null, Map.of());
  }

  /**
   * The cgroup directories a start of {@code spec} would have (their hierarchies decide the
   * container's view of /sys/fs/cgroup, so the tests' programs must have them too): a throwaway
   * cgroup made and removed the way a start makes it. Tests only; empty when no cgroup is made.
   */
  public static Map<String, Path> plannedCgroupPaths(ContainerSpec spec, boolean rootless) {
    CgroupLimits limits = CgroupDefaults.limits(spec, rootless);
    if (!spec.cgroup() && limits.isEmpty()) {
      return Map.of();
    }
    String name = cgroupName("planned-" + Long.toHexString(System.nanoTime()));
    try (Cgroup cg = spec.cgroup() ? cgroups().create(name, limits) : cgroups().createForLimits(name, limits)) {
      return Map.copyOf(cg.paths());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the cgroup a start of this spec would make: " + e.getMessage(), e);
    }
  }

  static String hostname(ContainerSpec spec, String id) {
    return spec.hostname() != null ? spec.hostname() : id.substring(0, 12);
  }

  /** The network namespace of a running container of this user, by id or unique id prefix. */
  private static Fd openNetns(StateStore store, @Nullable String idOrPrefix) throws LaunchException {
    String want = String.valueOf(idOrPrefix);
    List<StateRecord> matches = new ArrayList<>();
    for (StateRecord r : store.list()) {
      if (r.id().startsWith(want) && StateStore.isSameProcess(r.pid(), r.pidStartTime())) {
        matches.add(r);
      }
    }
    if (matches.size() != 1) {
      throw new LaunchException("find container " + want, new IllegalArgumentException(
          matches.isEmpty() ? "no running container has the id " + want : "the id prefix " + want + " is ambiguous"));
    }
    String path = "/proc/" + matches.get(0).pid() + "/ns/net";
    try {
      return new Fd(LibC.open(path, dev.containerj.linux.internal.Constants.O_RDONLY | dev.containerj.linux.internal.Constants.O_CLOEXEC, 0));
    } catch (com.sun.jna.LastErrorException e) {
      throw new LaunchException("open(" + path + ")", e.getErrorCode(), null);
    }
  }

  private static void require(KernelFeatures.Feature f) {
    if (!f.available()) {
      throw new UnsupportedHostException(f.name(), String.valueOf(f.unavailabilityCause()),
          f.name() + " is not available: " + f.unavailabilityCause());
    }
  }

  /** Fails early, before anything is created, when the host lacks what the spec needs. */
  private static void requireHost(ContainerSpec spec) {
    NativeHelper helper = NativeHelper.get();
    if (!helper.isAvailable()) {
      throw new UnsupportedHostException("the native helper", String.valueOf(helper.unavailabilityCause()),
          "cannot start containers: " + helper.unavailabilityCause());
    }
    if (spec.namespaces().contains(Namespace.USER)) {
      require(KernelFeatures.userNamespaces());
    }
    if (spec.namespaces().contains(Namespace.TIME)) {
      require(KernelFeatures.timeNamespace());
    }
    // Read-only roots and binds use mount_setattr(2) (Linux 5.12), which keeps locked mount flags.
    require(KernelFeatures.mountSetattr());
    if (!spec.namespaces().contains(Namespace.USER) && !spec.privileged()) {
      // Without a user namespace a capability this process lacks cannot be given (privileged()
      // means "all that can be had", so it takes what there is).
      java.util.Set<dev.containerj.namespaces.Capability> missing = CallerCapabilities.missing(spec.capabilities());
      if (!missing.isEmpty()) {
        throw new UnsupportedHostException("capabilities " + missing, "this process lacks them", "capabilities "
            + missing + " were asked for, but without a user "
            + "namespace the container can only have those of this process, which lacks them");
      }
    }
  }

  /**
   * The first host id of the range that a container of a root JVM is mapped to by default (the
   * precedent of containers/storage's automatic user namespaces): container ids 0-65535 are host ids
   * {@code 2147483647..}, which own nothing on the host. The container's root is then no one on the
   * host: it cannot read the host's root-only files through the default root filesystem, nor use its
   * root-owned sockets. {@code IdMapping.identity()} in the spec opts out (root is then host root,
   * confined by capabilities and seccomp only).
   */
  public static final long ROOT_ID_BASE = Long.getLong("containerj.rootIdBase", 2147483647L);
  public static final long ROOT_ID_COUNT = 65536;

  /**
   * The default map of a root JVM, whatever the root: ids 0-65535 go to an unused host range, so the
   * container's root is no one on the host. With the host identity map, a container given
   * CAP_SYS_ADMIN could reach host-global files (kernel.core_pattern once /proc/sys is gone, a
   * cgroup v1 hierarchy's limits) as the host's root. An image's or directory root's files, owned by
   * host ids, are shown to it through idmapped mounts.
   */
  private static IdMapping rootDefault(ContainerSpec spec, RuntimeConfig config) {
    return new IdMapping(0, config.rootIdBase(), config.rootIdCount());
  }

  /**
   * The bridge that {@code spec} joins: its own, or the runtime's default bridge when it names the
   * built-in default ({@code containerj0}).
   */
  static String bridgeOf(ContainerSpec spec, RuntimeConfig config) {
    return NetKind.bridge(spec).equals(dev.containerj.net.BridgeNetwork.DEFAULT_BRIDGE) ? config.defaultBridge() : NetKind.bridge(spec);
  }

  /**
   * Default: as root, {@link #rootDefault}; rootless, the payload's uid maps to the caller's own.
   */
  public static List<IdMapping> uidMappings(ContainerSpec spec, boolean rootless) {
    RuntimeConfig d = defaultConfig();
    return uidMappings(spec, new RuntimeConfig(d.store(), rootless ? LibC.geteuid() : 0, d.egid(), d.cgroups(),
        d.rootIdBase(), d.rootIdCount(), d.defaultBridge(), d.reapOnStart()));
  }

  public static List<IdMapping> gidMappings(ContainerSpec spec, boolean rootless) {
    RuntimeConfig d = defaultConfig();
    return gidMappings(spec, new RuntimeConfig(d.store(), rootless ? LibC.geteuid() : 0, d.egid(), d.cgroups(),
        d.rootIdBase(), d.rootIdCount(), d.defaultBridge(), d.reapOnStart()));
  }

  static List<IdMapping> uidMappings(ContainerSpec spec, RuntimeConfig config) {
    if (!spec.uidMappings().isEmpty()) {
      return spec.uidMappings();
    }
    return config.rootless() ? List.of(IdMapping.single(spec.uid(), config.euid())) : List.of(rootDefault(spec, config));
  }

  static List<IdMapping> gidMappings(ContainerSpec spec, RuntimeConfig config) {
    if (!spec.gidMappings().isEmpty()) {
      return spec.gidMappings();
    }
    return config.rootless() ? List.of(IdMapping.single(spec.gid(), config.egid())) : List.of(rootDefault(spec, config));
  }

  private static String newId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
