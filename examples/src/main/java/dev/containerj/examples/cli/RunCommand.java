package dev.containerj.examples.cli;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.core.Container;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.Rlimit;
import dev.containerj.core.RootFs;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code containerj run [OPTIONS] [--] CMD [ARG...]}: runs one container in the foreground and exits
 * with its status, as {@code docker run} does.
 *
 * <p>Option parsing stops at the first operand, so {@code containerj run sh -c 'ls -l'} needs no
 * {@code --}. The container's stdout and stderr are this process's own (the container writes to fd 1
 * and 2 directly, with no copy through Java, unless they are a terminal: then through a pipe and a copy,
 * so that the container can neither read from nor reconfigure it); its stdin is /dev/null unless
 * {@code -i}. {@code -t} gives it a pty of its own, relayed by {@link TerminalRelay}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
    usageHelpAutoWidth = true,
    description = {"Runs CMD in a new container and exits with its status.",
        "Without --rootfs the root is the host's / under a writable overlay whose changes vanish",
        "when the container ends (--read-only: the host's / read-only), with a private /tmp."},
    footerHeading = "%nExit status:%n",
    footer = {"  CMD's own status, or 128+n when CMD was killed by signal n",
        "  124  --timeout expired (the container was killed)",
        "  125  containerj failed (bad option, invalid spec, a start step failed)",
        "  126  CMD cannot be executed",
        "  127  CMD was not found"})
final class RunCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Option(names = "--rootfs", paramLabel = "DIR",
      description = "Root filesystem: a directory (read-only unless --rootfs-rw). Default: the host's / under an overlay whose changes vanish.")
  @Nullable Path rootfs;

  @Option(names = "--rootfs-rw", description = "Let the container write to the --rootfs directory.")
  boolean rootfsWritable;

  @Option(names = "--read-only", description = "Mount the root filesystem read-only (the host's / with no overlay; the default for --rootfs).")
  boolean readOnly;

  @Option(names = "--hostname", paramLabel = "NAME", description = "Container hostname. Default: the first 12 digits of its id.")
  @Nullable String hostname;

  @Option(names = {"-e", "--env"}, paramLabel = "NAME[=VALUE]",
      description = "Set an environment variable; NAME alone copies it from this environment. The environment starts empty (PATH is set).")
  List<String> env = new ArrayList<>();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container. Default /.")
  @Nullable String workdir;

  @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "Numeric user (and group) inside the container. Default 0:0.")
  @Nullable String user;

  @Option(names = {"-v", "--volume"}, paramLabel = "HOST:CTR[:ro|rw]", description = "Bind-mount a host path into the container.")
  List<String> volumes = new ArrayList<>();

  @Option(names = "--tmpfs", paramLabel = "PATH[:size=N,ro]", description = "Mount an empty tmpfs at PATH.")
  List<String> tmpfs = new ArrayList<>();

  @Option(names = "--tmpfs-size", paramLabel = "BYTES", description = "Size limit of the private /tmp and of the "
      + "host root's writable layer, each, as 64m or 1g. Default 64m; a full one is ENOSPC in the container.")
  @Nullable String tmpfsSize;

  @Option(names = "--network", paramLabel = "MODE",
      description = "none (no interface up), loopback (lo up, the default), bridge (eth0 on containerj0), "
          + "bridge:NAME, container:ID (share another container's network), host (no isolation), or a user-mode "
          + "network: pasta, slirp4netns or user (the first installed), each with :allow_host_loopback=true to reach "
          + "the host's 127.0.0.1. As an ordinary user the default is user when pasta or slirp4netns is installed.")
  @Nullable String network;

  @Option(names = {"-p", "--publish"}, paramLabel = "[ADDR:]HOSTPORT:CTRPORT[/tcp|udp]",
      description = "Publish a container port on the host (127.0.0.1 unless ADDR), through a userspace proxy.")
  List<String> publish = new ArrayList<>();

  @Option(names = "--ip", paramLabel = "ADDR", description = "The container's address on its bridge.")
  @Nullable String ip;

  @Option(names = "--dns", paramLabel = "ADDR", description = "A name server for /etc/resolv.conf (bridge mode).")
  List<String> dns = new ArrayList<>();

  @Option(names = "--add-host", paramLabel = "NAME:ADDR", description = "An extra /etc/hosts line.")
  List<String> addHosts = new ArrayList<>();

  @Option(names = "--image", paramLabel = "REF",
      description = "Run on an OCI image: oci:DIR[:TAG], docker-archive:FILE, a registry reference (alpine, "
          + "host:port/name:tag) or an imported image's id. Imported or pulled into the layer store on first use; "
          + "its config gives the default command.")
  @Nullable String image;

  @Option(names = "--pull", paramLabel = "POLICY", description = "For a registry --image: always, missing (default) or never.")
  String pull = "missing";

  @Option(names = "--timeout", paramLabel = "DURATION",
      description = "Kill the container after DURATION (500ms, 10s, 2m) and exit 124, as timeout(1).")
  @Nullable String timeout;

  @Option(names = {"-i", "--interactive"}, description = "Give the container this process's stdin (else /dev/null). "
      + "A terminal is relayed through a pipe, never handed over.")
  boolean interactive;

  @Option(names = {"-t", "--tty"}, description = "Give the container a terminal of its own (a pty of its /dev/pts) "
      + "showing on this one; with -i this terminal is in raw mode until the container ends.")
  boolean tty;

  @Option(names = "--init", description = "Run a minimal init as pid 1 that forwards signals to the command and "
      + "reaps zombies (as docker run --init); without it the command is pid 1 and ignores signals it has no handler for.")
  boolean init;

  @Option(names = "--ulimit", paramLabel = "NAME=SOFT[:HARD]", description = "Set a resource limit, as nofile=1024:2048 (setrlimit(2)).")
  List<String> ulimits = new ArrayList<>();

  @Option(names = "--cap-add", paramLabel = "CAP", description = "Add a capability to the default set (NET_ADMIN, or ALL).")
  List<String> capAdd = new ArrayList<>();

  @Option(names = "--cap-drop", paramLabel = "CAP", description = "Drop a capability from the default set (or ALL).")
  List<String> capDrop = new ArrayList<>();

  @Option(names = {"-m", "--memory"}, paramLabel = "BYTES", description = "Memory limit, as 64m or 1g (cgroup memory.max).")
  @Nullable String memory;

  @Option(names = "--memory-swap", paramLabel = "BYTES",
      description = "Memory plus swap, as docker: equal to --memory for no swap, -1 for unlimited swap.")
  @Nullable String memorySwap;

  @Option(names = "--cpus", paramLabel = "N", description = "CPU quota in CPUs, as 0.5 or 1.5 (cgroup cpu.max).")
  @Nullable Double cpus;

  @Option(names = "--cpu-weight", paramLabel = "1-10000", description = "Relative CPU weight (cgroup cpu.weight; cpu.shares on v1).")
  @Nullable Long cpuWeight;

  @Option(names = "--pids-limit", paramLabel = "N", description = "Most processes and threads at once (cgroup pids.max);"
      + " unlimited (or -1) for no limit. Default 2048 where the host can enforce it (root, or a delegated cgroup).")
  @Nullable String pidsLimit;

  @Option(names = "--cpuset-cpus", paramLabel = "LIST", description = "CPUs the container may run on, as 0-1 or 0,2.")
  @Nullable String cpusetCpus;

  @Option(names = "--device-read-bps", paramLabel = "DEV:RATE", description = "Read rate limit of a block device, as /dev/vda:10m.")
  List<String> deviceReadBps = new ArrayList<>();

  @Option(names = "--device-write-bps", paramLabel = "DEV:RATE", description = "Write rate limit of a block device, as /dev/vda:10m.")
  List<String> deviceWriteBps = new ArrayList<>();

  @Option(names = "--security-opt", paramLabel = "OPT",
      description = "seccomp=FILE (Docker or OCI JSON profile), seccomp=unconfined, no-new-privileges=false.")
  List<String> securityOpts = new ArrayList<>();

  @Option(names = "--userns", paramLabel = "auto|host",
      description = "Id map of the container. auto (default): as root, the container's ids are an unused "
          + "host range (an image's or directory's files are shown through idmapped mounts), so its root cannot "
          + "read the host's root-only files; host: every id "
          + "is itself, so bind mounts of root-owned directories are writable (the container's root is then "
          + "the host's root, confined by capabilities and seccomp only).")
  @Nullable String userns;

  @Option(names = "--hardened", description = "For untrusted code: no capabilities, the hardened seccomp profile, "
      + "read-only root, no network, and small pids and memory limits unless given.")
  boolean hardened;

  @Option(names = "--privileged", description = "Turn the protections off: every capability, no seccomp filter, "
      + "no masked /proc paths. Says so on stderr.")
  boolean privileged;

  /**
   * Test hook: copy the container's stdout and stderr through Java to this command's writers instead
   * of handing it this process's fds 1 and 2, so that in-process tests can read them.
   */
  @Option(names = "--pipe-output", hidden = true)
  boolean pipeOutput;

  @Option(names = {"-d", "--detach"}, description = "Run in the background: print the container's id and leave it "
      + "running after this tool exits; its stdout and stderr go to a log file in the state directory (containerj logs ID).")
  boolean detach;

  @Parameters(paramLabel = "CMD", arity = "0..*", description = "The command and its arguments (with --image: default from the image).")
  List<String> command = new ArrayList<>();

  /** Where {@code -e NAME} looks up values; tests replace it. */
  Function<String, @Nullable String> hostEnv = System::getenv;

  @Override
  public Integer call() throws InterruptedException {
    ContainerSpec containerSpec = toSpec();
    Duration limit = timeout == null ? null : OptionParsers.duration("--timeout", timeout);
    PrintWriter out = commandSpec().commandLine().getOut();
    PrintWriter err = commandSpec().commandLine().getErr();
    if (detach) {
      return LifecycleCommands.runDetached(containerSpec, interactive || tty, timeout != null, out,
          commandSpec().commandLine().getParseResult().originalArgs());
    }

    Container container = Container.start(containerSpec);
    // SIGINT or SIGTERM to this JVM: take the container down with us, and its state record.
    Thread hook = new Thread(() -> container.close(), "containerj-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    List<Thread> pumps = new ArrayList<>();
    TerminalRelay terminal = null;
    try {
      if (tty && pipeOutput) {
        pumps.add(pump(container.stdout(), out, "tty"));
      } else if (tty) {
        terminal = TerminalRelay.start(container, interactive, System.in, System.out);
      } else if (pipeOutput) {
        pumps.add(pump(container.stdout(), out, "stdout"));
        pumps.add(pump(container.stderr(), err, "stderr"));
      }
      ExitStatus status;
      if (limit == null) {
        status = container.waitFor();
      } else {
        Optional<ExitStatus> done = container.waitFor(limit);
        if (done.isEmpty()) {
          container.close();
          joinAll(pumps);
          err.println("containerj: timed out after " + OptionParsers.format(limit) + ": container killed");
          err.flush();
          return ExitCodes.TIMED_OUT;
        }
        status = done.get();
      }
      // pid 1 has ended, so the kernel kills the rest of its pid namespace and the pipes reach EOF:
      // drain them before close(), which closes the pipes, waits for the rest and removes the state.
      joinAll(pumps);
      if (terminal != null) {
        terminal.drain();
      }
      if (status.oomKilled()) { // Container marks it from its cgroup's oom_kill count
        err.println("containerj: killed by the kernel's OOM killer: the container exceeded its memory limit"
            + containerSpec.limits().memoryMax().stream().mapToObj(b -> " (" + OptionParsers.formatBytes(b) + ")")
                .findFirst().orElse(""));
        err.flush();
      }
      container.close();
      return status.shellCode();
    } finally {
      container.close();
      if (terminal != null) {
        terminal.close(); // the caller's terminal gets its modes back
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or about to: nothing to remove.
      }
    }
  }

  /** The spec these options describe; throws IllegalArgumentException or SpecValidationException. */
  ContainerSpec toSpec() {
    ContainerSpec.Builder b = ContainerSpec.builder().command(command);
    if (image != null) {
      if (rootfs != null) {
        throw new IllegalArgumentException("--image and --rootfs contradict each other");
      }
      try {
        b.image(PullPolicy.image(image, pull));
      } catch (dev.containerj.core.ContainerException e) {
        throw new IllegalArgumentException("--image " + image + ": " + e.getMessage(), e);
      }
    } else if (command.isEmpty()) {
      throw new IllegalArgumentException("a command is required (or --image, whose config gives one)");
    }
    if (rootfs != null) {
      Path dir = rootfs.toAbsolutePath().normalize();
      if (rootfsWritable && readOnly) {
        throw new IllegalArgumentException("--read-only and --rootfs-rw contradict each other");
      }
      b.rootfs(rootfsWritable ? RootFs.writableDirectory(dir) : RootFs.directory(dir));
    } else if (rootfsWritable) {
      throw new IllegalArgumentException("--rootfs-rw needs --rootfs DIR (the host's / is writable by default, through an overlay)");
    }
    if (readOnly) {
      b.readOnlyRootfs();
    }
    b.hostname(hostname);
    for (String e : env) {
      Map.Entry<String, String> entry = OptionParsers.env(e, hostEnv);
      if (entry != null) {
        b.env(entry.getKey(), entry.getValue());
      }
    }
    if (workdir != null) {
      b.workingDirectory(workdir);
    }
    if (user != null) {
      OptionParsers.User u = OptionParsers.user(user);
      b.user(u.uid(), u.gid());
    }
    for (String v : volumes) {
      b.mount(OptionParsers.withOption("--volume", v, MountSpec::parseVolume));
    }
    for (String t : tmpfs) {
      b.mount(OptionParsers.tmpfs(t));
    }
    if (tmpfsSize != null) {
      b.tmpfsSize(OptionParsers.withOption("--tmpfs-size", tmpfsSize, CgroupLimits::parseBytes));
    }
    for (String u : ulimits) {
      b.rlimit(OptionParsers.withOption("--ulimit", u, Rlimit::parse));
    }
    if (hardened && privileged) {
      throw new IllegalArgumentException("--hardened and --privileged contradict each other");
    }
    if (hardened) {
      b.hardened(); // first, so that the options below may relax it
    }
    if (privileged) {
      b.privileged();
      commandSpec().commandLine().getErr().println("containerj: WARNING: --privileged: every capability, "
          + "no seccomp filter, no masked or read-only /proc paths");
    }
    // The payload's capabilities as these options make them (a Docker seccomp profile depends on them).
    java.util.Set<Capability> caps = privileged ? java.util.EnumSet.allOf(Capability.class)
        : hardened ? java.util.Set.of() : Capability.DEFAULT_SET;
    if (!capAdd.isEmpty() || !capDrop.isEmpty()) {
      caps = OptionParsers.capabilities(hardened ? java.util.Set.of() : Capability.DEFAULT_SET, capAdd, capDrop);
      b.capabilities(caps);
    }
    for (String opt : securityOpts) {
      OptionParsers.securityOpt(opt, b, caps);
    }
    if (userns != null) {
      switch (userns) {
        case "auto":
          break;
        case "host":
          if (dev.containerj.core.ContainerRuntime.defaults().host().rootless()) {
            break; // an ordinary user's container already is the user itself
          }
          b.uidMappings(List.of(dev.containerj.linux.IdMapping.identity()))
              .gidMappings(List.of(dev.containerj.linux.IdMapping.identity()));
          commandSpec().commandLine().getErr().println("containerj: WARNING: --userns host: the container's "
              + "root is the host's root, confined by capabilities and seccomp only");
          break;
        default:
          throw new IllegalArgumentException("--userns must be auto or host: " + userns);
      }
    }
    dev.containerj.core.@Nullable Network net = network == null ? null : OptionParsers.network(network);
    if (net != null) {
      if (ip != null) {
        if (!(net instanceof dev.containerj.core.Network.Bridge bridge)) {
          throw new IllegalArgumentException("--ip needs --network bridge or bridge:NAME: " + ip);
        }
        // The record keeps the text: the spec's validation names it when it is no address.
        net = new dev.containerj.core.Network.Bridge(bridge.name(), ip);
      }
      b.network(net);
    } else if (dev.containerj.core.ContainerRuntime.defaults().host().rootless()) {
      // An ordinary user's container reaches the network (and publishes ports) only through a
      // user-mode stack: the tool's default when one is installed, as in Podman.
      if (dev.containerj.core.Network.installedStack().isPresent()) {
        b.network(dev.containerj.core.Network.userMode());
      } else {
        commandSpec().commandLine().getErr().println("containerj: neither pasta (Debian: passt) nor slirp4netns is "
            + "installed: the container has only loopback" + (publish.isEmpty() ? "" : ", and cannot publish ports"));
      }
    }
    for (String p : publish) {
      b.publish(OptionParsers.withOption("--publish", p, dev.containerj.net.PortMapping::parse));
    }
    if (ip != null && net == null) {
      throw new IllegalArgumentException("--ip needs --network bridge or bridge:NAME: " + ip);
    }
    if (!dns.isEmpty()) {
      b.dns(dns);
    }
    for (String h : addHosts) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("--add-host must be NAME:ADDR: " + h);
      }
      b.addHost(h.substring(0, colon), h.substring(colon + 1));
    }
    // --hardened starts from the library's hardened limits (one set of numbers), which the options
    // below may change.
    CgroupLimits.Builder l = hardened ? ContainerSpec.Builder.HARDENED_LIMITS.toBuilder() : CgroupLimits.builder();
    boolean anyLimit = hardened;
    Long memoryMax = memory == null ? null : OptionParsers.withOption("--memory", memory, CgroupLimits::parseBytes);
    if (memoryMax == null && hardened) {
      memoryMax = ContainerSpec.Builder.HARDENED_LIMITS.memoryMax().orElseThrow();
    }
    if (memoryMax != null) {
      l.memoryMax(memoryMax);
      anyLimit = true;
    }
    if (memorySwap != null) {
      if (memoryMax == null) {
        throw new IllegalArgumentException("--memory-swap needs --memory (it is memory plus swap, as in docker)");
      }
      if (!memorySwap.equals("-1")) {
        long total = OptionParsers.withOption("--memory-swap", memorySwap, CgroupLimits::parseBytes);
        if (total < memoryMax) {
          throw new IllegalArgumentException("--memory-swap must be >= --memory (it is memory plus swap): " + memorySwap);
        }
        l.memorySwapMax(total - memoryMax);
      }
    }
    if (cpus != null) {
      l.cpus(cpus);
      anyLimit = true;
    }
    if (cpuWeight != null) {
      l.cpuWeight(cpuWeight);
      anyLimit = true;
    }
    Long pids = pidsLimit != null ? Long.valueOf(OptionParsers.pidsLimit(pidsLimit)) : null;
    if (pids != null) {
      l.pidsMax(pids);
      anyLimit = true;
    }
    if (cpusetCpus != null) {
      l.cpusetCpus(cpusetCpus);
      anyLimit = true;
    }
    for (String d : deviceReadBps) {
      l.ioLimit(OptionParsers.deviceRate("--device-read-bps", d, true));
      anyLimit = true;
    }
    for (String d : deviceWriteBps) {
      l.ioLimit(OptionParsers.deviceRate("--device-write-bps", d, false));
      anyLimit = true;
    }
    if (anyLimit) {
      b.limits(l.build());
    }
    b.init(init);
    if (tty) {
      // docker run -t: fds 0-2 are the pty's slave (stdin too, fed only with -i), sized as ours.
      int[] size = TerminalRelay.callerSize();
      Redirect terminal = size == null ? Redirect.tty() : Redirect.tty(size[0], size[1]);
      b.stdin(terminal).stdout(terminal).stderr(terminal);
    } else {
      b.stdin(interactive ? Redirect.INHERIT : Redirect.DISCARD);
      Redirect output = pipeOutput ? Redirect.PIPE : Redirect.INHERIT;
      b.stdout(output).stderr(output);
    }
    return b.build();
  }


  private CommandSpec commandSpec() {
    if (spec == null) {
      throw new IllegalStateException("run must be called through picocli");
    }
    return spec;
  }

  static Thread pump(@Nullable InputStream in, PrintWriter to, String name) {
    Thread t = new Thread(() -> {
      if (in == null) {
        return;
      }
      char[] buf = new char[8192];
      try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        for (int n; (n = r.read(buf)) > 0; ) {
          synchronized (to) {
            to.write(buf, 0, n);
            to.flush();
          }
        }
      } catch (IOException e) {
        // The pipe broke because the container was killed: what was read has been written.
      }
    }, "containerj-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void joinAll(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      t.join(5_000);
    }
  }
}
