package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits wired into containers, on the real kernel: the container's processes are in their cgroup
 * from their first instruction, and what the kernel enforces is checked (OOM kill, fork failure, cpu
 * usage, freezing). On this hybrid host the v1 controllers enforce; on the v2 lane the v2 ones.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class CgroupContainerTest {
  private static final boolean ROOT = LibC.geteuid() == 0;

  private static void requireRoot() {
    Assumptions.assumeTrue(ROOT, "cgroup limits need root or a delegated subtree; as an ordinary user "
        + "without delegation the start must fail instead (see limitsWithoutDelegationFailClearly)");
  }

  @Test
  void anAllocationOverTheMemoryLimitIsOomKilledAndReported() throws Exception {
    requireRoot();
    ContainerSpec over = Run.sh("python3 -c 'b = b\"x\" * (256 << 20); print(len(b))'")
        .limits(CgroupLimits.builder().memoryMax(64L << 20).memorySwapMax(0).build()).build();
    List<Path> dirs = new ArrayList<>();
    Run.Result r;
    try (Container c = Container.start(over)) {
      c.cgroupDirectories().values().forEach(dirs::add);
      ExitStatus s = c.waitFor();
      r = new Run.Result("", "", s, c.id());
    }
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    // sh is pid 1 and survives; python3 is the OOM victim: sh reports 128+9.
    assertThat(r.status().code()).isEqualTo(137);
    for (Path d : dirs) {
      assertThat(d).as("cgroup removed after an OOM kill").doesNotExist();
    }
    ContainerSpec under = Run.sh("python3 -c 'b = b\"x\" * (8 << 20); print(len(b))'")
        .limits(CgroupLimits.builder().memoryMax(64L << 20).build()).build();
    assertThat(Run.run(under).out()).isEqualTo("8388608\n");
  }

  @Test
  void theOomKilledPayloadItselfIsMarked() throws Exception {
    requireRoot();
    ContainerSpec spec = ContainerSpec.builder().command("python3", "-c", "b = b'x' * (256 << 20)")
        .limits(CgroupLimits.builder().memoryMax(64L << 20).memorySwapMax(0).build()).build();
    try (Container c = Container.start(spec)) {
      ExitStatus s = c.waitFor();
      assertThat(s.killSignal()).isEqualTo(Signal.SIGKILL);
      assertThat(s.oomKilled()).isTrue();
      assertThat(s.shellCode()).isEqualTo(137);
      assertThat(c.stats().memory().oomKills().orElse(-1)).isEqualTo(1);
    }
  }

  @Test
  void oomKillsPauseAndResumeThroughTheContainerItself() throws Exception {
    requireRoot();
    // Two children die of OOM; pid 1 (sh) stays, so the listener and the count are the container's.
    ContainerSpec spec = ContainerSpec.builder().command("sh", "-c", "read go; for i in 1 2; do python3 -c "
        + "\"b = b'x' * (256 << 20)\"; done; exec sleep 60").stdin(dev.containerj.namespaces.Redirect.PIPE)
        .limits(CgroupLimits.builder().memoryMax(64L << 20).memorySwapMax(0).build()).build();
    try (Container c = Container.start(spec)) {
      java.util.concurrent.LinkedBlockingQueue<Long> kills = new java.util.concurrent.LinkedBlockingQueue<>();
      try (dev.containerj.cgroups.Subscription sub = c.onOomKill(kills::add)) {
        c.stdin().write("go\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        c.stdin().flush();
        long last = 0;
        while (last < 2) {
          Long n = kills.poll(20, java.util.concurrent.TimeUnit.SECONDS);
          assertThat(n).as("an OOM kill event (count so far %d)", last).isNotNull();
          last = n;
        }
      }
      assertThat(c.oomKillCount()).isGreaterThanOrEqualTo(2);
      assertThat(c.isPaused()).isFalse();
      c.pause();
      assertThat(c.isPaused()).isTrue();
      c.resume();
      assertThat(c.isPaused()).isFalse();
      assertThat(c.isRunning()).isTrue();
    }
  }

  @Test
  void forkingBeyondThePidsLimitFailsInsideAndTheContainerSurvives() throws Exception {
    requireRoot();
    // python3 forks sleepers until the kernel says EAGAIN, then cleans up and reports.
    String script = "import os, signal\n"
        + "kids, err = [], ''\n"
        + "for i in range(40):\n"
        + "    try:\n"
        + "        pid = os.fork()\n"
        + "    except OSError as e:\n"
        + "        err = e.strerror; break\n"
        + "    if pid == 0:\n"
        + "        signal.pause(); os._exit(0)\n"
        + "    kids.append(pid)\n"
        + "for k in kids: os.kill(k, 9); os.waitpid(k, 0)\n"
        + "print(len(kids), err)\n";
    Run.Result r = Run.run(ContainerSpec.builder().command("python3", "-c", script)
        .stdout(dev.containerj.namespaces.Redirect.PIPE).stderr(dev.containerj.namespaces.Redirect.PIPE)
        .limits(CgroupLimits.builder().pidsMax(20).build()).build());
    // python3 itself is one of the 20 tasks (and its threads would count too)
    assertThat(r.out()).matches("1[0-9] Resource temporarily unavailable\n");
    assertThat(r.status().code()).isZero();
    // the host is unharmed: it can still fork
    assertThat(new ProcessBuilder("true").start().waitFor()).isZero();
  }

  @Test
  void aBusyLoopUnderACpuQuotaUsesAboutThatShare() throws Exception {
    requireRoot();
    ContainerSpec spec = Run.sh("end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done")
        .limits(CgroupLimits.builder().cpus(0.2).build()).build();
    try (Container c = Container.start(spec)) {
      long t0 = System.nanoTime();
      c.waitFor();
      double wallMicros = (System.nanoTime() - t0) / 1000.0;
      long used = c.stats().cpu().usageMicros().orElseThrow();
      double share = used / wallMicros;
      assertThat(share).as("cpu share used under --cpus 0.2").isBetween(0.05, 0.35);
    }
  }

  @Test
  void aPausedContainerMakesNoProgressAndResumes(@TempDir Path dir) throws Exception {
    requireRoot();
    Path counter = dir.resolve("n");
    Files.writeString(counter, "0");
    ContainerTest.openUp(dir, "rwxrwxrwx");
    ContainerTest.openUp(counter, "rw-rw-rw-");
    ContainerSpec spec = ContainerSpec.builder().command("sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /mnt/n; done")
        .mount(MountSpec.bind(dir, "/mnt")).cgroup(true).build();
    try (Container c = Container.start(spec)) {
      waitUntilAbove(counter, 10);
      c.pause();
      String frozen = Files.readString(counter);
      Thread.sleep(300);
      assertThat(Files.readString(counter)).isEqualTo(frozen);
      c.resume();
      waitUntilAbove(counter, Long.parseLong(frozen.trim().isEmpty() ? "0" : frozen.trim()) + 10);
    }
  }

  @Test
  void thePayloadSeesItsOwnCgroupAsRoot() throws Exception {
    requireRoot();
    Run.Result r = Run.run(Run.sh("cat /proc/self/cgroup | grep '^0::'; "
        // v1/hybrid: the cgroup2 mount is the view's "unified" directory (docs/architecture.md)
        + "ls $(test -d /sys/fs/cgroup/unified && echo /sys/fs/cgroup/unified || echo /sys/fs/cgroup) | grep -c cgroup.procs")
        .cgroup(true).build());
    assertThat(r.out()).isEqualTo("0::/\n1\n");
  }

  @Test
  void anOrdinaryUserGetsLimitsOnlyInADelegatedSubtree() throws Exception {
    Assumptions.assumeFalse(ROOT, "as root every subtree is delegated");
    ContainerSpec spec = Run.sh("cat /sys/fs/cgroup/pids.max 2>/dev/null || echo no-cgroup2")
        .limits(CgroupLimits.builder().pidsMax(10).build()).build();
    Container c;
    try {
      c = Container.start(spec);
    } catch (ContainerStartException e) {
      // Not delegated (this hybrid host as nobody): a clear error, never an unlimited container.
      assertThat(e).hasMessageContaining("create cgroup");
      return;
    }
    // Delegated (the v2 lane's user.delegate subtree): the limit is really there.
    try (c) {
      String out = new String(c.stdout().readAllBytes());
      assertThat(c.waitFor().code()).isZero();
      assertThat(out).isEqualTo("10\n");
    }
  }

  @Test
  void withoutACgroupPauseSaysWhy() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().command("true").build())) {
      // As root (device policy) and in a delegated subtree (default pids limit) every container
      // has a cgroup: only rootless without delegation is left without one.
      Assumptions.assumeTrue((c.cgroupForTests() == null), "this container has a cgroup for its defaults");
      assertThatThrownBy(c::pause).isInstanceOf(ContainerException.class)
          .hasMessageContaining("has none: give it limits or ContainerSpec.Builder.cgroup(true)");
    }
  }

  @Test
  void badLimitsAreRejectedBeforeAnythingIsCreated() {
    assertThatThrownBy(() -> CgroupLimits.builder().memoryMax(-1).build()).hasMessageContaining("memoryMax must be > 0: -1");
    assertThatThrownBy(() -> CgroupLimits.builder().cpus(Runtime.getRuntime().availableProcessors() + 1).build())
        .hasMessageContaining("cpus");
  }

  private static void waitUntilAbove(Path counter, long n) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      String s = Files.readString(counter).trim();
      if (!s.isEmpty() && Long.parseLong(s) > n) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("counter did not pass " + n + ": " + Files.readString(counter));
  }

  @Test
  void theSharedParentCgroupGoesWithTheLastContainerWhoeverMadeIt() throws Exception {
    requireRoot();
    Container first = Container.start(ContainerSpec.builder().command("sleep", "100").cgroup(true).build());
    Container second;
    try {
      second = Container.start(ContainerSpec.builder().command("sleep", "100").cgroup(true).build());
    } finally {
      first.close(); // made containerj/, but the second container still lives in it
    }
    Path parent = second.cgroupDirectories().values().iterator().next().getParent();
    assertThat(parent).exists();
    second.close();
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    assertThat(parent).as("containerj/ after the last container").doesNotExist();
  }
}
