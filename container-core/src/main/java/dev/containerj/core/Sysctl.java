package dev.containerj.core;

import dev.containerj.namespaces.Namespace;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which kernel parameters ({@code sysctl}, proc(5) {@code /proc/sys}) a container may set: only
 * those that belong to a namespace the container has of its own, so that the write changes the
 * container and never the host. A parameter outside a namespace (kernel.panic, vm.*, fs.*) is one
 * value for the whole machine. The same rule as runc's (libcontainer's validator) and the kernel's
 * split of the tables (Documentation/admin-guide/sysctl/). The uts parameters are left out: the
 * process that writes the parameters (the one that assembles the root) is in the container's
 * network and ipc namespaces but not yet in its uts namespace.
 */
public final class Sysctl {
  /** Dotted names of letters, digits, '_' and '-': no '/' and no ".." that could leave /proc/sys. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
  /** The IPC namespace's parameters (ipc_namespaces(7), Documentation/admin-guide/sysctl/kernel.rst). */
  private static final Set<String> IPC = Set.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

  /** The rule as the refusals state it. */
  public static final String RULE = "only a namespaced parameter of a namespace the container has of its own "
      + "may be set: net.* with a private network namespace, kernel.shm*/msg*/sem and fs.mqueue.* with a "
      + "private ipc namespace (any other would change the host's value; kernel.hostname/domainname are "
      + "not written this way: ContainerSpec's hostname sets them in the container's uts namespace)";

  private Sysctl() {}

  /**
   * Why {@code name} may not be set in a container with {@code namespaces} and {@code network}.
   *
   * @param name the dotted parameter name
   * @param value its value
   * @param namespaces the container's own namespaces
   * @param network the container's network (a network namespace shared with another
   *     container is not its own)
   * @return the rule it breaks, or empty when it may be set
   */
  public static Optional<String> refusal(String name, String value, Set<Namespace> namespaces, Network network) {
    if (!NAME.matcher(name).matches()) {
      return Optional.of("must be a dotted name of letters, digits, '_' and '-'");
    }
    if (value.indexOf('\0') >= 0) {
      return Optional.of("the value must not contain a NUL byte");
    }
    boolean ok;
    if (name.startsWith("net.")) {
      ok = namespaces.contains(Namespace.NET) && !(network instanceof Network.Host) && !(network instanceof Network.SharedWith);
    } else if (IPC.contains(name) || name.startsWith("fs.mqueue.")) {
      ok = namespaces.contains(Namespace.IPC);
    } else {
      ok = false;
    }
    return ok ? Optional.empty() : Optional.of(RULE);
  }

  /**
   * {@return the file of {@code name} below {@code /proc/sys} ({@code net/ipv4/ping_group_range})}
   *
   * @param name a dotted name that {@link #refusal} accepts
   */
  public static String file(String name) {
    return "/proc/sys/" + name.replace('.', '/');
  }
}
