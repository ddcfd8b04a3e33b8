package dev.containerj.examples.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * runc's command line, parsed by hand: a fixed set of global flags, a command, its flags and its
 * positional arguments. No reflection and no command model, so that a call costs little more than
 * the JVM's start (containerd runs the runtime several times per container).
 *
 * <p>Flags take {@code --name value} or {@code --name=value}; runc's single-dash spellings
 * ({@code -b}, {@code -d}, {@code -a}, {@code -f}, {@code -t}, {@code -p}) are accepted too.
 */
final class RuntimeArgs {
  /** Global flags that take a value. */
  private static final Set<String> GLOBAL_VALUE = Set.of("root", "log", "log-format", "criu", "rootless");
  /** Global flags without a value. */
  private static final Set<String> GLOBAL_BOOL = Set.of("debug", "systemd-cgroup", "version", "help");
  /** Command flags that take a value. */
  private static final Set<String> VALUE = Set.of("bundle", "pid-file", "console-socket", "preserve-fds",
      "process", "format", "resources", "signal", "cwd", "env", "user", "process-label", "apparmor", "cap");
  private static final Map<String, String> SHORT = Map.of("b", "bundle", "d", "detach", "a", "all",
      "f", "force", "t", "tty", "p", "process", "e", "env", "u", "user", "v", "version", "h", "help");

  final Map<String, String> globals = new LinkedHashMap<>();
  String command = "";
  final Map<String, String> flags = new LinkedHashMap<>();
  final List<String> positional = new ArrayList<>();

  /**
   * Parses argv.
   *
   * @throws IllegalArgumentException naming the flag that is unknown or lacks its value
   */
  static RuntimeArgs parse(String[] argv) {
    RuntimeArgs a = new RuntimeArgs();
    int i = 0;
    for (; i < argv.length && argv[i].startsWith("-"); i++) {
      String[] kv = split(argv[i]);
      if (GLOBAL_BOOL.contains(kv[0])) {
        a.globals.put(kv[0], kv[1] == null ? "true" : kv[1]);
      } else if (GLOBAL_VALUE.contains(kv[0])) {
        a.globals.put(kv[0], kv[1] != null ? kv[1] : value(argv, ++i, kv[0]));
      } else {
        throw new IllegalArgumentException("unknown global flag: " + argv[i]);
      }
    }
    if (i < argv.length) {
      a.command = argv[i++];
    }
    for (; i < argv.length; i++) {
      if (argv[i].equals("--")) {
        a.positional.addAll(List.of(argv).subList(i + 1, argv.length));
        break;
      }
      if (!argv[i].startsWith("-") || argv[i].equals("-")) {
        a.positional.add(argv[i]);
        continue;
      }
      String[] kv = split(argv[i]);
      if (VALUE.contains(kv[0])) {
        a.flags.put(kv[0], kv[1] != null ? kv[1] : value(argv, ++i, kv[0]));
      } else {
        a.flags.put(kv[0], kv[1] == null ? "true" : kv[1]);
      }
    }
    return a;
  }

  private static String[] split(String arg) {
    String name = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
    name = SHORT.getOrDefault(name, name);
    int eq = name.indexOf('=');
    return eq < 0 ? new String[] {name, null} : new String[] {name.substring(0, eq), name.substring(eq + 1)};
  }

  private static String value(String[] argv, int i, String flag) {
    if (i >= argv.length) {
      throw new IllegalArgumentException("flag --" + flag + " needs a value");
    }
    return argv[i];
  }

  boolean flag(String name) {
    String v = flags.get(name);
    return v != null && !v.equals("false");
  }

  /** The one positional container id. */
  String id() {
    if (positional.isEmpty()) {
      throw new IllegalArgumentException(command + " needs a container id");
    }
    String id = positional.get(0);
    // runc's rule: the id names a directory of the state root, so no '/', no "..", no odd bytes.
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9_+.-]{0,1023}") || id.contains("..")) {
      throw new IllegalArgumentException("container id must be letters, digits, '_', '+', '.', '-' "
          + "(starting with a letter or digit, no \"..\"): " + id);
    }
    return id;
  }
}
