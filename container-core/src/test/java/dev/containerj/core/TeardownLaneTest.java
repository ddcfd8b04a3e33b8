package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.StateStore;
import dev.containerj.core.internal.TeardownLane;
import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ContainerRuntime.Builder.backgroundTeardown(true)}: close() returns once every process of
 * the container is dead; its remains go on the teardown lane, and what a killed JVM left queued is
 * the reaper's.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class TeardownLaneTest {
  private static ContainerSpec sleeper() {
    ContainerSpec.Builder b = ContainerSpec.builder().command("sh", "-c", "sleep 1000 & exec sleep 1000");
    return (LibC.geteuid() == 0 ? b.limits(dev.containerj.cgroups.CgroupLimits.builder().pidsMax(64).build()) : b).build();
  }

  private static List<Integer> pidsOf(Container c) throws Exception {
    List<Integer> pids = new ArrayList<>();
    pids.add(c.pid());
    // The payload's background child: a child of pid 1 in the host's view.
    Path children = Path.of("/proc/" + c.pid() + "/task/" + c.pid() + "/children");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Files.readString(children).isBlank() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    for (String p : Files.readString(children).trim().split(" ")) {
      pids.add(Integer.parseInt(p));
    }
    return pids;
  }

  /**
   * Keeps every lane thread busy until {@code hold} opens or {@code seconds} pass: the queue is FIFO,
   * so a removal submitted after these waits behind them.
   */
  private static void occupyLane(CountDownLatch hold, int seconds) {
    for (int i = 0; i < TeardownLane.THREADS; i++) {
      TeardownLane.submit(() -> {
        try {
          hold.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
  }

  @Test
  void closeReturnsWithEveryProcessDeadAndTheLaneRemovesTheRest() throws Exception {
    ContainerRuntime runtime = ContainerRuntime.builder().backgroundTeardown(true).build();
    CountDownLatch hold = new CountDownLatch(1);
    occupyLane(hold, 30); // the lane is busy: the close's removal must wait for it
    Container c = runtime.start(sleeper());
    List<Integer> pids = pidsOf(c);
    assertThat(pids).hasSize(2);
    List<Path> cgroupDirs = c.cgroup().map(cg -> List.copyOf(cg.paths().values())).orElse(List.of());
    c.close();
    for (int pid : pids) {
      assertThat(ContainerPoolTest.gone(pid)).as("pid %d dead at close()", pid).isTrue();
    }
    if (!cgroupDirs.isEmpty()) {
      // Still queued: the remains exist, but nothing of the container runs. (Without a cgroup, as
      // rootless here, the payload's end already removed its directory: nothing is left to queue.)
      assertThat(StateStore.forCurrentUser().dir(c.id())).exists();
    }
    hold.countDown();
    assertThat(runtime.awaitTeardown(Duration.ofSeconds(30))).isTrue();
    assertThat(StateStore.forCurrentUser().dir(c.id())).doesNotExist();
    assertThat(cgroupDirs).allSatisfy(d -> assertThat(d).doesNotExist());
  }

  @Test
  void theLaneIsTheDefaultAndBackgroundTeardownFalseRemovesBeforeCloseReturns() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    occupyLane(hold, 30); // a busy lane: only an inline close removes at once
    try {
      Container queued = ContainerRuntime.defaults().start(sleeper());
      boolean cgroup = queued.cgroup().isPresent();
      queued.close();
      if (cgroup) {
        // The default: the removal waits behind the busy lane (without a cgroup, as rootless here,
        // the payload's end already removed the directory).
        assertThat(StateStore.forCurrentUser().dir(queued.id())).as("default close, lane busy").exists();
      }
      Container inline = ContainerRuntime.builder().backgroundTeardown(false).build().start(sleeper());
      List<Path> cgroupDirs = inline.cgroup().map(cg -> List.copyOf(cg.paths().values())).orElse(List.of());
      inline.close();
      assertThat(StateStore.forCurrentUser().dir(inline.id())).as("opted out: removed by close()").doesNotExist();
      assertThat(cgroupDirs).allSatisfy(d -> assertThat(d).doesNotExist());
    } finally {
      hold.countDown();
    }
    assertThat(ContainerRuntime.defaults().awaitTeardown(Duration.ofSeconds(30))).isTrue();
  }

  /**
   * Run in a child JVM: block the lane, close a container, print its id, die by SIGKILL; or, with
   * {@code exit-hook}, print the id and exit while a shutdown hook of its own closes the container.
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("exit-hook")) {
      exitWithAHookThatCloses();
      return;
    }
    ContainerRuntime runtime = ContainerRuntime.builder().backgroundTeardown(true).build();
    occupyLane(new CountDownLatch(1), 600); // never released: the JVM dies first
    Container c = runtime.start(sleeper());
    String dirs = String.join(" ", c.cgroup().map(cg -> cg.paths().values().stream().map(Path::toString).toList())
        .orElse(List.of()));
    c.close();
    System.out.println(c.id() + " " + dirs);
    System.out.flush();
    LibC.kill(LibC.getpid(), 9);
  }

  private static void exitWithAHookThatCloses() throws Exception {
    Container c = ContainerRuntime.defaults().start(sleeper());
    String dirs = String.join(" ", c.cgroup().map(cg -> cg.paths().values().stream().map(Path::toString).toList())
        .orElse(List.of()));
    // Like the tool on SIGTERM: the caller's own hook closes the container. The JVM runs hooks in
    // parallel, so the lane's exit drain has long found nothing pending when this close comes.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      c.close();
    }));
    System.out.println(c.id() + " " + dirs);
    System.out.flush();
    System.exit(0);
  }

  @Test
  void aCloseInTheCallersOwnShutdownHookStillRemovesEverything() throws Exception {
    Process[] jvm = new Process[1];
    String line = ContainerPoolTest.childJvmLine(TeardownLaneTest.class, jvm, "exit-hook");
    assertThat(jvm[0].waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(jvm[0].exitValue()).isZero();
    String[] f = line.trim().split(" ");
    // No reap here: the exiting JVM itself must have removed it all (before, the removal was queued
    // after the lane's drain had returned, and died with the JVM: the state stayed for the reaper).
    assertThat(StateStore.forCurrentUser().dir(f[0])).as("state of %s after the JVM's exit", f[0]).doesNotExist();
    for (int i = 1; i < f.length; i++) {
      assertThat(Path.of(f[i])).doesNotExist();
    }
  }

  @Test
  void whatAKilledJvmLeftOnTheLaneIsReaped() throws Exception {
    Process[] jvm = new Process[1];
    String line = ContainerPoolTest.childJvmLine(TeardownLaneTest.class, jvm);
    assertThat(jvm[0].waitFor(30, TimeUnit.SECONDS)).isTrue();
    String[] f = line.trim().split(" ");
    String id = f[0];
    if (f.length > 1) {
      // With a cgroup, the directory waits for close(), whose removal the killed JVM left queued.
      assertThat(StateStore.forCurrentUser().dir(id)).as("left queued by the killed JVM").exists();
    }
    if (Files.exists(StateStore.forCurrentUser().dir(id))) {
      assertThat(ContainerRuntime.defaults().reap()).contains(id);
    }
    assertThat(StateStore.forCurrentUser().dir(id)).doesNotExist();
    for (int i = 1; i < f.length; i++) {
      assertThat(Path.of(f[i])).doesNotExist();
    }
  }

}
