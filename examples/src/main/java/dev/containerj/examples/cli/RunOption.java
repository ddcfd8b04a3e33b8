package dev.containerj.examples.cli;

import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * The options of {@code containerj run}: the one definition of each (names, label, help text, kind),
 * from which both parsers of {@code run} read.
 *
 * <p>picocli's model of {@code run} is built from these constants ({@link #addTo}), for the help, the
 * error messages and any command line the fast parser leaves to it. picocli builds a model from
 * annotations by reflection: annotation proxies (classes spun at run time, which no AOT cache
 * keeps) and generic field types, about 60 ms of a cold {@code containerj run} for 38 options.
 * {@link #fastParse} reads the same constants and takes only command lines whose meaning
 * is unambiguous; any other (an unknown option, {@code --help}, an {@code @file}, a value that
 * starts with {@code -}, a typed value, a repeated single-valued option) goes to picocli, whose
 * answer is the reference.
 */
enum RunOption {
  ROOTFS(Kind.VALUE, "DIR", "Root filesystem: a directory (read-only unless --rootfs-rw). Default: the host's / under an overlay whose changes vanish.", "--rootfs"),
  ROOTFS_RW(Kind.FLAG, "", "Let the container write to the --rootfs directory.", "--rootfs-rw"),
  READ_ONLY(Kind.FLAG, "", "Mount the root filesystem read-only (the host's / with no overlay; the default for --rootfs).", "--read-only"),
  HOSTNAME(Kind.VALUE, "NAME", "Container hostname. Default: the first 12 digits of its id.", "--hostname"),
  ENV(Kind.LIST, "NAME[=VALUE]",
      "Set an environment variable; NAME alone copies it from this environment. The environment starts empty (PATH is set).", "-e", "--env"),
  WORKDIR(Kind.VALUE, "DIR", "Working directory inside the container. Default /.", "-w", "--workdir"),
  USER(Kind.VALUE, "UID[:GID]", "Numeric user (and group) inside the container. Default 0:0.", "-u", "--user"),
  VOLUME(Kind.LIST, "HOST:CTR[:ro|rw]", "Bind-mount a host path into the container.", "-v", "--volume"),
  TMPFS(Kind.LIST, "PATH[:size=N,ro]", "Mount an empty tmpfs at PATH.", "--tmpfs"),
  TMPFS_SIZE(Kind.VALUE, "BYTES", "Size limit of the private /tmp and of the "
      + "host root's writable layer, each, as 64m or 1g. Default 64m; a full one is ENOSPC in the container.", "--tmpfs-size"),
  NETWORK(Kind.VALUE, "MODE",
      "none (no interface up), loopback (lo up, the default), bridge (eth0 on containerj0), "
          + "bridge:NAME, container:ID (share another container's network), host (no isolation), or a user-mode "
          + "network: pasta, slirp4netns or user (the first installed), each with :allow_host_loopback=true to reach "
          + "the host's 127.0.0.1. As an ordinary user the default is user when pasta or slirp4netns is installed.", "--network"),
  PUBLISH(Kind.LIST, "[ADDR:]HOSTPORT:CTRPORT[/tcp|udp]",
      "Publish a container port on the host (127.0.0.1 unless ADDR), through a userspace proxy.", "-p", "--publish"),
  IP(Kind.VALUE, "ADDR", "The container's address on its bridge.", "--ip"),
  DNS(Kind.LIST, "ADDR", "A name server for /etc/resolv.conf (bridge mode).", "--dns"),
  ADD_HOST(Kind.LIST, "NAME:ADDR", "An extra /etc/hosts line.", "--add-host"),
  IMAGE(Kind.VALUE, "REF",
      "Run on an OCI image: oci:DIR[:TAG], docker-archive:FILE, a registry reference (alpine, "
          + "host:port/name:tag) or an imported image's id. Imported or pulled into the layer store on first use; "
          + "its config gives the default command.", "--image"),
  PULL(Kind.VALUE, "POLICY", "For a registry --image: always, missing (default) or never.", "--pull"),
  TIMEOUT(Kind.VALUE, "DURATION", "Kill the container after DURATION (500ms, 10s, 2m) and exit 124, as timeout(1).", "--timeout"),
  INTERACTIVE(Kind.FLAG, "", "Give the container this process's stdin (else /dev/null). "
      + "A terminal is relayed through a pipe, never handed over.", "-i", "--interactive"),
  TTY(Kind.FLAG, "", "Give the container a terminal of its own (a pty of its /dev/pts) "
      + "showing on this one; with -i this terminal is in raw mode until the container ends.", "-t", "--tty"),
  INIT(Kind.FLAG, "", "Run a minimal init as pid 1 that forwards signals to the command and "
      + "reaps zombies (as docker run --init); without it the command is pid 1 and ignores signals it has no handler for.", "--init"),
  ULIMIT(Kind.LIST, "NAME=SOFT[:HARD]", "Set a resource limit, as nofile=1024:2048 (setrlimit(2)).", "--ulimit"),
  CAP_ADD(Kind.LIST, "CAP", "Add a capability to the default set (NET_ADMIN, or ALL).", "--cap-add"),
  CAP_DROP(Kind.LIST, "CAP", "Drop a capability from the default set (or ALL).", "--cap-drop"),
  MEMORY(Kind.VALUE, "BYTES", "Memory limit, as 64m or 1g (cgroup memory.max).", "-m", "--memory"),
  MEMORY_SWAP(Kind.VALUE, "BYTES",
      "Memory plus swap, as docker: equal to --memory for no swap, -1 for unlimited swap.", "--memory-swap"),
  /** Typed: left to picocli's converter (and its message for a bad number). */
  CPUS(Kind.DOUBLE, "N", "CPU quota in CPUs, as 0.5 or 1.5 (cgroup cpu.max).", "--cpus"),
  /** Typed: left to picocli's converter (and its message for a bad number). */
  CPU_WEIGHT(Kind.LONG, "1-10000", "Relative CPU weight (cgroup cpu.weight; cpu.shares on v1).", "--cpu-weight"),
  PIDS_LIMIT(Kind.VALUE, "N", "Most processes and threads at once (cgroup pids.max);"
      + " unlimited (or -1) for no limit. Default 2048 where the host can enforce it (root, or a delegated cgroup).", "--pids-limit"),
  CPUSET_CPUS(Kind.VALUE, "LIST", "CPUs the container may run on, as 0-1 or 0,2.", "--cpuset-cpus"),
  DEVICE_READ_BPS(Kind.LIST, "DEV:RATE", "Read rate limit of a block device, as /dev/vda:10m.", "--device-read-bps"),
  DEVICE_WRITE_BPS(Kind.LIST, "DEV:RATE", "Write rate limit of a block device, as /dev/vda:10m.", "--device-write-bps"),
  SECURITY_OPT(Kind.LIST, "OPT",
      "seccomp=FILE (Docker or OCI JSON profile), seccomp=unconfined, no-new-privileges=false.", "--security-opt"),
  USERNS(Kind.VALUE, "auto|host",
      "Id map of the container. auto (default): as root, the container's ids are an unused "
          + "host range (an image's or directory's files are shown through idmapped mounts), so its root cannot "
          + "read the host's root-only files; host: every id "
          + "is itself, so bind mounts of root-owned directories are writable (the container's root is then "
          + "the host's root, confined by capabilities and seccomp only).", "--userns"),
  HARDENED(Kind.FLAG, "", "For untrusted code: no capabilities, the hardened seccomp profile, "
      + "read-only root, no network, and small pids and memory limits unless given.", "--hardened"),
  PRIVILEGED(Kind.FLAG, "", "Turn the protections off: every capability, no seccomp filter, "
      + "no masked /proc paths. Says so on stderr.", "--privileged"),
  /**
   * Test hook: copy the container's stdout and stderr through Java to this command's writers instead
   * of handing it this process's fds 1 and 2, so that in-process tests can read them.
   */
  PIPE_OUTPUT(Kind.HIDDEN_FLAG, "", "", "--pipe-output"),
  DETACH(Kind.FLAG, "", "Run in the background: print the container's id and leave it "
      + "running after this tool exits; its stdout and stderr go to a log file in the state directory (containerj logs ID).",
      "-d", "--detach"),
  /** The operands, not an option: everything from the first one on (picocli's stop at positional). */
  COMMAND(Kind.OPERANDS, "CMD", "The command and its arguments (with --image: default from the image).");

  /** How an option takes its value. */
  enum Kind {
    /** No value; present or not. */
    FLAG,
    /** As FLAG, left out of the help (a test hook). */
    HIDDEN_FLAG,
    /** One string value, at most once. */
    VALUE,
    /** One string value per occurrence, repeatable. */
    LIST,
    /** One number, converted by picocli. */
    DOUBLE,
    /** One number, converted by picocli. */
    LONG,
    /** The operands. */
    OPERANDS
  }

  final Kind kind;
  final String label;
  final String description;
  final List<String> names;

  RunOption(Kind kind, String label, String description, String... names) {
    this.kind = kind;
    this.label = label;
    this.description = description;
    this.names = List.of(names);
  }

  /** The option that {@code name} names ({@code -e}, {@code --env}), or null. */
  static @Nullable RunOption named(String name) {
    for (RunOption o : values()) {
      if (o.names.contains(name)) {
        return o;
      }
    }
    return null;
  }

  /**
   * Parses {@code args} from index {@code from} on into {@code into} without picocli, and says
   * whether it could: false for a command line whose reading picocli must decide (an option not
   * here, {@code --help}, {@code --debug}, an {@code @file} anywhere, a value that is empty or starts
   * with {@code -} or {@code @}, a value attached to a short option, a flag given a value or twice,
   * a single-valued option given twice, a typed option). {@code into} is then half filled: use a new
   * one. The forms taken mean the same to picocli (RunOptionTest compares both on a corpus):
   * {@code --name VALUE}, {@code --name=VALUE}, {@code -n VALUE}, flags alone or clustered
   * ({@code -it}), {@code --} and the first operand ending the options.
   */
  static boolean fastParse(List<String> args, int from, RunCommand into) {
    java.util.EnumSet<RunOption> seen = java.util.EnumSet.noneOf(RunOption.class);
    for (int i = from; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.startsWith("@")) {
        return false; // picocli reads an argument file, wherever it is
      }
      if (arg.equals("--") || !arg.startsWith("-")) {
        int first = arg.equals("--") ? i + 1 : i;
        for (String operand : args.subList(first, args.size())) {
          if (operand.startsWith("@")) {
            return false;
          }
          into.set(COMMAND, operand);
        }
        return true;
      }
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        RunOption o = named(eq < 0 ? arg : arg.substring(0, eq));
        if (o == null) {
          return false;
        }
        String value = eq < 0 ? null : arg.substring(eq + 1);
        if (o.takesValue()) {
          if (value == null) {
            if (i + 1 == args.size()) {
              return false;
            }
            value = args.get(++i);
          }
          if (!o.take(value, seen, into)) {
            return false;
          }
        } else if (value != null || !o.flag(seen, into)) {
          return false;
        }
      } else if (arg.length() == 1) {
        return false; // "-": picocli's to judge
      } else if (arg.length() == 2) {
        RunOption o = named(arg);
        if (o == null) {
          return false;
        }
        if (o.takesValue()) {
          if (i + 1 == args.size() || !o.take(args.get(++i), seen, into)) {
            return false;
          }
        } else if (!o.flag(seen, into)) {
          return false;
        }
      } else {
        for (int c = 1; c < arg.length(); c++) { // a cluster of flags, -it
          RunOption o = named("-" + arg.charAt(c));
          if (o == null || o.takesValue() || !o.flag(seen, into)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /** True for the options with a value that the fast parser takes (strings). */
  private boolean takesValue() {
    return kind == Kind.VALUE || kind == Kind.LIST || kind == Kind.DOUBLE || kind == Kind.LONG;
  }

  /** Sets a flag, false if it is no flag or was set before (picocli refuses the second). */
  private boolean flag(java.util.Set<RunOption> seen, RunCommand into) {
    if (kind != Kind.FLAG && kind != Kind.HIDDEN_FLAG || !seen.add(this)) {
      return false;
    }
    into.set(this, Boolean.TRUE);
    return true;
  }

  /** Takes one string value, false where picocli must decide. */
  private boolean take(String value, java.util.Set<RunOption> seen, RunCommand into) {
    if (kind != Kind.VALUE && kind != Kind.LIST || value.isEmpty() || value.startsWith("-") || value.startsWith("@")
        || kind == Kind.VALUE && !seen.add(this)) {
      return false;
    }
    into.set(this, value);
    return true;
  }

  /** Adds every option and the operands to {@code spec}, picocli's model of {@code run}, in this order. */
  static void addTo(CommandSpec spec) {
    for (RunOption o : values()) {
      if (o.kind == Kind.OPERANDS) {
        spec.addPositional(PositionalParamSpec.builder().paramLabel(o.label).arity("0..*")
            .type(List.class).auxiliaryTypes(String.class).description(o.description).build());
        continue;
      }
      OptionSpec.Builder b = OptionSpec.builder(o.names.toArray(new String[0])).description(o.description);
      switch (o.kind) {
        case FLAG -> b.type(boolean.class);
        case HIDDEN_FLAG -> b.type(boolean.class).hidden(true);
        case VALUE -> b.type(String.class).paramLabel(o.label);
        case LIST -> b.type(List.class).auxiliaryTypes(String.class).paramLabel(o.label);
        case DOUBLE -> b.type(Double.class).paramLabel(o.label);
        case LONG -> b.type(Long.class).paramLabel(o.label);
        default -> throw new AssertionError(o.kind);
      }
      spec.addOption(b.build());
    }
  }

  /** Gives {@code command} the values that picocli matched on the command line of {@code parsed}. */
  static void copyMatched(ParseResult parsed, RunCommand command) {
    for (RunOption o : values()) {
      boolean matched;
      Object value;
      if (o.kind == Kind.OPERANDS) {
        PositionalParamSpec operands = parsed.commandSpec().positionalParameters().get(0);
        matched = parsed.hasMatchedPositional(operands);
        value = operands.getValue();
      } else {
        OptionSpec option = parsed.commandSpec().findOption(o.names.get(o.names.size() - 1));
        matched = option != null && parsed.hasMatchedOption(option);
        value = option == null ? null : option.getValue();
      }
      if (!matched || value == null) {
        continue;
      }
      if (value instanceof List<?> list) {
        for (Object element : list) {
          command.set(o, element);
        }
      } else {
        command.set(o, value);
      }
    }
  }
}
