package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code containerj run} with cgroup limits and security options, on the real kernel. */
@Tag("kernel")
@Tag("rootless")
@Timeout(60)
class LimitsAndSecurityFlagsTest {
  private static final boolean ROOT = LibC.geteuid() == 0;

  @AfterEach
  void nothingLeftBehind() {
    assertThat(Tool.ownedByThisJvm()).as("state records of containers this JVM started").isEmpty();
  }

  @Test
  void oomKilledPayloadExits137WithOneLineSayingWhy() {
    Assumptions.assumeTrue(ROOT, "memory limits need root or a delegated cgroup subtree");
    Tool.Result r = Tool.run("--memory", "64m", "--memory-swap", "64m", "python3", "-c", "b = b'x' * (256 << 20)");
    assertThat(r.code()).isEqualTo(137);
    assertThat(r.err()).contains("containerj: killed by the kernel's OOM killer: the container exceeded its memory limit (64m)");
    Tool.Result under = Tool.run("--memory", "64m", "python3", "-c", "b = b'x' * (8 << 20); print(len(b))");
    assertThat(under.code()).isZero();
    assertThat(under.err()).doesNotContain("OOM");
  }

  @Test
  void pidsLimit() {
    Assumptions.assumeTrue(ROOT, "pids limits need root or a delegated cgroup subtree");
    Tool.Result r = Tool.run("--pids-limit", "5", "python3", "-c",
        "import os\nn = 0\ntry:\n    while n < 20:\n        if os.fork() == 0:\n            os.pause()\n        n += 1\nexcept OSError as e:\n    print(n, e.strerror)\nos.kill(0, 9)");
    assertThat(r.out()).matches("[1-4] Resource temporarily unavailable\n");
  }

  @Test
  void pidsLimitUnlimitedLetsMoreTasksRunThanTheDefault() {
    Assumptions.assumeTrue(ROOT, "pids limits need root or a delegated cgroup subtree");
    String threads = "import threading\nthreading.stack_size(65536)\nev, n = threading.Event(), 0\n"
        + "try:\n    while n < 2100:\n        threading.Thread(target=ev.wait).start(); n += 1\n"
        + "except RuntimeError:\n    pass\nev.set()\nprint(n)";
    Tool.Result r = Tool.run("--pids-limit", "unlimited", "python3", "-c", threads);
    assertThat(r.out()).as(r.err()).isEqualTo("2100\n");
    Tool.Result bad = Tool.run("--pids-limit", "0", "true");
    assertThat(bad.code()).isEqualTo(125);
    assertThat(bad.err()).contains("--pids-limit must be a number > 0, or unlimited (or -1): 0");
  }

  @Test
  void limitsWithoutDelegationAreAnErrorNotIgnored() {
    Assumptions.assumeFalse(ROOT, "as root every cgroup subtree is delegated");
    Tool.Result r = Tool.run("--memory", "64m", "true");
    assertThat(r.code()).isEqualTo(125);
    assertThat(r.err()).contains("create cgroup");
  }

  @Test
  void badLimitValuesAreRejectedWith125() {
    assertThat(Tool.run("--memory", "lots", "true").code()).isEqualTo(125);
    Tool.Result swap = Tool.run("--memory", "64m", "--memory-swap", "32m", "true");
    assertThat(swap.code()).isEqualTo(125);
    assertThat(swap.err()).contains("--memory-swap must be >= --memory");
    assertThat(Tool.run("--cpus", "1000", "true").err()).contains("cpus");
    assertThat(Tool.run("--device-read-bps", "nonsense", "true").err()).contains("DEVICE:RATE");
  }

  @Test
  void hardenedHasNoCapabilitiesNoNetworkAndTheHardenedFilter() {
    Assumptions.assumeTrue(ROOT, "--hardened sets pids and memory limits, which need a delegated cgroup subtree");
    // A netlink socket: the default profile allows every family but AF_VSOCK, the hardened one only
    // AF_UNIX, AF_INET and AF_INET6. Then as many threads as the pids limit lets start (at most 300).
    String probe = "import socket, threading\n"
        + "try:\n    socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 0).close(); print('netlink ok')\n"
        + "except OSError as e:\n    print('netlink', e.strerror)\n"
        + "threading.stack_size(65536)\nev, n = threading.Event(), 0\n"
        + "try:\n    while n < 300:\n        threading.Thread(target=ev.wait).start(); n += 1\n"
        + "except RuntimeError:\n    pass\nev.set()\nprint('threads', n)";
    Tool.Result r = Tool.run("--hardened", "sh", "-c",
        "grep -E '^(CapEff|Seccomp):' /proc/self/status; cat /sys/class/net/lo/flags; python3 -c \"$0\"", probe);
    assertThat(r.outLines()).as(r.err()).startsWith("CapEff:\t0000000000000000", "Seccomp:\t2", "0x8");
    assertThat(r.outLines()).as(r.err()).contains("netlink Operation not permitted");
    // --hardened's pids.max is 128 (ContainerSpec.Builder.HARDENED_LIMITS): python3 itself and the sh are two
    // tasks of the 128, and the 300 threads the script tries stop below it.
    assertThat(r.outLines()).as(r.err()).anySatisfy(l -> assertThat(l).matches("threads (1[01][0-9]|12[0-7])"));

    // The same probes with the default profile and no limit: the netlink socket opens, 300 threads start.
    Tool.Result d = Tool.run("sh", "-c", "python3 -c \"$0\"", probe);
    assertThat(d.outLines()).as(d.err()).containsExactly("netlink ok", "threads 300");
  }

  @Test
  void privilegedSaysLoudlyWhatItTurnsOff() throws Exception {
    Tool.Result r = Tool.run("--privileged", "sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/self/status");
    assertThat(r.err()).contains("WARNING: --privileged: every capability, no seccomp filter");
    // Every capability this kernel knows (capabilities(7): cap_last_cap), no seccomp filter.
    // (readAllLines: Files.readString stops after a few bytes of this /proc/sys file.)
    int last = Integer.parseInt(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/kernel/cap_last_cap")).get(0).trim());
    String all = String.format("%016x", (1L << (last + 1)) - 1);
    assertThat(r.outLines()).containsExactly("CapEff:\t" + all, "Seccomp:\t0");
  }

  @Test
  void securityOpts() {
    assertThat(Tool.run("--security-opt", "seccomp=unconfined", "grep", "Seccomp:", "/proc/self/status").out())
        .isEqualTo("Seccomp:\t0\n");
    assertThat(Tool.run("--security-opt", "no-new-privileges=false", "grep", "NoNewPrivs:", "/proc/self/status").out())
        .isEqualTo("NoNewPrivs:\t0\n");
    Tool.Result bad = Tool.run("--security-opt", "apparmor=x", "true");
    assertThat(bad.code()).isEqualTo(125);
    assertThat(bad.err()).contains("--security-opt must be");
  }
}
