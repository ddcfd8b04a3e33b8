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
 *
 * <p>The options are {@link RunOption}'s (one definition for picocli's model and the fast parser);
 * this annotation gives only the command's name and help text, and {@link #commandLine()} adds the
 * options and the standard help options after them.
 */
@Command(name = "run", versionProvider = VersionProvider.class, sortOptions = false,
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

  // The values of the options of RunOption (its constants define names, help and kind; set()
  // stores each here).
  @Nullable Path rootfs;
  boolean rootfsWritable;
  boolean readOnly;
  @Nullable String hostname;
  List<String> env = new ArrayList<>();
  @Nullable String workdir;
  @Nullable String user;
  List<String> volumes = new ArrayList<>();
  List<String> tmpfs = new ArrayList<>();
  @Nullable String tmpfsSize;
  @Nullable String network;
  List<String> publish = new ArrayList<>();
  @Nullable String ip;
  List<String> dns = new ArrayList<>();
  List<String> addHosts = new ArrayList<>();
  @Nullable String image;
  String pull = "missing";
  @Nullable String timeout;
  boolean interactive;
  boolean tty;
  boolean init;
  List<String> ulimits = new ArrayList<>();
  List<String> capAdd = new ArrayList<>();
  List<String> capDrop = new ArrayList<>();
  @Nullable String memory;
  @Nullable String memorySwap;
  @Nullable Double cpus;
  @Nullable Long cpuWeight;
  @Nullable String pidsLimit;
  @Nullable String cpusetCpus;
  List<String> deviceReadBps = new ArrayList<>();
  List<String> deviceWriteBps = new ArrayList<>();
  List<String> securityOpts = new ArrayList<>();
  @Nullable String userns;
  boolean hardened;
  boolean privileged;
  /** Test hook, see {@link RunOption#PIPE_OUTPUT}. */
  boolean pipeOutput;
  boolean detach;
  List<String> command = new ArrayList<>();

  /** Where this command writes; picocli's writers, or the process's on the fast path. */
  PrintWriter out = new PrintWriter(System.out, true);
  PrintWriter err = new PrintWriter(System.err, true);
  /** The tool's whole command line, kept by {@code -d} for a later {@code exec}. */
  List<String> originalArgs = List.of();

  /**
   * Stores one value of {@code option}: a flag's {@code Boolean}, one string of a value or list
   * option (a list option's strings one call each), picocli's number of a typed one, one operand.
   */
  void set(RunOption option, Object value) {
    String text = value.toString();
    switch (option) {
      case ROOTFS -> rootfs = Path.of(text); // argv holds no NUL, the one name Path.of refuses
      case ROOTFS_RW -> rootfsWritable = (Boolean) value;
      case READ_ONLY -> readOnly = (Boolean) value;
      case HOSTNAME -> hostname = text;
      case ENV -> env.add(text);
      case WORKDIR -> workdir = text;
      case USER -> user = text;
      case VOLUME -> volumes.add(text);
      case TMPFS -> tmpfs.add(text);
      case TMPFS_SIZE -> tmpfsSize = text;
      case NETWORK -> network = text;
      case PUBLISH -> publish.add(text);
      case IP -> ip = text;
      case DNS -> dns.add(text);
      case ADD_HOST -> addHosts.add(text);
      case IMAGE -> image = text;
      case PULL -> pull = text;
      case TIMEOUT -> timeout = text;
      case INTERACTIVE -> interactive = (Boolean) value;
      case TTY -> tty = (Boolean) value;
      case INIT -> init = (Boolean) value;
      case ULIMIT -> ulimits.add(text);
      case CAP_ADD -> capAdd.add(text);
      case CAP_DROP -> capDrop.add(text);
      case MEMORY -> memory = text;
      case MEMORY_SWAP -> memorySwap = text;
      case CPUS -> cpus = (Double) value;
      case CPU_WEIGHT -> cpuWeight = (Long) value;
      case PIDS_LIMIT -> pidsLimit = text;
      case CPUSET_CPUS -> cpusetCpus = text;
      case DEVICE_READ_BPS -> deviceReadBps.add(text);
      case DEVICE_WRITE_BPS -> deviceWriteBps.add(text);
      case SECURITY_OPT -> securityOpts.add(text);
      case USERNS -> userns = text;
      case HARDENED -> hardened = (Boolean) value;
      case PRIVILEGED -> privileged = (Boolean) value;
      case PIPE_OUTPUT -> pipeOutput = (Boolean) value;
      case DETACH -> detach = (Boolean) value;
      case COMMAND -> command.add(text);
    }
  }

  /** Where {@code -e NAME} looks up values; tests replace it. */
  Function<String, @Nullable String> hostEnv = System::getenv;

  /**
   * picocli's way in: the options it matched become this command's values ({@link RunOption}
   * defines them), then {@link #run()}.
   */
  @Override
  public Integer call() throws InterruptedException {
    picocli.CommandLine cl = commandSpec().commandLine();
    RunOption.copyMatched(cl.getParseResult(), this);
    out = cl.getOut();
    err = cl.getErr();
    originalArgs = cl.getParseResult().originalArgs();
    return run();
  }

  /**
   * The picocli command line of {@code run}: the annotated command (name, help text) with the
   * options of {@link RunOption}, parsing stopping at the first operand.
   */
  static picocli.CommandLine commandLine() {
    picocli.CommandLine cl = new picocli.CommandLine(new RunCommand());
    CommandSpec spec = cl.getCommandSpec();
    RunOption.addTo(spec);
    // After the options, as the annotation's mixinStandardHelpOptions placed them in the help.
    spec.mixinStandardHelpOptions(true);
    cl.setStopAtPositional(true);
    return cl;
  }

  /**
   * {@code args} (the options and operands after {@code run}) parsed by the fast parser, else by
   * picocli (which throws its ParameterException for a bad one); warnings go to {@code err}.
   */
  static RunCommand parse(List<String> args, PrintWriter err) {
    RunCommand fast = new RunCommand();
    if (!RunOption.fastParse(args, 0, fast)) {
      picocli.CommandLine cl = commandLine();
      RunOption.copyMatched(cl.parseArgs(args.toArray(String[]::new)), fast = (RunCommand) cl.getCommand());
    }
    fast.err = err;
    return fast;
  }

  /** Runs the container these options describe, in the foreground unless {@code -d}; its exit status. */
  int run() throws InterruptedException {
    ContainerSpec containerSpec = toSpec();
    Duration limit = timeout == null ? null : OptionParsers.duration("--timeout", timeout);
    if (detach) {
      return LifecycleCommands.runDetached(containerSpec, interactive || tty, timeout != null, out, originalArgs);
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
      err.println("containerj: WARNING: --privileged: every capability, "
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
          err.println("containerj: WARNING: --userns host: the container's "
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
        err.println("containerj: neither pasta (Debian: passt) nor slirp4netns is "
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
