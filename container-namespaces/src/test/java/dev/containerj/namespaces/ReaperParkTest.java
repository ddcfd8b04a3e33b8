package dev.containerj.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reaper thread is inside native code ({@code epoll_wait}) only while a child is watched.
 * HotSpot's exit waits up to 0.3 s for every thread in native code, so a reaper left in epoll_wait
 * made every JVM that had started a container exit 0.3 s late (JDK 17 cannot turn the wait off).
 * {@link Thread#getState()} shows it: a thread in a native call is RUNNABLE, a parked one WAITING.
 */
@Tag("kernel")
@Tag("rootless")
class ReaperParkTest {

  private static Thread reaper() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("containerj-reaper")).findFirst().orElseThrow();
  }

  /** Polls, because the reaper completes the exit future before it goes back to its loop. */
  private static Thread.State settle(Thread t, Thread.State wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (t.getState() != wanted && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return t.getState();
  }

  @Test
  void theReaperWaitsInNativeCodeOnlyWhileAChildIsWatched() throws Exception {
    try (NamespacedProcess p = ProcessLauncher.builder().command("sleep", "100")
        .namespaces(EnumSet.of(Namespace.USER)).build().start()) {
      Thread reaper = reaper();
      assertThat(settle(reaper, Thread.State.RUNNABLE)).as("reaper while a child lives").isEqualTo(Thread.State.RUNNABLE);
      p.signal(Signal.SIGKILL);
      assertThat(p.waitFor().killSignal()).isEqualTo(Signal.SIGKILL);
      assertThat(settle(reaper, Thread.State.WAITING))
          .as("reaper with nothing to watch (RUNNABLE = still in epoll_wait, the JVM's exit would wait for it)")
          .isEqualTo(Thread.State.WAITING);
    }
    // a second child after the park is still reaped (the unpark in watch)
    try (NamespacedProcess p = ProcessLauncher.builder().command("sh", "-c", "exit 7")
        .namespaces(EnumSet.of(Namespace.USER)).build().start()) {
      assertThat(p.waitFor(Duration.ofSeconds(10))).contains(ExitStatus.exited(7));
    }
  }
}
