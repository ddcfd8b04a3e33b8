package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.Signal;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ProcessSpec#init()} ({@code --init}): an init as pid 1 forwards signals to the payload and
 * reaps zombies. Each test runs the same container without the init too (the protection off), where
 * the kernel's shield of a pid-namespace init and a pid 1 that never waits show.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class InitTest {

  @Test
  void killTermOneFromInsideEndsTheContainerWith143OnlyWithInit() throws Exception {
    // Without an init the shell is pid 1 with no SIGTERM handler: the kernel drops the signal
    // (pid_namespaces(7)), as in docker run without --init.
    Run.Result without = Run.run(Run.sh("kill -TERM 1; echo alive").build());
    assertThat(without.status().code()).as("stderr %s", without.err()).isZero();
    assertThat(without.out()).isEqualTo("alive\n");

    Run.Result with = Run.run(Run.sh("kill -TERM 1; sleep 5; echo alive").init(true).build());
    assertThat(with.status().exited()).as("status %s", with.status()).isTrue();
    assertThat(with.status().code()).as("stderr %s", with.err()).isEqualTo(143);
    assertThat(with.out()).isEmpty();
  }

  @Test
  void theInitWorksUnderTheHardenedPresetAndOnATerminal() throws Exception {
    // The init runs under the payload's seccomp filter: the hardened profile must let it fork, wait
    // and forward; on a terminal the payload gets the foreground (tcsetpgrp) and still ends with 143.
    Run.Result hardened = Run.run(Run.sh("kill -TERM 1; sleep 5; echo alive").init(true)
        .security(Security.hardened()).build());
    assertThat(hardened.status().code()).as("stderr %s", hardened.err()).isEqualTo(143);
    Redirect tty = Redirect.tty();
    try (Container c = Container.start(ContainerSpec.builder().init(true).stdin(tty).stdout(tty).stderr(tty)
        .command("sh", "-c", "kill -TERM 1; sleep 5; echo alive").build())) {
      assertThat(c.waitFor(Duration.ofSeconds(10))).hasValueSatisfying(s -> assertThat(s.code()).isEqualTo(143));
    }
  }

  @Test
  void theInitIsPid1AndThePayloadItsChild() throws Exception {
    Run.Result r = Run.run(Run.sh("[ $$ -ne 1 ] && echo not-pid-1; grep '^PPid:' /proc/$$/status; "
        + "grep -E '^(NoNewPrivs|Seccomp):' /proc/1/status").init(true).build());
    assertThat(r.status().code()).as("stderr %s", r.err()).isZero();
    // A child of pid 1, which is confined as the payload is (no_new_privs and the seccomp filter
    // were set before the fork).
    assertThat(r.out()).isEqualTo("not-pid-1\nPPid:\t1\nNoNewPrivs:\t1\nSeccomp:\t2\n");
  }

  @Test
  void zombiesOfOrphansAreReapedOnlyWithInit() throws Exception {
    assertThat(zombiesAfterOrphans(false)).as("sleep as pid 1 never waits").isEqualTo(3);
    assertThat(zombiesAfterOrphans(true)).as("the init reaps").isZero();
  }

  /**
   * Three orphans (re-parented to pid 1) that exit once the shell has become {@code sleep}, which
   * never waits: pid 1 itself without an init, the init's child with one.
   */
  private static int zombiesAfterOrphans(boolean init) throws Exception {
    ContainerSpec spec = ContainerSpec.builder().init(init)
        .command("sh", "-c", "(sleep 0.3 &); (sleep 0.3 &); (sleep 0.3 &); exec sleep 60").build();
    try (Container c = Container.start(spec)) {
      int zombies = -1;
      for (int i = 0; i < 50; i++) {
        Thread.sleep(100);
        try (ExecProcess p = c.exec(ProcessSpec.builder().command("sh", "-c",
            "grep -h '^State:' /proc/[0-9]*/status | grep -c Z; true").build())) {
          zombies = Integer.parseInt(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8).trim());
          p.waitFor();
        }
        if (zombies == (init ? 0 : 3) && i >= 8) {
          break; // settled (the orphans have had time to exit)
        }
      }
      return zombies;
    }
  }

  @Test
  void signalsSentByContainerSignalReachThePayloadOnlyWithInit() throws Exception {
    // Without an init `sleep` is pid 1 with no handler: the kernel ignores SIGTERM from the host too.
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").build())) {
      Thread.sleep(200);
      c.signal(Signal.SIGTERM);
      assertThat(c.waitFor(Duration.ofMillis(700))).as("pid 1 without a handler").isEmpty();
    }
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").init(true).build())) {
      Thread.sleep(200);
      c.signal(Signal.SIGTERM);
      Optional<ExitStatus> s = c.waitFor(Duration.ofSeconds(10));
      assertThat(s).as("the init forwards SIGTERM to sleep").isPresent();
      assertThat(s.get().code()).isEqualTo(143);
    }
  }

  @Test
  void anExecdProcessCannotAskForAnInitOrItsOwnRlimits() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").build())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.exec(ProcessSpec.builder().command("true").init(true)
          .rlimit(new Rlimit(Rlimit.Resource.NOFILE, 10, 10)).build()))
          .isInstanceOfSatisfying(SpecValidationException.class, e -> assertThat(e.violations())
              .extracting(SpecValidationException.Violation::field).containsExactly("init", "rlimits"));
    }
  }

  @Test
  void aHandlerInThePayloadSeesTheForwardedSignal() throws Exception {
    try (Container c = Container.start(ContainerSpec.builder().init(true).stdout(Redirect.PIPE)
        .command("sh", "-c", "trap 'echo got USR1; exit 7' USR1; echo ready; while :; do sleep 0.05; done").build())) {
      byte[] ready = c.stdout().readNBytes(6);
      assertThat(new String(ready, StandardCharsets.UTF_8)).isEqualTo("ready\n");
      c.signal(Signal.SIGUSR1);
      assertThat(c.waitFor(Duration.ofSeconds(10))).hasValueSatisfying(s -> assertThat(s.code()).isEqualTo(7));
      assertThat(new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("got USR1\n");
    }
  }

  @Test
  void initUnderAFilterDenyingWhatTheInitNeedsIsRefused() throws Exception {
    // The init runs under the payload's filter (installed before its fork): a profile without wait4
    // would leave a pid 1 that never reaps its child, so the container would never end.
    SeccompProfile noWait4 = SeccompProfile.defaultProfile(java.util.Set.of()).toBuilder().removeRules("wait4").build();
    ContainerSpec.Builder b = ContainerSpec.builder().init(true).seccomp(noWait4).command("sh", "-c", "exit 3");
    assertThatThrownBy(b::build).isInstanceOf(SpecValidationException.class)
        .hasMessageContaining("seccomp denies a call the init of init(true) makes")
        .hasMessageContaining("allow wait4 or drop init(true)");
    // The same filter without the init is fine: the payload itself does not wait.
    Run.Result plain = Run.run(ContainerSpec.builder().seccomp(noWait4).command("sh", "-c", "exit 3").build());
    assertThat(plain.status().code()).as("stderr %s", plain.err()).isEqualTo(3);

    // Protection off: the combination starts, and the init cannot reap its child: the container never ends.
    dev.containerj.core.internal.ProtectionsOff.initSyscallRule = true;
    ContainerSpec off;
    try {
      off = b.build();
    } finally {
      dev.containerj.core.internal.ProtectionsOff.initSyscallRule = false;
    }
    try (Container c = Container.start(off)) {
      assertThat(c.waitFor(Duration.ofSeconds(2))).as("an init that cannot wait4 never ends").isEmpty();
    }
  }
}
