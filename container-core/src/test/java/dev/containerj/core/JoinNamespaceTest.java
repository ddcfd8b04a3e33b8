package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.core.internal.JoinedNamespaces;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers that join existing namespaces by path ({@link ContainerSpec.Builder#joinNamespace}), as
 * a Kubernetes pod's containers join their sandbox's: what the kernel shows inside, and the paths that
 * must be refused.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class JoinNamespaceTest {
  private static final boolean ROOT = LibC.geteuid() == 0;

  private static void requireRoot() {
    Assumptions.assumeTrue(ROOT, "joining another container's namespaces needs CAP_SYS_ADMIN over them and in "
        + "the caller's user namespace (setns(2)): root");
  }

  /** The sandbox of a pod: a sleep with a hostname of its own. */
  private static Container sandbox() {
    return Container.start(ContainerSpec.builder().command("sleep", "100").hostname("podsandbox").build());
  }

  private static String ns(int pid, String type) throws Exception {
    return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type)).toString();
  }

  private static Run.Result inside(ContainerSpec.Builder b) throws Exception {
    return Run.run(b.stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
  }

  private static final String SHOW = "readlink /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/uts /proc/self/ns/pid; "
      + "hostname; tr '\\0' ' ' < /proc/1/cmdline; echo";

  @Test
  void aContainerJoinsAnothersNetIpcUtsAndPidNamespacesByPath() throws Exception {
    requireRoot();
    try (Container a = sandbox()) {
      int pid = a.pid();
      ContainerSpec.Builder b = Run.sh(SHOW);
      for (Namespace n : List.of(Namespace.NET, Namespace.IPC, Namespace.UTS, Namespace.PID)) {
        b.joinNamespace(n, Path.of("/proc/" + pid + "/ns/" + n.procName()));
      }
      Run.Result r = inside(b);
      assertThat(r.status().code()).as(r.err()).isZero();
      List<String> lines = r.out().lines().toList();
      // The kernel's own names of the namespaces: the sandbox's, not new ones and not the host's.
      assertThat(lines.subList(0, 4)).containsExactly(ns(pid, "net"), ns(pid, "ipc"), ns(pid, "uts"), ns(pid, "pid"));
      assertThat(ns(pid, "net")).isNotEqualTo(ns(LibC.getpid(), "net"));
      assertThat(lines.get(4)).isEqualTo("podsandbox");
      // Its pid 1 is the sandbox's sleep: the joined pid namespace's processes, seen through a fresh /proc.
      assertThat(lines.get(5).trim()).isEqualTo("sleep 100");
      assertThat(a.isRunning()).isTrue();
    }
  }

  /**
   * A process exec'd into the joining container (kubectl exec into a pod's app container) is in the
   * sandbox's network namespace too: the joined namespaces, which the container's own user namespace
   * has no privilege over, are joined before it.
   */
  @Test
  void anExecIntoTheJoiningContainerIsInTheJoinedNamespaces() throws Exception {
    requireRoot();
    try (Container a = sandbox();
        Container b = Container.start(ContainerSpec.builder().command("sleep", "100")
            .joinNamespace(Namespace.NET, Path.of("/proc/" + a.pid() + "/ns/net"))
            .joinNamespace(Namespace.UTS, Path.of("/proc/" + a.pid() + "/ns/uts")).build());
        ExecProcess p = b.exec(ProcessSpec.builder().command("sh", "-c", "readlink /proc/self/ns/net; hostname")
            .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build())) {
      String out = new String(p.stdout().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      String err = new String(p.stderr().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.waitFor().code()).as(err).isZero();
      assertThat(out).isEqualTo(ns(a.pid(), "net") + "\npodsandbox\n");
    }
  }

  @Test
  void aJoinedPidNamespaceIsRefusedWithInitAndAJoinedNetWithANetworkOfItsOwn() {
    Path p = Path.of("/proc/self/ns/pid");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").init(true).joinNamespace(Namespace.PID, p).build())
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("init").hasMessageContaining("pid 1");
    Path net = Path.of("/proc/self/ns/net");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").joinNamespace(Namespace.NET, net)
        .network(Network.userMode()).build())
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("joinNamespace[NET]")
        .hasMessageContaining(net.toString()).hasMessageContaining("cannot be combined with network");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").joinNamespace(Namespace.NET, net)
        .publish("8080:80").build())
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("cannot be combined with ports");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").joinNamespace(Namespace.NET, Path.of("relative")).build())
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("must be an absolute path");
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").joinNamespace(Namespace.USER,
        Path.of("/proc/self/ns/user")).build())
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("joinNamespace[USER]")
        .hasMessageContaining("is not supported");
  }

  /** The JVM's own mount namespace (the host's tree) is never joined: mount joins are refused. */
  @Test
  void theJvmsMountNamespaceIsRefused() {
    assertThatThrownBy(() -> ContainerSpec.builder().command("true").joinNamespace(Namespace.MOUNT,
        Path.of("/proc/self/ns/mnt")).build())
        .isInstanceOf(SpecValidationException.class)
        .hasMessageContaining("joinNamespace[MOUNT] is not supported").hasMessageContaining("/proc/self/ns/mnt");
  }

  /**
   * A regular file, or a namespace file of another type, is refused by the start before anything is
   * made. Protection off (unchecked type, setns with nstype 0): the ipc namespace given as NET is
   * joined as what it is, and the container, with no network namespace of its own, runs in the
   * host's.
   */
  @Test
  void aPathThatIsNotANamespaceOfTheTypeIsRefused(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("net"), "not a namespace");
    assertThatThrownBy(() -> Container.start(Run.sh("true").joinNamespace(Namespace.NET, file).build()))
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("joinNamespace[NET] must be a namespace file")
        .hasMessageContaining(file.toString());
    Path ipc = Path.of("/proc/" + LibC.getpid() + "/ns/ipc");
    assertThatThrownBy(() -> Container.start(Run.sh("true").joinNamespace(Namespace.NET, ipc).build()))
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("joinNamespace[NET] must be a net namespace, but it is a ipc namespace: " + ipc);
    assertThatThrownBy(() -> Container.start(Run.sh("true").joinNamespace(Namespace.NET, dir).build()))
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("not a directory, fifo");
    assertThat(ContainerRuntime.defaults().list()).isEmpty();
    requireRoot();
    JoinedNamespaces.typeUnchecked = true;
    try {
      Run.Result off = inside(Run.sh("readlink /proc/self/ns/net").joinNamespace(Namespace.NET, ipc));
      assertThat(off.out().trim()).as(off.err()).isEqualTo(ns(LibC.getpid(), "net"));
    } finally {
      JoinedNamespaces.typeUnchecked = false;
    }
  }

  /**
   * The join goes through the descriptor that was checked: a symbolic link pointed at the host's
   * network namespace after the check changes nothing. Protection off (the helper opens the path
   * again): the container runs in the host's network namespace.
   */
  @Test
  void aPathSwappedAfterTheCheckIsNotFollowed(@TempDir Path dir) throws Exception {
    requireRoot();
    try (Container a = sandbox()) {
      Path link = dir.resolve("netns");
      Path host = Path.of("/proc/" + LibC.getpid() + "/ns/net"); // the JVM's: the host's here
      String hostNet = ns(LibC.getpid(), "net");
      String[] seen = new String[2];
      for (int off = 0; off < 2; off++) {
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of("/proc/" + a.pid() + "/ns/net"));
        JoinedNamespaces.afterOpen = () -> {
          try {
            Files.delete(link);
            Files.createSymbolicLink(link, host);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
        JoinedNamespaces.joinByPath = off == 1;
        try {
          Run.Result r = inside(Run.sh("readlink /proc/self/ns/net").joinNamespace(Namespace.NET, link));
          seen[off] = r.out().trim();
        } finally {
          JoinedNamespaces.afterOpen = null;
          JoinedNamespaces.joinByPath = false;
        }
      }
      assertThat(seen[0]).isEqualTo(ns(a.pid(), "net")).isNotEqualTo(hostNet);
      assertThat(seen[1]).as("protection off: the swapped path is followed").isEqualTo(hostNet);
    }
  }

  /**
   * A join that cannot be made fails the start: the container never falls back to a namespace of
   * its own or to the host's. Here the sandbox has exited, so its path names nothing.
   */
  @Test
  void aNamespaceThatIsGoneFailsTheStartInsteadOfFallingBack() throws Exception {
    requireRoot();
    int pid;
    try (Container a = sandbox()) {
      pid = a.pid();
    }
    LeakCheck.drainTeardown();
    Path gone = Path.of("/proc/" + pid + "/ns/net");
    Assumptions.assumeFalse(Files.exists(gone), "pid " + pid + " was reused at once");
    assertThatThrownBy(() -> Container.start(Run.sh("true").joinNamespace(Namespace.NET, gone).build()))
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("joinNamespace[NET] must be a namespace file").hasMessageContaining(gone.toString());
    assertThat(ContainerRuntime.defaults().list()).isEmpty();
  }

  /** The host's network namespace is joined when asked for by its path, and only then. */
  @Test
  void theHostsNetworkNamespaceIsJoinedOnlyWhenAskedFor() throws Exception {
    requireRoot();
    Run.Result own = inside(Run.sh("readlink /proc/self/ns/net"));
    String host = ns(LibC.getpid(), "net");
    assertThat(own.out().trim()).isNotEqualTo(host);
    Run.Result joined = inside(Run.sh("readlink /proc/self/ns/net").joinNamespace(Namespace.NET,
        Path.of("/proc/" + LibC.getpid() + "/ns/net")));
    assertThat(joined.out().trim()).as(joined.err()).isEqualTo(host);
  }

  /**
   * An ordinary user's container cannot join a namespace that it does not own (here the host's
   * network namespace, which it may open as its own process's): the kernel refuses the setns(2) with
   * EPERM, the start fails with that step and errno, and nothing is left.
   */
  @Test
  void aRootlessContainerCannotJoinANamespaceItDoesNotOwn() {
    Assumptions.assumeFalse(ROOT, "the host's root may join every namespace");
    Path net = Path.of("/proc/" + LibC.getpid() + "/ns/net");
    assertThatThrownBy(() -> Container.start(Run.sh("true").joinNamespace(Namespace.NET, net).build()))
        .isInstanceOfSatisfying(ContainerStartException.class, e -> {
          assertThat(e.errno()).hasValue(1); // EPERM
          assertThat(e.getMessage()).contains(net.toString());
        });
    assertThat(ContainerRuntime.defaults().list()).isEmpty();
  }
}
