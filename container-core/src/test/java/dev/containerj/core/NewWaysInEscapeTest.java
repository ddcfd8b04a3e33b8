package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.containerj.core.internal.StateRecord;
import dev.containerj.core.internal.StateStore;
import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the ways in added since the last security review (exec, the OCI runtime, the pool,
 * the user-mode network, {@code run -d}, copyTo/copyFrom), from a payload and from another host
 * user. See container-core/README-security.md, "New ways in".
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class NewWaysInEscapeTest {
  private static final int NOBODY = 65534;

  /**
   * Another user plants the state directory (an ordinary user without XDG_RUNTIME_DIR gets
   * {@code /tmp/containerj-UID}, in a world-writable directory) with a record whose "container"
   * is a process of the victim and whose owner is dead: the victim's {@code reap}, {@code ps} and
   * {@code rm -f} must not act on it. Protection off: the same records in a directory the victim
   * owns, as the readers took them before the check: the reap SIGKILLs the victim's process.
   */
  @Test
  void recordsOfAStateDirectoryAnotherUserOwnsAreNotActedOn(@TempDir Path tmp) throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "needs root to give the planted directory to another uid (nobody)");
    Path planted = Files.createDirectory(tmp.resolve("containerj-victim"));
    Process victim = new ProcessBuilder("sleep", "600").start();
    try {
      long start = StateStore.startTime((int) victim.pid());
      String id = "0123456789abcdef0123456789abcdef";
      Path dir = Files.createDirectory(planted.resolve(id));
      // owner: pid 1 with a start time that is not init's, so "dead"; not detached, container "alive"
      Files.writeString(dir.resolve(StateStore.RECORD), new StateRecord(id, (int) victim.pid(), start, 1, 123456789L,
          false, System.currentTimeMillis(), "sleep", "").toJson());
      chownTree(planted, NOBODY);
      ContainerRuntime runtime = ContainerRuntime.builder().stateDirectory(planted).reapOnStart(false).build();

      for (Runnable call : List.<Runnable>of(runtime::reap, runtime::list, () -> runtime.remove(id, true))) {
        Throwable t = catchThrowable(call::run);
        assertThat(victim.waitFor(300, TimeUnit.MILLISECONDS)).as("the victim's process is alive").isFalse();
        assertThat(t).isInstanceOf(ContainerException.class).hasMessageContaining(planted.toString())
            .hasMessageContaining("belongs to uid " + NOBODY);
      }

      // Protection off: the same directory owned by the victim (what the readers trusted before).
      chownTree(planted, 0);
      assertThat(runtime.list()).extracting(ContainerInfo::id).containsExactly(id);
      assertThat(runtime.reap()).containsExactly(id);
      assertThat(victim.waitFor(10, TimeUnit.SECONDS)).as("killed by the reap").isTrue();
      assertThat(victim.exitValue()).isEqualTo(137);
    } finally {
      victim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void chownTree(Path top, int uid) throws Exception {
    Process p = new ProcessBuilder("chown", "-R", "-h", uid + ":" + uid, top.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }
}
