package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.Signal;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container on the real kernel, with the default spec: what the kernel shows inside. Runs as root
 * and, in CI, again as an ordinary user (tag rootless).
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class ContainerTest {

  /**
   * Issue #11, class 12: a uid beyond the default id map of a root JVM on the host's root (0-65535)
   * is refused before anything is made, with a message that names the uid, the map and the remedy,
   * instead of "setresuid(65536) failed: EINVAL". Off: with the identity map the uid exists and the
   * payload runs as it.
   */
  @Test
  void aUidOutsideTheDefaultIdMapIsNamedWithTheRemedy() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(LibC.geteuid() == 0, "an ordinary user's map is the payload's own uid");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerSpec.builder().command("true").user(65536, 0).build())
        .isInstanceOf(SpecValidationException.class)
        .hasMessageContaining("uid").hasMessageContaining("65536")
        .hasMessageContaining("outside the container's id map (container ids 0-65535")
        .hasMessageContaining("uidMappings").hasMessageContaining("--userns host");
    Run.Result r = Run.run(Run.sh("id -u").user(65536, 0)
        .uidMappings(List.of(dev.containerj.linux.IdMapping.identity()))
        .gidMappings(List.of(dev.containerj.linux.IdMapping.identity())).build());
    assertThat(r.out()).as(r.err()).isEqualTo("65536\n");
  }

  /**
   * Issue #11, class 12: a -v target reached through a link into the private /tmp of a writable
   * directory root (/data -> /tmp/data) is made in the private /tmp and mounted, rather than
   * failing with ENOENT because it was made only in the root's own /tmp, which the private one hides.
   * Off: without the private /tmp the target made in the root's own /tmp is used (and stays there).
   */
  @Test
  void aVolumeTargetThroughALinkIntoThePrivateTmpOfAWritableRootIsMounted(@TempDir Path dir) throws Exception {
    Path busybox = Path.of("/bin/busybox");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(busybox), "busybox-static");
    Path root = Files.createDirectories(dir.resolve("root"));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(busybox, bin.resolve("busybox"));
    Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    Files.createSymbolicLink(bin.resolve("cat"), Path.of("busybox"));
    Files.createDirectories(root.resolve("tmp"));
    Files.createSymbolicLink(root.resolve("data"), Path.of("/tmp/data"));
    Path vol = Files.createDirectories(dir.resolve("vol"));
    Files.writeString(vol.resolve("f"), "from the host\n");
    for (boolean privateTmp : new boolean[] {true, false}) {
      Run.Result r = Run.run(ContainerSpec.builder().rootfs(RootFs.writableDirectory(root)).privateTmp(privateTmp)
          .mount(MountSpec.bind(vol, "/data")).command("/bin/sh", "-c", "cat /data/f /tmp/data/f")
          .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(r.out()).as("privateTmp %s: %s", privateTmp, r.err()).isEqualTo("from the host\nfrom the host\n");
    }
  }

  /**
   * Issue #11, class 12: an argument list too long for execve(2) (E2BIG) is a command that cannot be
   * executed, as a shell says (126), not a failure of ContainerJ.
   */
  @Test
  void anArgumentListTooLongIsACommandThatCannotBeExecuted() {
    String huge = "x".repeat(200 * 1024); // above MAX_ARG_STRLEN (32 pages), execve(2)
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Container.start(ContainerSpec.builder().command("true", huge).build()))
        .isInstanceOfSatisfying(ContainerStartException.class, e -> {
          assertThat(e.call()).isEqualTo("execve(true)");
          assertThat(e.error()).contains(dev.containerj.linux.Errno.E2BIG);
          assertThat(e.commandNotExecutable()).isTrue();
          assertThat(e.commandNotFound()).isFalse();
        });
  }
  private static final int UID = LibC.geteuid();

  @Test
  void payloadIsPid1AndSeesOnlyItsOwnProcesses() throws Exception {
    Run.Result r = Run.run("echo $$; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '");
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).isEqualTo("1");
    // sh (1), ls, grep, sort, tr: a handful of low pids, nothing of the host's hundreds.
    String[] pids = lines[1].trim().split(" ");
    assertThat(pids[0]).isEqualTo("1");
    assertThat(pids).hasSizeLessThan(8).allSatisfy(p -> assertThat(Integer.parseInt(p)).isLessThan(20));
  }

  @Test
  void hostnameDefaultsToTheIdAndCanBeSet() throws Exception {
    Run.Result r = Run.run("hostname");
    assertThat(r.out().trim()).isEqualTo(r.id().substring(0, 12));
    assertThat(Run.run(Run.sh("hostname").hostname("sandbox.local").build()).out().trim()).isEqualTo("sandbox.local");
  }

  @Test
  void uidMapShowsTheMapping() throws Exception {
    Run.Result r = Run.run("cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g");
    String[] lines = r.out().trim().split("\n");
    if (UID == 0) {
      // A root JVM maps the container's ids to an unused host range: its root is no one on the host.
      assertThat(lines[0].trim().split("\\s+")).containsExactly("0", "2147483647", "65536");
    } else {
      assertThat(lines[0].trim().split("\\s+")).containsExactly("0", Integer.toString(UID), "1");
      assertThat(lines[1].trim().split("\\s+")).containsExactly("0", Integer.toString(LibC.getegid()), "1");
    }
    assertThat(lines[2]).isEqualTo("0");
    assertThat(lines[3]).isEqualTo("0");
    assertThat(Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString()).startsWith("user:[");
  }

  @Test
  void aMountMadeInsideIsInvisibleOutside(@TempDir Path dir) throws Exception {
    Path inner = dir.resolve("inner");
    Files.createDirectory(inner);
    openUp(dir, "rwx--x--x");
    // The payload is root in its namespaces with CAP_SYS_ADMIN dropped: give it back for this test.
    ContainerSpec spec = Run.sh("mount -t tmpfs none /mnt && touch /mnt/made-inside && grep -c ' /mnt ' /proc/self/mountinfo")
        .mount(MountSpec.bind(inner, "/mnt"))
        .addCapability(dev.containerj.namespaces.Capability.CAP_SYS_ADMIN)
        .build();
    Run.Result r = Run.run(spec);
    assertThat(r.status().code()).as(r.err()).isZero();
    assertThat(Files.list(inner)).isEmpty();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(inner.toString());
  }

  @Test
  void aReadOnlyHostRootRefusesWrites() throws Exception {
    Run.Result r = Run.run(Run.sh("touch /etc/containerj-test; echo $?; touch /usr/containerj-test 2>&1")
        .readOnlyRootfs().build());
    assertThat(r.err()).contains("Read-only file system");
    assertThat(r.out()).contains("Read-only file system");
    assertThat(Path.of("/etc/containerj-test")).doesNotExist();
  }

  @Test
  void tmpIsPrivateWritableAndGoneAfterClose() throws Exception {
    String marker = "cj-" + System.nanoTime();
    Run.Result r = Run.run("echo data > /tmp/" + marker + " && cat /tmp/" + marker + " && stat -f -c %T /tmp");
    assertThat(r.out()).isEqualTo("data\ntmpfs\n");
    assertThat(Path.of("/tmp", marker)).doesNotExist();
  }

  @Test
  void onlyStdioFdsReachThePayload() throws Exception {
    List<RandomAccessFile> held = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        held.add(new RandomAccessFile("/proc/self/stat", "r")); // fds the JVM holds, not CLOEXEC
      }
      Run.Result r = Run.run(Run.sh("ls /proc/self/fd").command("ls", "/proc/self/fd").build());
      // ls itself opens one fd for the directory it lists
      assertThat(r.out().trim().split("\n")).containsExactly("0", "1", "2", "3");
    } finally {
      for (RandomAccessFile f : held) {
        f.close();
      }
    }
  }

  @Test
  void exitCodesAreReported() throws Exception {
    for (int code : new int[] {0, 3, 255}) {
      assertThat(Run.run("exit " + code).status()).isEqualTo(ExitStatus.exited(code));
    }
  }

  @Test
  void deathBySignalIsReported() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "100").build())) {
      c.kill();
      ExitStatus killed = c.waitFor();
      assertThat(killed.killSignal()).isEqualTo(Signal.SIGKILL);
      assertThat(killed.shellCode()).isEqualTo(137);
    }
    // pid_namespaces(7): pid 1 only receives, from outside, signals it has a handler for (and
    // SIGKILL/SIGSTOP). Without a pid namespace the payload is an ordinary process that SIGTERM kills.
    ContainerSpec noPidNs = ContainerSpec.builder().command("sleep", "100")
        .namespaces(java.util.EnumSet.of(dev.containerj.namespaces.Namespace.USER, dev.containerj.namespaces.Namespace.MOUNT,
            dev.containerj.namespaces.Namespace.NET, dev.containerj.namespaces.Namespace.UTS)).build();
    try (Container c = Container.start(noPidNs)) {
      c.signal(Signal.SIGTERM);
      ExitStatus termed = c.waitFor();
      assertThat(termed.killSignal()).isEqualTo(Signal.SIGTERM);
      assertThat(termed.shellCode()).isEqualTo(143);
    }
  }

  @Test
  void sigtermFromOutsideEndsAPayloadThatHandlesIt() throws Exception {
    try (Container c = Container.start(Run.sh("trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done").build())) {
      byte[] ready = c.stdout().readNBytes(6);
      assertThat(new String(ready, StandardCharsets.UTF_8)).isEqualTo("ready\n");
      c.signal(Signal.SIGTERM);
      assertThat(c.waitFor(Duration.ofSeconds(10))).contains(ExitStatus.exited(7));
    }
  }

  @Test
  void waitForTimesOut() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "100").build())) {
      assertThat(c.waitFor(Duration.ofMillis(100))).isEmpty();
      assertThat(c.isRunning()).isTrue();
    }
  }

  @Test
  void closeKillsEveryProcessOfTheContainer() throws Exception {
    List<Integer> hostPids = new ArrayList<>();
    Container c = Container.start(Run.sh("for i in 1 2 3 4 5; do sleep 1000 & done; echo started; wait").build());
    try {
      assertThat(new String(c.stdout().readNBytes(8), StandardCharsets.UTF_8)).isEqualTo("started\n");
      // The host pids of the payload's children: every process whose pid namespace is the container's.
      String ns = Files.readSymbolicLink(Path.of("/proc/" + c.pid() + "/ns/pid")).toString();
      try (var s = Files.list(Path.of("/proc"))) {
        s.filter(p -> p.getFileName().toString().matches("[0-9]+")).forEach(p -> {
          try {
            if (Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(ns)) {
              hostPids.add(Integer.parseInt(p.getFileName().toString()));
            }
          } catch (Exception ignored) {
            // not ours to read, or gone
          }
        });
      }
      assertThat(hostPids).hasSize(6);
    } finally {
      c.close();
    }
    for (int pid : hostPids) {
      assertThat(Path.of("/proc/" + pid)).as("pid %d after close", pid).doesNotExist();
    }
    assertThat(c.isRunning()).isFalse();
  }

  @Test
  void tenMegabytesOnStdoutAndStderrAtOnce() throws Exception {
    Run.Result r = Run.run("head -c 10485760 /dev/zero | tr '\\0' a & head -c 10485760 /dev/zero | tr '\\0' b >&2; wait");
    assertThat(r.out()).hasSize(10 << 20).matches("a+");
    assertThat(r.err()).hasSize(10 << 20).matches("b+");
  }

  @Test
  void stdinIsPiped() throws Exception {
    try (Container c = Container.start(Run.sh("tr a-z A-Z").stdin(Redirect.PIPE).build())) {
      CompletableFuture<String> out = Run.drain(c.stdout());
      try (OutputStream in = c.stdin()) {
        in.write("hello container\n".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(c.waitFor().code()).isZero();
      assertThat(out.get()).isEqualTo("HELLO CONTAINER\n");
    }
  }

  @Test
  void environmentIsCleanAndSet() throws Exception {
    Run.Result r = Run.run(Run.sh("env | sort").env("GREETING", "hi there").build());
    assertThat(r.out().split("\n")).contains("GREETING=hi there", "PATH=" + dev.containerj.namespaces.internal.ProgramSteps.DEFAULT_PATH)
        .noneMatch(l -> l.startsWith("JAVA_HOME=") || l.startsWith("USER=") || l.startsWith("MAVEN"));
  }

  @Test
  void workingDirectoryAndUser() throws Exception {
    Run.Result r = Run.run(Run.sh("pwd; id -u; id -g").workingDirectory("/usr/share").user(1000, 1000).build());
    assertThat(r.out()).isEqualTo("/usr/share\n1000\n1000\n");
  }

  @Test
  void readOnlyAndReadWriteBinds(@TempDir Path dir) throws Exception {
    Path rw = Files.createDirectory(dir.resolve("rw"));
    Path ro = Files.createDirectory(dir.resolve("ro"));
    // The container's root is an unprivileged host id: the host directories must let it in.
    openUp(dir, "rwx--x--x");
    openUp(rw, "rwxrwxrwx");
    Files.writeString(ro.resolve("in.txt"), "from host");
    Run.Result r = Run.run(Run.sh("cat /opt/in.txt; echo; echo written > /mnt/out.txt; touch /opt/x 2>&1; true")
        .mount(MountSpec.bind(rw, "/mnt")).mount(MountSpec.bindReadOnly(ro, "/opt")).build());
    assertThat(r.out()).startsWith("from host\n").contains("Read-only file system");
    assertThat(Files.readString(rw.resolve("out.txt"))).isEqualTo("written\n");
    assertThat(ro.resolve("x")).doesNotExist();
  }

  @Test
  void tmpfsMount() throws Exception {
    Run.Result r = Run.run(Run.sh("stat -f -c %T /mnt; echo x > /mnt/f && cat /mnt/f")
        .mount(MountSpec.tmpfs("/mnt", 1 << 20)).build());
    assertThat(r.out()).isEqualTo("tmpfs\nx\n");
  }

  @Test
  void loopbackNetworkHasOnlyLoUp() throws Exception {
    Run.Result r = Run.run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; cat /sys/class/net/lo/flags");
    // IFF_UP (0x1) | IFF_LOOPBACK (0x8)
    assertThat(r.out()).isEqualTo("lo\n0x9\n");
    Run.Result none = Run.run(Run.sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; cat /sys/class/net/lo/flags")
        .network(Network.none()).build());
    assertThat(none.out()).isEqualTo("lo\n0x8\n");
  }

  @Test
  void secureDefaults() throws Exception {
    Run.Result r = Run.run("grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status; cat /proc/kcore | wc -c; "
        + "echo 1 > /proc/sys/kernel/panic 2>&1; ls /dev | tr '\\n' ' '");
    // Docker's default set: chown dac_override fowner fsetid kill setgid setuid setpcap
    // net_bind_service sys_chroot mknod audit_write setfcap = 0x a80405fb (without net_raw, as Podman)
    assertThat(r.out()).contains("CapBnd:\t00000000a80405fb", "NoNewPrivs:\t1", "Seccomp:\t2");
    assertThat(r.out().split("\n")[4].trim()).isEqualTo("0"); // /proc/kcore reads as /dev/null
    assertThat(r.out() + r.err()).contains("Read-only file system");
    assertThat(r.out()).contains("null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx")
        .doesNotContain("sda", "vda", "mem ", "kmsg");
  }

  @Test
  void rlimitsApply() throws Exception {
    Run.Result r = Run.run(Run.sh("ulimit -Sn; ulimit -Hn").rlimit(Rlimit.parse("nofile=512:1024")).build());
    assertThat(r.out()).isEqualTo("512\n1024\n");
  }

  @Test
  void supplementaryGroupsAsRoot() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(UID == 0,
        "setgroups(2) is denied in a single-id user namespace; as an ordinary user supplementary groups need newgidmap ranges (covered by validation)");
    Run.Result r = Run.run(Run.sh("id -G").user(1000, 1000).supplementaryGroups(java.util.List.of(44L, 2000L)).build());
    assertThat(r.out().trim().split(" ")).containsExactlyInAnyOrder("1000", "44", "2000");
  }

  @Test
  void outputToFilesAndDiscard(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.txt");
    try (Container c = Container.start(ContainerSpec.builder().command("sh", "-c", "echo to-file; echo gone >&2")
        .stdout(Redirect.file(out)).stderr(Redirect.DISCARD).build())) {
      assertThat(c.waitFor().code()).isZero();
      assertThat(c.stdout().read()).as("a stream that is not piped reads EOF").isEqualTo(-1);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.stdin().write(1)).isInstanceOf(java.io.IOException.class).hasMessageContaining("not piped");
    }
    assertThat(Files.readString(out)).isEqualTo("to-file\n");
  }

  @Test
  void defaultSeccompProfileDeniesNamespaceCreationAndKeyctl() throws Exception {
    // The default profile (Docker's effect) denies unshare of namespaces with EPERM; unconfined allows it.
    Run.Result denied = Run.run("unshare --user true 2>&1; echo rc=$?");
    assertThat(denied.out()).contains("Operation not permitted").contains("rc=1");
    Run.Result allowed = Run.run(Run.sh("unshare --user true 2>&1; echo rc=$?")
        .seccomp(dev.containerj.namespaces.seccomp.SeccompProfile.unconfined()).build());
    assertThat(allowed.out()).isEqualTo("rc=0\n");
  }

  @Test
  void capabilitySetsAreComputedForRootAndOthers() throws Exception {
    Run.Result root = Run.run("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status");
    assertThat(root.out()).contains("CapInh:\t0000000000000000", "CapPrm:\t00000000a80405fb",
        "CapEff:\t00000000a80405fb", "CapBnd:\t00000000a80405fb", "CapAmb:\t0000000000000000");
    Run.Result user = Run.run(Run.sh("grep -E '^Cap(Prm|Eff|Bnd):' /proc/self/status").user(1000, 1000).build());
    assertThat(user.out()).contains("CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
        "CapBnd:\t00000000a80405fb");
    Run.Result added = Run.run(Run.sh("grep -E '^CapEff:' /proc/self/status")
        .addCapability(dev.containerj.namespaces.Capability.CAP_NET_ADMIN)
        .dropCapability(dev.containerj.namespaces.Capability.CAP_CHOWN).build());
    assertThat(added.out()).isEqualTo("CapEff:\t00000000a80415fa\n");
  }

  @Test
  void oomScoreAdj() throws Exception {
    assertThat(Run.run(Run.sh("cat /proc/self/oom_score_adj").oomScoreAdj(500).build()).out()).isEqualTo("500\n");
  }

  @Test
  void hardenedPreset() throws Exception {
    Run.Result r = Run.run(Run.sh("grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status; cat /sys/class/net/lo/operstate; "
        + "python3 -c 'import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)' 2>&1 | tail -1").hardened()
        .limits(UID == 0 ? ContainerSpec.Builder.HARDENED_LIMITS : dev.containerj.cgroups.CgroupLimits.none()).build());
    assertThat(r.out()).contains("CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "Seccomp:\t2", "down",
        "PermissionError: [Errno 1] Operation not permitted");
  }

  @Test
  void killOfItsOwnProcessGroupDoesNotReachTheHost() throws Exception {
    // The payload leads a session and process group of its own; kill(0) and kill(-1) stay inside.
    Process bystander = new ProcessBuilder("sleep", "30").start();
    try {
      Run.Result r = Run.run("ps -o pid=,pgid=,sid= -p 1; kill -9 0; echo survived");
      assertThat(r.out().trim().split("\\s+")).startsWith("1", "1", "1");
      assertThat(bystander.isAlive()).as("a process of the test JVM").isTrue();
      Run.Result all = Run.run("kill -9 -1; echo after-kill-all");
      assertThat(all.out()).isEqualTo("after-kill-all\n");
      assertThat(bystander.isAlive()).isTrue();
    } finally {
      bystander.destroyForcibly().waitFor();
    }
  }

  /** As a host admin would for a bind source: let the container's (unprivileged) ids in. */
  static void openUp(Path dir, String perms) throws java.io.IOException {
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
  }

  @Test
  void theContainersRootCannotReadTheHostsRootOnlyFiles() throws Exception {
    Run.Result r = Run.run("cat /etc/shadow > /dev/null 2>&1 && echo readable || echo denied; ls /root > /dev/null 2>&1 && echo listed || echo denied");
    assertThat(r.out()).isEqualTo("denied\ndenied\n");
    if (UID == 0) {
      // Protection off (the identity map: the container's root is the host's root): both succeed.
      Run.Result off = Run.run(Run.sh("cat /etc/shadow > /dev/null 2>&1 && echo readable || echo denied; ls /root > /dev/null 2>&1 && echo listed || echo denied")
          .uidMappings(java.util.List.of(dev.containerj.linux.IdMapping.identity()))
          .gidMappings(java.util.List.of(dev.containerj.linux.IdMapping.identity())).build());
      assertThat(off.out()).isEqualTo("readable\nlisted\n");
    }
  }
}
