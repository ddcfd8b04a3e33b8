package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.StateStore;
import dev.containerj.namespaces.Redirect;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every container's mount namespace is held by this JVM (one nsfs fd) from its start to its removal,
 * so that neither the start's unshare nor the payload's exit tears the mount tree down on the
 * caller's path; the reference goes with the removal on the teardown lane, and with a killed JVM.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class MountNamespaceHoldTest {

  /** Run in a child JVM: start a long container, print its pid, then wait to be killed. */
  public static void main(String[] args) throws Exception {
    Container c = Container.start(ContainerSpec.builder().command("sleep", "1000").build());
    System.out.println(c.pid());
    System.out.flush();
    Thread.sleep(600_000);
  }

  @Test
  void theExitedPayloadsMountNamespaceIsHeldOnceAndReleasedAtRemoval() throws Exception {
    ContainerRuntime.defaults().awaitTeardown(java.time.Duration.ofSeconds(30));
    int mntFdsBefore = mntFds("self").size();
    String mnt;
    // The payload waits for its stdin: the start's switch to its own namespace (after the locked
    // assembly's unshare) is then certain to find it running; a payload that exits first leaves the
    // assembly's namespace held instead (best effort, MountNamespaceHold#settle).
    Container c = Container.start(ContainerSpec.builder().command("sh", "-c", "readlink /proc/self/ns/mnt; read x || true")
        .stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());
    try {
      mnt = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine().trim();
      c.stdin().close();
      assertThat(c.waitFor().code()).isZero();
      assertThat(mnt).startsWith("mnt:[");
      // The payload's own namespace, not the assembly's (which went to the lane), and only one fd.
      assertThat(mntFds("self")).as("held after the payload's exit").contains(mnt);
      ContainerRuntime.defaults().awaitTeardown(java.time.Duration.ofSeconds(30));
      assertThat(mntFds("self")).as("one mount namespace fd per container").hasSize(mntFdsBefore + 1);
    } finally {
      c.close();
    }
    ContainerRuntime.defaults().awaitTeardown(java.time.Duration.ofSeconds(30));
    assertThat(mntFds("self")).as("released with the container").doesNotContain(mnt).hasSize(mntFdsBefore);
    assertThat(holders(mnt)).as("nothing refers to %s after the removal", mnt).isFalse();
  }

  @Test
  void aKilledJvmsHeldNamespaceGoesWithIt() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", SecureDefaultsTest.childClassPath(),
        "-Dcontainerj.stateDir=" + StateStore.forCurrentUser().root(), MountNamespaceHoldTest.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    int pid;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      pid = Integer.parseInt(r.readLine().trim());
    } catch (RuntimeException | java.io.IOException e) {
      jvm.destroyForcibly();
      throw e;
    }
    String mnt;
    try {
      mnt = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")).toString();
      assertThat(mntFds(String.valueOf(jvm.pid()))).as("the child JVM holds its container's namespace").contains(mnt);
    } finally {
      jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close(), no lane
      assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    // The container's pid 1 dies by its parent-death signal (PR_SET_PDEATHSIG), the JVM's fd with it.
    while (holders(mnt) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    // Nothing refers to the namespace any more: no process in it, no fd on it anywhere (the kernel
    // closed the dead JVM's), so its tree is gone; the reaper removes the state as before.
    Container.reapOrphans();
    assertThat(holders(mnt)).as("a process or fd still refers to %s", mnt).isFalse();
  }

  /** Whether any process of the host is in {@code mnt} or has an fd on it. */
  private static boolean holders(String mnt) throws Exception {
    List<String> pids = new ArrayList<>();
    try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit)).forEach(pids::add);
    }
    for (String p : pids) {
      try {
        if (Files.readSymbolicLink(Path.of("/proc", p, "ns", "mnt")).toString().equals(mnt)) {
          return true;
        }
      } catch (java.io.IOException | SecurityException ignored) {
        // gone, a zombie (no namespaces), or not ours to see
      }
      if (mntFds(p).contains(mnt)) {
        return true;
      }
    }
    return false;
  }

  /** The mount namespaces that the fds of process {@code pid} refer to. */
  private static List<String> mntFds(String pid) {
    List<String> out = new ArrayList<>();
    try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc", pid, "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("mnt:[")) {
            out.add(target);
          }
        } catch (java.io.IOException ignored) {
          // closed meanwhile
        }
      }
    } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
      // gone, or not ours to list
    }
    return out;
  }
}
