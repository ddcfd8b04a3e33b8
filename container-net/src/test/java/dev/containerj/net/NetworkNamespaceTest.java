package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
@org.junit.jupiter.api.extension.ExtendWith(RunNetnsCleanup.class)
class NetworkNamespaceTest {
  @BeforeEach
  void root() {
    TestNet.assumeRoot();
  }

  static long inodeOf(String path) throws IOException {
    return (Long) Files.getAttribute(Path.of(path), "unix:ino");
  }

  @Test
  void persistentNamespaceIsVisibleToIpNetnsAndDeleteRemovesIt() throws Exception {
    String name = TestNet.uniqueName("ns");
    NetworkNamespace ns = NetworkNamespace.createPersistent(name);
    try {
      assertThat(TestNet.ip(null, "netns", "list")).contains(name);
      assertThat(NetworkNamespace.list()).contains(name);
      // ip sees only lo inside, down, as in any fresh namespace
      assertThat(TestNet.ip(name, "-br", "link")).startsWith("lo").doesNotContain("eth0");
      // the namespace's thread really is inside it, the caller's thread is not
      long inside = ns.call(() -> inodeOf("/proc/thread-self/ns/net"));
      assertThat(inside).isEqualTo(inodeOf("/run/netns/" + name)).isEqualTo(ns.inode());
      assertThat(inodeOf("/proc/thread-self/ns/net")).isNotEqualTo(inside);
      assertThatThrownBy(() -> NetworkNamespace.createPersistent(name))
          .isInstanceOf(FileAlreadyExistsException.class)
          .hasMessage("/run/netns/" + name + ": network namespace " + name + " already exists");
    } finally {
      ns.delete();
    }
    assertThat(Files.exists(Path.of("/run/netns/" + name))).isFalse();
    assertThat(TestNet.ip(null, "netns", "list")).doesNotContain(name);
    assertThat(TestNet.run("findmnt", "-rn", "-o", "TARGET")).doesNotContain(name);
    assertThatThrownBy(() -> NetworkNamespace.delete(name)).isInstanceOf(NoSuchFileException.class)
        .hasMessage("/run/netns/" + name + ": network namespace " + name + " does not exist");
  }

  @Test
  void namespaceCreatedByIpCanBeOpenedByNameAndByPid() throws Exception {
    TestNet.assumeLinkKind("bridge");
    String name = TestNet.uniqueName("ip");
    TestNet.ip(null, "netns", "add", name);
    Process sleeper = null;
    try (NetworkNamespace ns = NetworkNamespace.open(name)) {
      assertThat(ns.inode()).isEqualTo(inodeOf("/run/netns/" + name));
      sleeper = new ProcessBuilder("ip", "netns", "exec", name, "sleep", "30").start();
      long pid = sleeper.pid();
      // wait for ip to exec sleep in the namespace
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (inodeOf("/proc/" + pid + "/ns/net") != ns.inode() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      try (NetworkNamespace byPid = NetworkNamespace.openPid(pid)) {
        assertThat(byPid.inode()).isEqualTo(ns.inode());
        assertThat(byPid.call(() -> inodeOf("/proc/thread-self/ns/net"))).isEqualTo(ns.inode());
        // a link created through a client opened inside shows in ip's view of the namespace
        String dummy = TestNet.uniqueName("d");
        byPid.rtnetlink().createBridge(dummy);
        assertThat(TestNet.ip(name, "-br", "link")).contains(dummy);
      }
    } finally {
      if (sleeper != null) {
        sleeper.destroyForcibly().waitFor();
      }
      TestNet.ip(null, "netns", "del", name);
    }
  }

  @Test
  void anonymousNamespaceLivesWithItsHandle() throws Exception {
    long inode;
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      inode = ns.inode();
      assertThat(ns.name()).isNull();
      assertThat(ns.call(() -> inodeOf("/proc/thread-self/ns/net"))).isEqualTo(inode);
      assertThat(ns.rtnetlink().links()).extracting(Link::name).containsExactly("lo");
      // exceptions inside come back to the caller
      assertThatThrownBy(() -> ns.run(() -> {
        throw new IOException("inside");
      })).hasMessage("inside");
    }
    assertThat(inode).isNotEqualTo(inodeOf("/proc/self/ns/net"));
  }

  @Test
  void javaSocketOpenedInsideBelongsToTheNamespace() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      ns.rtnetlink().setUp("lo", true);
      // a server on 127.0.0.1 inside is not reachable from the host's 127.0.0.1 and vice versa
      try (java.net.ServerSocket server = ns.call(() -> new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1")))) {
        int port = server.getLocalPort();
        try (java.net.Socket inside = ns.call(() -> new java.net.Socket("127.0.0.1", port))) {
          assertThat(inside.isConnected()).isTrue();
        }
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port)).isInstanceOf(java.net.ConnectException.class);
      }
    }
  }

  @Test
  void aFileThatIsNoNamespaceFailsOnFirstUse() throws Exception {
    try (NetworkNamespace notNs = NetworkNamespace.openPath(Path.of("/etc/hostname"))) {
      assertThatThrownBy(() -> notNs.call(() -> 1))
          .hasMessage("setns(network namespace /etc/hostname) failed: EINVAL (Invalid argument)");
    }
  }

  @Test
  void badNamesAreRejected() {
    assertThatThrownBy(() -> NetworkNamespace.createPersistent("a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("network namespace name must be 1..255 characters without '/' and not . or ..: a/b");
    assertThatThrownBy(() -> NetworkNamespace.open("cjt-missing-ns"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessage("/run/netns/cjt-missing-ns: open(/run/netns/cjt-missing-ns) failed: ENOENT (No such file or directory)");
  }
}
