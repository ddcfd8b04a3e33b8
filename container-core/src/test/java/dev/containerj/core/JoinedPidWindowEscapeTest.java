package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.Redirect;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first process of a container that joins another container's pid namespace (a pod's app
 * container and its sandbox), between its capset and its seccomp filter, and right after its id
 * change: the sandbox's payload is in the same pid namespace then. The test holds the process there
 * (a fifo it opens, {@link ContainerStarter#gateBeforeSeccomp}, {@link
 * ContainerStarter#gateAfterIdChange}) and the sandbox's pid 1, a Python payload, tries to take it.
 * See container-core/README-security.md, "New ways in".
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class JoinedPidWindowEscapeTest {
  /**
   * The sandbox runs without a user namespace (the host's root with the default capabilities, as
   * Docker's default), the joining container with its own: the sandbox's root owns that user
   * namespace's parent, so only "dumpable" stands between them. With the protection the process is
   * non-dumpable: PTRACE_SEIZE {@code EPERM}, its {@code /proc/PID/mem} and the links of
   * {@code /proc/PID/fd/N} {@code EACCES}. Off ({@link ProtectionsOff#dumpableJoiner}): the payload
   * attaches to it and reads its memory and fds.
   * Rootless: an ordinary user's join is refused with EPERM (JoinNamespaceTest), so root only.
   */
  @Test
  void aJoiningContainersFirstProcessCannotBeTracedBeforeItsSeccompFilter(@TempDir Path dir) throws Exception {
    Map<String, String> off = attackOnAndOff(dir, EscapeProbe.WINDOW_ATTACK, false, "NoNewPrivs=1 Seccomp=0",
        b -> ProtectionsOff.dumpableJoiner = b);
    // Its fds, among them the descriptor of the joined pid namespace that the start passed it.
    assertThat(off.get("fds")).contains(">pid:[");
  }

  /**
   * The same sandbox and joiner, the joiner held right after its id change (setresuid to its user
   * namespace's root, {@link ContainerStarter#gateAfterIdChange}): it then has that root's
   * capabilities, the ids of its root on the host, no no_new_privs and no seccomp filter, and, as
   * before, set itself dumpable there for its /proc/self writes. The sandbox's root owns the parent
   * of the joiner's user namespace, so it passes ptrace(2)'s credential and capability checks. With
   * the protection the process is non-dumpable from the helper's first step (before the joins and
   * the clone) to its execve, re-set right after each id change: PTRACE_SEIZE {@code EPERM},
   * {@code /proc/PID/mem} and the links of {@code /proc/PID/fd/N} {@code EACCES}. Off ({@link
   * ProtectionsOff#dumpableJoinerIdChange}, the order before): the payload attaches and reads them.
   * Root only, as above.
   */
  @Test
  void aJoiningContainersFirstProcessCannotBeTracedAtItsIdChange(@TempDir Path dir) throws Exception {
    // Held in the gate: asleep, ids no longer the host's root (the default map of a root JVM), neither
    // no_new_privs nor a filter yet. The sandbox's pid 1 is the only other process there.
    String attack = EscapeProbe.windowAttack("'State:\\tS' in st and 'NoNewPrivs:\\t0' in st and 'Seccomp:\\t0' in st "
        + "and st.split('Uid:\\t')[1].split('\\t')[0] != '0'", "ids changed, NoNewPrivs=0 Seccomp=0");
    Map<String, String> off = attackOnAndOff(dir, attack, true, "ids changed, NoNewPrivs=0 Seccomp=0",
        b -> ProtectionsOff.dumpableJoinerIdChange = b);
    assertThat(off.get("fds")).contains(">pid:[", ">pipe:[");
  }

  /**
   * Non-dumpable from the helper's first step, the first process still writes its oom_score_adj
   * (now before its id change, while its host ids own its /proc files): joining a pid namespace, and
   * without a pid namespace of its own (the host's) with the locked assembly and with the assembly in
   * its own mount namespace (which cannot mount a joined pid namespace's proc: its user namespace has
   * no privilege over it). Root only: an ordinary user keeps the older order.
   */
  @Test
  void aFirstProcessNonDumpableFromItsStartStillSetsItsOomScoreAdj() throws Exception {
    Assumptions.assumeTrue(EscapeProbe.ROOT, "joining another container's pid namespace needs CAP_SYS_ADMIN "
        + "over it (setns(2)): root");
    try (Container a = Container.start(ContainerSpec.builder().command("sleep", "100").build())) {
      Run.Result r = Run.run(Run.sh("cat /proc/self/oom_score_adj").oomScoreAdj(500)
          .joinNamespace(Namespace.PID, Path.of("/proc/" + a.pid() + "/ns/pid")).build());
      assertThat(r.out()).as("joined; stderr %s", r.err()).isEqualTo("500\n");
    }
    for (boolean unlocked : new boolean[] {false, true}) {
      ProtectionsOff.unlockedMounts = unlocked;
      try {
        Run.Result r = Run.run(Run.sh("cat /proc/self/oom_score_adj").oomScoreAdj(500).namespaces(EnumSet.of(
            Namespace.USER, Namespace.MOUNT, Namespace.UTS, Namespace.IPC, Namespace.NET, Namespace.CGROUP)).build());
        assertThat(r.out()).as("the host's pid namespace, unlocked %s; stderr %s", unlocked, r.err())
            .isEqualTo("500\n");
      } finally {
        ProtectionsOff.unlockedMounts = false;
      }
    }
  }

  /**
   * Attacks the window with the protection on and asserts the kernel's refusals, then again with it
   * off ({@code protectionOff} given true, then false) and asserts that the attach worked; returns
   * the off-run's results.
   */
  private static Map<String, String> attackOnAndOff(Path dir, String attack, boolean afterIdChange, String window,
      java.util.function.Consumer<Boolean> protectionOff) throws Exception {
    Assumptions.assumeTrue(EscapeProbe.ROOT, "joining another container's pid namespace needs CAP_SYS_ADMIN "
        + "over it (setns(2)): root");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Map<String, String> on = attackTheWindow(dir, attack, afterIdChange);
    assertThat(on).containsEntry("window", window).containsEntry("seize", "EPERM")
        .containsEntry("mem", "EACCES").containsEntry("fds", "EACCES").containsEntry("joiner", "done");

    protectionOff.accept(true);
    Map<String, String> off;
    try {
      off = attackTheWindow(dir, attack, afterIdChange);
    } finally {
      protectionOff.accept(false);
    }
    assertThat(off).containsEntry("window", window).containsEntry("seize", "OK")
        .containsEntry("mem", "OK").containsEntry("joiner", "done");
    assertThat(off.get("fds")).as("the joining process's fds, read by the sandbox's payload").startsWith("0>");
    return off;
  }

  /**
   * Starts a sandbox whose pid 1 waits for the first process of a container joining its pid
   * namespace to reach the gate (before its seccomp filter, or after its id change), attacks it with
   * {@code attack}, then lets it go on; returns what pid 1 saw and what the joining container
   * printed ({@code joiner}).
   */
  private static Map<String, String> attackTheWindow(Path dir, String attack, boolean afterIdChange)
      throws Exception {
    String script = String.join("\n",
        "import time",
        "os.mkfifo('/gate/fifo')",
        "os.chmod('/gate/fifo', 0o666)",
        "out('ready', 1)",
        attack,
        "g = os.open('/gate/fifo', os.O_RDONLY)",
        "os.read(g, 1)",
        "os.close(g)",
        "os.unlink('/gate/fifo')",
        "out('released', 1)",
        "time.sleep(60)");
    EnumSet<Namespace> noUser = EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.UTS, Namespace.IPC,
        Namespace.CGROUP, Namespace.NET);
    ContainerSpec.Builder sandbox = EscapeProbe.python(script).namespaces(noUser)
        .mount(MountSpec.bind(dir, "/gate"));
    Map<String, String> seen = new LinkedHashMap<>();
    try (Container a = Container.start(sandbox.build())) {
      BufferedReader lines = new BufferedReader(new InputStreamReader(a.stdout(), StandardCharsets.UTF_8));
      CompletableFuture<String> err = Run.drain(a.stderr());
      String line = lines.readLine();
      assertThat(line).as("pid 1's first line; stderr %s", err.isDone() ? err.get() : "").isEqualTo("ready=1");
      ContainerSpec joiner = ContainerSpec.builder().command("echo", "done").mount(MountSpec.bind(dir, "/gate"))
          .joinNamespace(Namespace.PID, Path.of("/proc/" + a.pid() + "/ns/pid"))
          .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build();
      if (afterIdChange) {
        ContainerStarter.gateAfterIdChange = "/gate/fifo";
      } else {
        ContainerStarter.gateBeforeSeccomp = "/gate/fifo";
      }
      CompletableFuture<String> joined;
      try {
        joined = CompletableFuture.supplyAsync(() -> {
          try {
            Run.Result r = Run.run(joiner);
            return r.status().code() == 0 ? r.out().strip() : r.status() + ": " + r.err();
          } catch (Exception e) {
            return e.toString();
          }
        });
        while ((line = lines.readLine()) != null && !line.startsWith("released=")) {
          seen.putAll(EscapeProbe.parse(line));
        }
        assertThat(line).as("pid 1 released the gate; seen %s", seen).isEqualTo("released=1");
        seen.put("joiner", joined.get(30, TimeUnit.SECONDS));
      } finally {
        ContainerStarter.gateBeforeSeccomp = null;
        ContainerStarter.gateAfterIdChange = null;
      }
    }
    return seen;
  }
}
