package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code containerj run} end to end, in-process: real containers, with their output copied back
 * through Java by the hidden {@code --pipe-output} (see {@link Tool#run}).
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(60)
class RunCommandTest {
  @AfterEach
  void nothingLeftBehind() {
    assertThat(Tool.ownedByThisJvm()).as("state records of containers this JVM started").isEmpty();
  }

  @Test
  void ttyGivesTheContainerATerminalOfItsOwn() {
    // fds 0-2 are the slave of a pty of the container's own devpts; stderr shows on it too.
    Tool.Result r = Tool.run("-t", "--", "sh", "-c", "tty; readlink /proc/self/fd/2; echo to-stderr >&2; exit 4");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.out()).isEqualTo("/dev/pts/0\r\n/dev/pts/0\r\nto-stderr\r\n");
  }

  @Test
  void initForwardsTermToThePayloadAndWithoutItPid1IgnoresIt() {
    Tool.Result with = Tool.run("--init", "sh", "-c", "kill -TERM 1; sleep 5; echo alive");
    assertThat(with.code()).as(with.err()).isEqualTo(143);
    assertThat(with.out()).isEmpty();
    // Off: the shell is pid 1 and has no handler, so the kernel drops the signal.
    Tool.Result without = Tool.run("sh", "-c", "kill -TERM 1; echo alive");
    assertThat(without.code()).as(without.err()).isZero();
    assertThat(without.out()).isEqualTo("alive\n");
  }

  @Test
  void exitCodeIsThePayloads() {
    assertThat(Tool.run("true").code()).isZero();
    assertThat(Tool.run("sh", "-c", "exit 3").code()).isEqualTo(3);
    assertThat(Tool.run("sh", "-c", "exit 255").code()).isEqualTo(255);
  }

  @Test
  void payloadIsPid1WithItsOwnHostnameAndRoot() {
    Tool.Result r = Tool.run("--hostname", "box", "--", "sh", "-c", "echo $$; hostname; id -u; ps -e -o pid=");
    assertThat(r.code()).isZero();
    List<String> lines = r.outLines();
    assertThat(lines.subList(0, 3)).containsExactly("1", "box", "0");
    // /proc shows the container's processes only: sh (pid 1) and the ps itself.
    assertThat(lines.subList(3, lines.size())).map(String::trim).hasSize(2).contains("1");
  }

  @Test
  void sigkillFromOutsideIsReportedAs137() throws Exception {
    CompletableFuture<Tool.Result> run = CompletableFuture.supplyAsync(() -> Tool.run("sleep", "100"));
    ContainerInfo c = awaitContainer("sleep");
    // While it runs, ps lists it with this JVM as owner.
    Tool.Result ps = Tool.execute("ps");
    assertThat(ps.out()).contains(c.id().substring(0, 12)).contains("running")
        .contains(String.valueOf(ProcessHandle.current().pid()));
    kill("KILL", c.pid());
    Tool.Result r = run.get(30, TimeUnit.SECONDS);
    assertThat(r.code()).isEqualTo(137);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void pid1IgnoresSignalsItHasNoHandlerFor() {
    // pid_namespaces(7): pid 1 gets only the signals it handles, so `kill -9 $$` from inside does
    // nothing (as in docker), while the same signal kills any other process of the container.
    Tool.Result self = Tool.run("sh", "-c", "kill -9 $$; echo survived");
    assertThat(self.out()).isEqualTo("survived\n");
    assertThat(self.code()).isZero();
    Tool.Result child = Tool.run("sh", "-c", "sh -c 'kill -TERM $$'; echo child=$?");
    assertThat(child.out()).isEqualTo("child=143\n");
  }

  /**
   * Issue #11, class 12: {@code -u 65536} on the host's root as root names the uid, the id map and
   * how to widen it (was "setresuid(65536) failed: EINVAL"); {@code --userns host} then runs it.
   */
  @Test
  void aUidOutsideTheIdMapIsNamedWithTheRemedy() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.containerj.linux.internal.LibC.geteuid() == 0,
        "an ordinary user's map is the payload's own uid");
    Tool.Result r = Tool.run("-u", "65536", "true");
    assertThat(r.code()).isEqualTo(125);
    assertThat(r.err()).contains("uid").contains("65536").contains("0-65535").contains("--userns host")
        .doesNotContain("EINVAL").hasLineCount(1);
    Tool.Result widened = Tool.run("--userns", "host", "-u", "65536", "id", "-u");
    assertThat(widened.out()).as(widened.err()).isEqualTo("65536\n");
  }

  /** Issue #11, class 12: E2BIG from execve(2) is "cannot be executed" (126, as the help says), in one line. */
  @Test
  void anArgumentListTooLongExits126InOneLine() {
    Tool.Result r = Tool.run("true", "x".repeat(200 * 1024));
    assertThat(r.code()).isEqualTo(126);
    assertThat(r.err()).startsWith("containerj: container ").contains("execve(true) failed: E2BIG (Argument list too long)")
        .hasLineCount(1);
  }

  /**
   * Issue #11, class 6: {@code --tmpfs-size} caps the private /tmp and the host root's writable
   * layer (ENOSPC past it). Off: a cap above the write lets it all through.
   */
  @Test
  void tmpfsSizeCapsTmpAndTheWritableLayer() {
    String script = "dd if=/dev/zero of=/tmp/f bs=1M count=24 2>&1 | grep -o 'No space left on device'; stat -c %s /tmp/f;"
        + " dd if=/dev/zero of=/f bs=1M count=24 2>&1 | grep -o 'No space left on device'; stat -c %s /f";
    Tool.Result capped = Tool.run("--tmpfs-size", "16m", "sh", "-c", script);
    assertThat(capped.outLines()).as(capped.err()).hasSize(4);
    assertThat(capped.outLines().get(0)).isEqualTo("No space left on device");
    assertThat(Long.parseLong(capped.outLines().get(1))).isLessThanOrEqualTo(16L << 20);
    assertThat(capped.outLines().get(2)).isEqualTo("No space left on device");
    assertThat(Long.parseLong(capped.outLines().get(3))).isLessThanOrEqualTo(16L << 20);
    Tool.Result off = Tool.run("--tmpfs-size", "64m", "sh", "-c", script);
    assertThat(off.outLines()).as(off.err()).containsExactly(String.valueOf(24 << 20), String.valueOf(24 << 20));
    Tool.Result bad = Tool.run("--tmpfs-size", "lots", "true");
    assertThat(bad.code()).isEqualTo(125);
    assertThat(bad.err()).contains("--tmpfs-size");
  }

  @Test
  void missingCommandExits127NamingEnoent() {
    Tool.Result r = Tool.run("no-such-command-xyz");
    assertThat(r.code()).isEqualTo(127);
    assertThat(r.err()).startsWith("containerj: container ")
        .contains("execve(no-such-command-xyz) failed: ENOENT (No such file or directory)")
        .hasLineCount(1);
  }

  @Test
  void directoryExits126() {
    Tool.Result r = Tool.run("/tmp");
    assertThat(r.code()).isEqualTo(126);
    assertThat(r.err()).contains("execve(/tmp) failed: EACCES").hasLineCount(1);
  }

  @Test
  void invalidHostnameExits125WithOneLineAndNoStackTrace() {
    Tool.Result r = Tool.run("--hostname", "-x", "true");
    assertThat(r.code()).isEqualTo(125);
    assertThat(r.err()).startsWith("containerj: invalid container spec: hostname must be ")
        .endsWith(": -x\n").hasLineCount(1);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void debugAddsTheStackTrace() {
    Tool.Result r = Tool.execute("--debug", "run", "--hostname", "-x", "true");
    assertThat(r.code()).isEqualTo(125);
    assertThat(r.err()).contains("SpecValidationException").contains("\tat ");
  }

  @Test
  void badOptionsExit125() {
    Tool.Result unknown = Tool.execute("run", "--bogus", "true");
    assertThat(unknown.code()).isEqualTo(125);
    assertThat(unknown.err()).isEqualTo("containerj: Unknown option: '--bogus'\nSee 'containerj run --help'.\n");
    Tool.Result user = Tool.run("-u", "alice", "true");
    assertThat(user.code()).isEqualTo(125);
    assertThat(user.err()).isEqualTo("containerj: --user must be UID[:GID] with numeric ids: alice\n");
    Tool.Result volume = Tool.run("-v", "/x", "true");
    assertThat(volume.err()).isEqualTo("containerj: --volume: volume must be HOST:CONTAINER[:ro|rw]: /x\n");
    assertThat(Tool.execute("run").code()).isEqualTo(125);
    assertThat(Tool.execute().err()).startsWith("containerj: missing command");
  }

  @Test
  void timeoutKillsTheContainerAndExits124() {
    long t0 = System.nanoTime();
    Tool.Result r = Tool.run("--timeout", "500ms", "sh", "-c", "sleep 100 & sleep 100");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.code()).isEqualTo(124);
    assertThat(r.err()).isEqualTo("containerj: timed out after 500ms: container killed\n");
    // A sanity bound against a missed timeout (the payload sleeps 100 s), not a speed claim.
    assertThat(took).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void environmentStartsCleanWithWhatWasAsked() {
    Map<String, String> host = Map.of("FROM_HOST", "copied");
    Tool.Result r = Tool.run(host::get, "-e", "FOO=bar=baz", "-e", "FROM_HOST", "-e", "UNSET_HERE", "env");
    assertThat(r.code()).isZero();
    assertThat(r.outLines()).contains("FOO=bar=baz", "FROM_HOST=copied")
        .noneMatch(l -> l.startsWith("UNSET_HERE"))
        .noneMatch(l -> l.startsWith("JAVA_HOME=") || l.startsWith("MAVEN_"));
    assertThat(r.outLines()).anyMatch(l -> l.startsWith("PATH=/"));
  }

  @Test
  void workdirAndUser() {
    assertThat(Tool.run("-w", "/usr/share", "pwd").out()).isEqualTo("/usr/share\n");
    assertThat(Tool.run("-u", "1000:1000", "sh", "-c", "id -u; id -g").out()).isEqualTo("1000\n1000\n");
    assertThat(Tool.run("-u", "1000", "sh", "-c", "id -u; id -g").out()).isEqualTo("1000\n0\n");
  }

  @Test
  void readOnlyVolumeRefusesWrites(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("hello.txt"), "hi from the host\n");
    Tool.Result r = Tool.run("--userns", "host", "-v", dir + ":/mnt:ro", "sh", "-c", "cat /mnt/hello.txt; echo x > /mnt/new");
    assertThat(r.out()).isEqualTo("hi from the host\n");
    assertThat(r.err()).contains("Read-only file system");
    assertThat(r.code()).isNotZero();
    assertThat(dir.resolve("new")).doesNotExist();
  }

  @Test
  void readWriteVolumeReachesTheHost(@TempDir Path dir) throws IOException {
    Tool.Result r = Tool.run("--userns", "host", "-v", dir + ":/mnt", "sh", "-c", "echo written > /mnt/new");
    assertThat(r.code()).isZero();
    assertThat(Files.readString(dir.resolve("new"))).isEqualTo("written\n");
  }

  @Test
  void byDefaultARootOwnedVolumeIsClosedToTheContainersRoot(@TempDir Path dir) throws IOException {
    // The default id map (as root, on the host's /): the container's root is no one on the host, so a
    // private root-owned directory stays closed; --userns host opens it (test above).
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.containerj.linux.internal.LibC.geteuid() == 0,
        "an ordinary user's container is the user itself");
    Tool.Result r = Tool.run("-v", dir + ":/mnt", "sh", "-c", "echo written > /mnt/new");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("Permission denied");
    assertThat(dir.resolve("new")).doesNotExist();
  }

  @Test
  void tmpfsWithSize() {
    Tool.Result r = Tool.run("--tmpfs", "/srv:size=1m", "sh", "-c",
        "grep ' /srv ' /proc/self/mounts | tail -n 1; echo x > /srv/f && cat /srv/f");
    assertThat(r.code()).isZero();
    assertThat(r.outLines()).hasSize(2);
    assertThat(r.outLines().get(0)).startsWith("tmpfs /srv tmpfs ").contains("size=1024k");
    assertThat(r.outLines().get(1)).isEqualTo("x");
  }

  @Test
  void mountOnMissingTargetExplainsWhy() {
    Tool.Result r = Tool.run("--read-only", "--tmpfs", "/no-such-dir", "true");
    assertThat(r.code()).isEqualTo(125);
    assertThat(r.err()).contains("ENOENT").endsWith("(the mount target must already exist in this root filesystem)\n");
  }

  @Test
  void theDefaultRootIsWritableAndGetsMissingMountTargets() {
    Tool.Result r = Tool.run("--tmpfs", "/no-such-dir/below", "sh", "-c",
        "stat -f -c %T /no-such-dir/below && echo x > /cj-cli-test && cat /cj-cli-test");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("tmpfs\nx\n");
    assertThat(Path.of("/no-such-dir")).doesNotExist();
    assertThat(Path.of("/cj-cli-test")).doesNotExist();
  }

  @Test
  void networkNoneHasOnlyLoopbackDown() {
    Tool.Result none = Tool.run("--network", "none", "sh", "-c",
        "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; cat /sys/class/net/lo/flags");
    assertThat(none.outLines()).containsExactly("lo", "0x8"); // IFF_LOOPBACK, not IFF_UP
  }

  @Test
  void networkLoopbackHasLoopbackUp() {
    Tool.Result loopback = Tool.run("--network", "loopback", "sh", "-c",
        "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; cat /sys/class/net/lo/flags");
    assertThat(loopback.outLines().get(0)).isEqualTo("lo");
    assertThat(Integer.decode(loopback.outLines().get(1)) & 0x1).as("IFF_UP").isEqualTo(1);
  }

  @Test
  void ulimit() {
    assertThat(Tool.run("--ulimit", "nofile=64:128", "sh", "-c", "ulimit -n; ulimit -Hn").out())
        .isEqualTo("64\n128\n");
  }

  @Test
  void capabilitiesAreTheBoundingSet() {
    Tool.Result caps = Tool.run("--cap-drop", "ALL", "--cap-add", "chown", "grep", "CapBnd", "/proc/self/status");
    assertThat(caps.out()).isEqualTo("CapBnd:\t0000000000000001\n");
    Tool.Result defaults = Tool.run("grep", "CapBnd", "/proc/self/status");
    assertThat(defaults.out()).isEqualTo("CapBnd:\t00000000a80405fb\n");
  }

  @Test
  void versionAndHelp() {
    Tool.Result v = Tool.execute("--version");
    assertThat(v.code()).isZero();
    assertThat(v.outLines().get(0)).matches("containerj \\d+\\.\\d+\\.\\d+.*");
    Tool.Result help = Tool.execute("run", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--timeout", "--volume", "--network", "127  CMD was not found");
  }

  @Test
  void reapFindsNothingOfOurs() {
    Tool.Result r = Tool.execute("reap");
    assertThat(r.code()).isZero();
    assertThat(r.outLines()).allMatch(l -> l.equals("nothing to reap") || l.startsWith("reaped "));
  }

  /** Waits for this JVM's running container whose argv[0] is {@code command}. */
  static ContainerInfo awaitContainer(String command) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (ContainerInfo c : Tool.ownedByThisJvm()) {
        if (c.command().equals(command) && c.running()) {
          return c;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no running container with command " + command + " appeared in 20 s");
  }

  static void kill(String signal, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor()).as("kill -%s %d", signal, pid).isZero();
  }
}
