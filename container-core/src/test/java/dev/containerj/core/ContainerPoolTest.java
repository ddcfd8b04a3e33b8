package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.core.internal.StateStore;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ContainerPool}: containers made up to their payload, handed out once. Each payload must see
 * nothing of another's, and nothing of the waiting state it was handed (its ids, capabilities, fds).
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class ContainerPoolTest {
  private static final ContainerSpec TEMPLATE = ContainerSpec.builder().command("true").build();

  private static String output(Container c) throws Exception {
    String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(c.waitFor().code()).as("exit; stderr %s", err).isZero();
    return out;
  }

  private static String ns(int pid, String name) throws Exception {
    return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + name)).toString();
  }

  @Test
  void aPooledPayloadRunsAndItsContainerIsRemovedAtClose() throws Exception {
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 2)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (pool.ready() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(pool.ready()).isEqualTo(2);
      String id;
      try (Container c = pool.start(ProcessSpec.builder().command("sh", "-c", "echo $X; pwd; id -u; echo $$")
          .env("X", "per-start").workingDirectory("/tmp").build())) {
        id = c.id();
        assertThat(output(c)).isEqualTo("per-start\n/tmp\n0\n1\n");
      }
      LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
      assertThat(StateStore.forCurrentUser().dir(id)).doesNotExist();
    }
    assertThat(ContainerRuntime.defaults().list()).noneMatch(i -> i.ownerPid() == LibC.getpid());
  }

  /**
   * Two payloads of one pool, running at once: neither sees the other's files (root and /tmp), pids,
   * network namespace or ids (hostname, namespaces, container id).
   */
  @Test
  void twoPayloadsOfOnePoolSeeNothingOfEachOther() throws Exception {
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 2);
         Container a = pool.start(ProcessSpec.builder().command("sh", "-c",
             "echo mark-of-a > /tmp/mark && echo mark-of-a > /mark && echo ready && exec sleep 1000").build())) {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(a.stdout(), StandardCharsets.UTF_8))) {
        assertThat(r.readLine()).isEqualTo("ready");
        try (Container b = pool.start(ProcessSpec.builder().command("sh", "-c",
            "cat /tmp/mark /mark 2>/dev/null; ls /proc | grep -c '^[0-9]'; hostname; ls /sys/class/net | tr '\\n' ' '")
            .build())) {
          String out = output(b);
          String[] lines = out.split("\n");
          assertThat(out).doesNotContain("mark-of-a");
          assertThat(Integer.parseInt(lines[0])).as("processes B sees: its sh and ls").isLessThanOrEqualTo(3);
          assertThat(lines[1]).isEqualTo(b.id().substring(0, 12)).isNotEqualTo(a.id().substring(0, 12));
          assertThat(lines[2].trim()).isEqualTo("lo");
          assertThat(b.id()).isNotEqualTo(a.id());
        }
        for (String n : List.of("user", "mnt", "pid", "uts", "ipc", "net", "cgroup")) {
          // B has ended: compare A's namespaces with those of a third payload, still waiting's sibling.
          assertThat(ns(a.pid(), n)).isNotEqualTo(ns(LibC.getpid(), n));
        }
        try (Container c = pool.start(ProcessSpec.builder().command("sleep", "1000").stdout(Redirect.DISCARD).build())) {
          for (String n : List.of("user", "mnt", "pid", "uts", "ipc", "net", "cgroup")) {
            assertThat(ns(c.pid(), n)).as("namespace %s", n).isNotEqualTo(ns(a.pid(), n));
          }
        }
      }
    }
  }

  /**
   * Escape: the payload must hold nothing of the waiting sandbox: not its capabilities (it waits as
   * its user namespace's root, with all of them), not the helper's fds, not its lack of a seccomp
   * filter and no_new_privs; and it runs as the per-start user. Protection off (the payload's stages
   * not sent, only its execve): it has every capability, no filter, no no_new_privs, and an fd of
   * the helper's.
   */
  @Test
  void aPayloadInheritsNoCredentialOrFdOfTheWaitingSandbox() throws Exception {
    String probe = "ls /proc/self/fd | tr '\\n' ' '; echo; grep -E '^(Uid|CapEff|NoNewPrivs|Seccomp):' /proc/self/status";
    ProcessSpec asUser = ProcessSpec.builder().command("sh", "-c", probe).uid(0).build();
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 1)) {
      String on;
      try (Container c = pool.start(asUser)) {
        on = output(c);
      }
      assertThat(on.split("\n")[0].trim()).as("fds of ls: 0-2 and its directory").isEqualTo("0 1 2 3");
      assertThat(on).contains("NoNewPrivs:\t1").containsPattern("Seccomp:\\s+2");
      assertThat(on).doesNotContain("CapEff:\t000001ffffffffff");

      ProtectionsOff.pooledPayloadStages = true;
      String off;
      try (Container c = pool.start(asUser)) {
        off = output(c);
      } finally {
        ProtectionsOff.pooledPayloadStages = false;
      }
      System.out.println("protection off, the payload sees:\n" + off);
      assertThat(off).contains("NoNewPrivs:\t0").containsPattern("Seccomp:\\s+0");
      assertThat(off.split("\n")[0].trim().split(" ").length).as("fds: %s", off).isGreaterThan(4);
    }
  }

  /** A per-start uid outside the template's map is refused before any container is taken. */
  @Test
  void aPerStartUserOutsideTheMapIsRefused() {
    long outside = LibC.geteuid() == 0 ? 70000 : 1;
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 1)) {
      assertThatThrownBy(() -> pool.start(ProcessSpec.builder().command("true").uid(outside).build()))
          .isInstanceOf(SpecValidationException.class)
          .hasMessageContaining("uid").hasMessageContaining(Long.toString(outside)).hasMessageContaining("must be mapped");
      assertThatThrownBy(() -> pool.start(ProcessSpec.builder().command("true").stdout(Redirect.tty()).build()))
          .isInstanceOf(SpecValidationException.class).hasMessageContaining("stdout");
    }
    assertThatThrownBy(() -> ContainerRuntime.defaults().pool(TEMPLATE, 0))
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("size").hasMessageContaining("1..1024");
    assertThatThrownBy(() -> ContainerRuntime.defaults().pool(TEMPLATE.toBuilder().detached(true).build(), 1))
        .isInstanceOf(SpecValidationException.class).hasMessageContaining("template.detached");
  }

  /** Idle: the waiting containers go after the idle timeout, and a start refills. */
  @Test
  void anIdlePoolShrinksAndRefillsAtTheNextStart() throws Exception {
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 2, Duration.ofMillis(1500))) {
      waitFor(() -> pool.ready() == 2);
      waitFor(() -> pool.ready() == 0);
      // Taken out of the pool, then removed (killed, state gone) by the refill thread.
      waitFor(() -> ContainerRuntime.defaults().list().stream().noneMatch(i -> i.ownerPid() == LibC.getpid()));
      try (Container c = pool.start(ProcessSpec.builder().command("true").build())) {
        c.waitFor();
      }
      waitFor(() -> pool.ready() == 2);
    }
  }

  /**
   * The refill prepares several containers at once, never more than its budget, and its threads end
   * when there is nothing to prepare: one stays while containers wait (it removes them when the pool
   * is idle), none once they are gone.
   */
  @Test
  void severalPreparersWithinTheBudgetEndWhenThePoolIsIdle() throws Exception {
    int budget = ContainerPool.preparers(6);
    assertThat(budget).isBetween(2, 6);
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 6, Duration.ofSeconds(4))) {
      int most = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (pool.ready() < 6 && System.nanoTime() < deadline) {
        most = Math.max(most, preparerThreads());
        Thread.sleep(2);
      }
      assertThat(pool.ready()).isEqualTo(6);
      assertThat(most).as("preparer threads at once while filling").isBetween(2, budget);
      waitFor(() -> preparerThreads() == 1); // the others end after their keep-alive
      assertThat(pool.ready()).isEqualTo(6);
      waitFor(() -> pool.ready() == 0 && preparerThreads() == 0); // idle: removed, and the last one ends
      try (Container c = pool.start(ProcessSpec.builder().command("true").build())) {
        assertThat(c.waitFor().code()).isZero();
      }
      waitFor(() -> pool.ready() == 6);
    }
    assertThat(preparerThreads()).as("close() ends the preparers").isZero();
  }

  /**
   * While at least half the pool waits, a hand-out's refill begins at its payload's exit (not while
   * the payload runs); when the pool runs lower, every refill starts at once, also those deferred, so
   * payloads that run long never keep the pool low.
   */
  @Test
  void theRefillWaitsForThePayloadsExitUnlessThePoolRunsLow() throws Exception {
    ProcessSpec blocked = ProcessSpec.builder().command("cat").stdin(Redirect.PIPE).build();
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 4)) {
      waitFor(() -> pool.ready() == 4);
      List<Container> running = new ArrayList<>();
      try {
        running.add(pool.start(blocked));
        Thread.sleep(1500); // a preparation takes milliseconds: a refill would have shown by now
        assertThat(pool.ready()).as("3 of 4 wait: the refill waits for the payload").isEqualTo(3);
        running.get(0).stdin().close(); // cat ends
        assertThat(running.get(0).waitFor().code()).isZero();
        waitFor(() -> pool.ready() == 4);
        running.add(pool.start(blocked));
        running.add(pool.start(blocked)); // 2 of 4 wait: still half, both refills wait
        Thread.sleep(1500);
        assertThat(pool.ready()).isEqualTo(2);
        running.add(pool.start(blocked)); // 1 of 4: low, every refill starts now
        waitFor(() -> pool.ready() == 4);
        for (Container c : running.subList(1, 4)) {
          assertThat(c.waitFor(Duration.ZERO)).as("still running").isEmpty();
        }
      } finally {
        for (Container c : running) {
          c.close();
        }
      }
    }
  }

  /**
   * A pooled container's mount namespace outlives its payload's exit (this JVM holds it, so the exit
   * does not tear the mount tree down on the caller's path) and goes with the container's removal.
   */
  @Test
  void theMountNamespaceIsReleasedAtRemovalNotInThePayloadsExit() throws Exception {
    String mnt;
    try (ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 1)) {
      Container c = pool.start(ProcessSpec.builder().command("readlink", "/proc/self/ns/mnt").build());
      try {
        mnt = output(c).trim(); // output() waited for the exit
        assertThat(mnt).startsWith("mnt:[");
        assertThat(nsFdsOfThisJvm()).as("held after the payload's exit").contains(mnt);
      } finally {
        c.close();
      }
      LeakCheck.drainTeardown();
      assertThat(nsFdsOfThisJvm()).as("released with the container").doesNotContain(mnt);
    }
  }

  /** The namespaces that this JVM's fds refer to ({@code mnt:[N]}, ...). */
  private static List<String> nsFdsOfThisJvm() throws Exception {
    List<String> out = new ArrayList<>();
    try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          out.add(Files.readSymbolicLink(fd).toString());
        } catch (java.io.IOException ignored) {
          // closed meanwhile
        }
      }
    }
    return out;
  }

  private static int preparerThreads() {
    return (int) Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("containerj-pool-prepare") && t.isAlive()).count();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }

  /** Run in a child JVM: open a pool, print the pids of its waiting containers, wait to be killed. */
  public static void main(String[] args) throws Exception {
    ContainerPool pool = ContainerRuntime.defaults().pool(TEMPLATE, 3);
    while (pool.ready() < 3) {
      Thread.sleep(10);
    }
    List<String> pids = new ArrayList<>();
    for (dev.containerj.core.ContainerInfo i : ContainerRuntime.defaults().list()) {
      if (i.ownerPid() == LibC.getpid()) {
        pids.add(i.id() + ":" + i.pid());
      }
    }
    System.out.println(String.join(" ", pids));
    System.out.flush();
    Thread.sleep(600_000);
  }

  /** A pool's JVM killed by SIGKILL: its waiting containers die with it, and a reap removes their state. */
  @Test
  void waitingContainersDieWithTheirJvmAndAreReaped() throws Exception {
    Process[] jvm = new Process[1];
    String line = childJvmLine(ContainerPoolTest.class, jvm);
    String[] entries = line.trim().split(" ");
    assertThat(entries).hasSize(3);
    jvm[0].destroyForcibly();
    assertThat(jvm[0].waitFor(30, TimeUnit.SECONDS)).isTrue();
    for (String e : entries) {
      int pid = Integer.parseInt(e.split(":")[1]);
      waitFor(() -> gone(pid));
    }
    List<String> reaped = ContainerRuntime.defaults().reap();
    for (String e : entries) {
      String id = e.split(":")[0];
      assertThat(reaped).contains(id);
      assertThat(StateStore.forCurrentUser().dir(id)).doesNotExist();
    }
  }

  /** Whether {@code pid} has ended (gone, or a zombie its parent did not reap yet). */
  static boolean gone(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException e) {
      return true;
    }
  }

  /** Runs {@code main} in a child JVM of this state directory and returns the first line it prints. */
  static String childJvmLine(Class<?> main, Process[] started, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-Dcontainerj.reapOnStart=false",
        "-cp", SecureDefaultsTest.childClassPath(), "-Dcontainerj.stateDir=" + StateStore.forCurrentUser().root(),
        main.getName()));
    cmd.addAll(List.of(args));
    Process jvm = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    started[0] = jvm;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      String line = r.readLine();
      assertThat(line).as("the child JVM's line").isNotBlank();
      return line;
    }
  }
}
