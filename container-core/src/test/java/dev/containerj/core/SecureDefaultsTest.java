package dev.containerj.core;

import static dev.containerj.core.EscapeProbe.python;
import static dev.containerj.core.EscapeProbe.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The secure-by-default list of docs/design.md, one test per default: each asserts what the kernel shows in a
 * container with no security options, then relaxes that one default explicitly in the spec and
 * asserts that the kernel then shows something else, so that each test fails if its default goes
 * missing. Defaults tested elsewhere are named in {@code container-core/README-security.md}.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class SecureDefaultsTest {
  private static final List<String> NAMESPACES = List.of("user", "mnt", "pid", "uts", "ipc", "cgroup", "net");

  /** Run in a child JVM: starts a container (detached if args[0] says so), prints its pid, waits to be killed. */
  public static void main(String[] args) throws Exception {
    Container c = Container.start(ContainerSpec.builder().command("sleep", "1000")
        .detached(args[0].equals("detached")).build());
    System.out.println(c.pid());
    System.out.flush();
    Thread.sleep(600_000);
  }

  @Test
  void everyNamespaceButTheHostsIsNew() throws Exception {
    String script = "for ns in " + pyList(NAMESPACES) + ":\n    out(ns, os.readlink('/proc/self/ns/' + ns))\n";
    Map<String, String> on = run(script);
    for (String ns : NAMESPACES) {
      assertThat(on.get(ns)).as(ns).isNotEqualTo(hostNamespace(ns));
    }
    // Relaxed: only user and mount namespaces (an ordinary user needs the user namespace).
    Map<String, String> off = run(python(script).network(Network.host())
        .namespaces(EnumSet.of(Namespace.USER, Namespace.MOUNT)));
    for (String ns : List.of("pid", "uts", "ipc", "cgroup", "net")) {
      assertThat(off.get(ns)).as(ns).isEqualTo(hostNamespace(ns));
    }
  }

  @Test
  void networkIsLoopbackOnly() throws Exception {
    String script = """
        out('links', sorted(os.listdir('/sys/class/net')))
        out('lo_flags', open('/sys/class/net/lo/flags').read().strip())
        """;
    // IFF_UP | IFF_LOOPBACK
    assertThat(run(script)).containsEntry("links", "['lo']").containsEntry("lo_flags", "0x9");
    List<String> before = hostLinks();
    // Relaxed: the host's network.
    String off = run(python(script).network(Network.host())).get("links");
    // Other tests may add or remove links meanwhile: compare the links present before and after.
    List<String> stable = new ArrayList<>(before);
    stable.retainAll(hostLinks());
    assertThat(stable).as("links of this host").isNotEmpty();
    for (String link : stable) {
      assertThat(off).contains("'" + link + "'");
    }
  }

  private static List<String> hostLinks() throws Exception {
    try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void defaultCapabilitySet() throws Exception {
    String script = """
        for l in open('/proc/self/status'):
            if l.startswith('Cap'):
                k, v = l.split()
                out(k.rstrip(':'), v)
        """;
    long mask = 0;
    for (Capability c : Capability.DEFAULT_SET) {
      mask |= 1L << c.number();
    }
    // Docker's default set (a80425fb) without NET_RAW (bit 13), as Podman.
    String docker = String.format("%016x", mask);
    assertThat(docker).isEqualTo("00000000a80405fb");
    assertThat(run(script)).containsEntry("CapBnd", docker).containsEntry("CapEff", docker)
        .containsEntry("CapPrm", docker).containsEntry("CapInh", "0000000000000000")
        .containsEntry("CapAmb", "0000000000000000");
    // Relaxed: privileged, every capability (in the container's user namespace).
    assertThat(run(python(script).privileged())).containsEntry("CapBnd", EscapeTest.fullCapMask())
        .containsEntry("CapEff", EscapeTest.fullCapMask());
  }

  @Test
  void noNewPrivs() throws Exception {
    String script = "out('nnp', [l.split()[1] for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0])";
    assertThat(run(script)).containsEntry("nnp", "1");
    assertThat(run(python(script).noNewPrivileges(false))).containsEntry("nnp", "0");
  }

  @Test
  void defaultSeccompProfile() throws Exception {
    String script = """
        out('seccomp', [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0])
        out('filters', [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp_filters:')][0])
        out('keyctl', sc('keyctl', 0, -3, 0))
        """;
    // SECCOMP_MODE_FILTER with one filter; a call only the filter denies (the keyring is not
    // namespaced, so the kernel would allow it).
    assertThat(run(script)).containsEntry("seccomp", "2").containsEntry("filters", "1").containsEntry("keyctl", "EPERM");
    assertThat(run(python(script).seccomp(SeccompProfile.unconfined()))).containsEntry("seccomp", "0")
        .containsEntry("filters", "0").containsEntry("keyctl", "OK");
  }

  @Test
  void procSysAndFriendsAreReadOnly() throws Exception {
    String script = """
        for p in PATHS:
            if os.path.exists(p):
                out(p, 'ro' if os.statvfs(p).f_flag & os.ST_RDONLY else 'rw')
        """.replace("PATHS", pyList(ContainerSpec.DEFAULT_READONLY_PATHS));
    Map<String, String> on = run(script);
    Map<String, String> off = run(python(script).readonlyPaths(List.of()));
    assertThat(on).as("read-only paths present on this host").containsEntry("/proc/sys", "ro");
    on.forEach((path, mode) -> assertThat(mode).as(path).isEqualTo("ro"));
    assertThat(off.keySet()).isEqualTo(on.keySet());
    off.forEach((path, mode) -> assertThat(mode).as(path).isEqualTo("rw"));
  }

  @Test
  void devIsMinimal() throws Exception {
    String script = "out('dev', sorted(os.listdir('/dev')))";
    List<String> minimal = List.of("fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
        "stdin", "stdout", "tty", "urandom", "zero");
    assertThat(run(script)).containsEntry("dev", pyList(minimal));
    // Relaxed: the host's /dev bound over it shows the host's devices.
    List<String> hostDevices;
    try (Stream<Path> s = Files.list(Path.of("/dev"))) {
      hostDevices = s.map(p -> p.getFileName().toString()).filter(n -> !minimal.contains(n)).toList();
    }
    assertThat(hostDevices).as("devices of this host beyond the minimal set").isNotEmpty();
    String off = run(python(script).mount(MountSpec.bind(Path.of("/dev"), "/dev"))).get("dev");
    assertThat(off).contains("'" + hostDevices.get(0) + "'");
  }

  @Test
  void containerDiesWithItsOwnerUnlessDetached() throws Exception {
    // Attached (the default): the parent-death signal kills it when the owning JVM dies by kill -9.
    int attached = startInChildJvmAndKillIt("attached");
    assertThat(waitGone(attached, 10)).as("attached container pid %d gone after its owner died", attached).isTrue();
    // Relaxed: a detached container outlives its owner.
    int detached = startInChildJvmAndKillIt("detached");
    try {
      Thread.sleep(500);
      assertThat(waitGone(detached, 0)).as("detached container pid %d still alive", detached).isFalse();
    } finally {
      LibC.kill(detached, Constants.SIGKILL);
      // Reparented to the host's init: wait until it is reaped, not only a zombie, or the reaper
      // would still count it as a live detached container and keep its record.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (Files.exists(Path.of("/proc/" + detached)) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Container.reapOrphans();
    }
    assertThat(Container.list()).as("records of the two containers after the reaper")
        .noneMatch(i -> i.pid() == attached || i.pid() == detached);
  }

  // Only fds 0-2: EscapeTest.cve2024_21626_noFdOfTheJvmReachesThePayload.
  // Masked paths: EscapeTest.maskedFilesReadAsDevNullAndMaskedDirectoriesAreEmpty and kcoreIsMasked.

  private static int startInChildJvmAndKillIt(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // A small heap and serial GC: in the QEMU lane's small guest a second default JVM may not fit.
    Process jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", childClassPath(),
        "-Dcontainerj.stateDir=" + dev.containerj.core.internal.StateStore.forCurrentUser().root(),
        SecureDefaultsTest.class.getName(), mode).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    int pid;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      String first = String.valueOf(r.readLine()).trim();
      if (!first.matches("[0-9]+")) {
        // Not the container's pid: the child JVM failed (HotSpot prints a fatal error on stdout).
        StringBuilder rest = new StringBuilder(first);
        for (String line = r.readLine(); line != null && rest.length() < 8192; line = r.readLine()) {
          rest.append('\n').append(line);
        }
        throw new AssertionError("the child JVM printed no pid:\n" + rest);
      }
      pid = Integer.parseInt(first);
    } finally {
      jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
      assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    return pid;
  }

  /**
   * This JVM's class path for a child JVM: java.class.path, plus the URLs of the loader of this class
   * when it is not the system one (the JUnit console launcher loads the tests through its own).
   */
  static String childClassPath() throws Exception {
    List<String> parts = new ArrayList<>();
    if (SecureDefaultsTest.class.getClassLoader() instanceof java.net.URLClassLoader u) {
      for (java.net.URL url : u.getURLs()) {
        parts.add(Path.of(url.toURI()).toString());
      }
    }
    parts.add(System.getProperty("java.class.path"));
    return String.join(java.io.File.pathSeparator, parts);
  }

  /** Whether {@code pid} is gone (or a zombie) within {@code seconds}. */
  private static boolean waitGone(int pid, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    do {
      try {
        String stat;
        // A reader, not Files.readString: /proc files report size 0.
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/" + pid + "/stat"))) {
          stat = r.readLine();
        }
        if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
          return true;
        }
      } catch (Exception gone) {
        return true;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    return false;
  }

  private static String hostNamespace(String ns) throws Exception {
    return Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString();
  }

  private static String pyList(List<String> items) {
    List<String> quoted = new ArrayList<>();
    for (String i : items) {
      quoted.add("'" + i + "'");
    }
    return "[" + String.join(", ", quoted) + "]";
  }
}
