package dev.containerj.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A thread that waits for a child's exit reaps it itself, so the exit reaches it without a hand-off
 * through the reaper thread; a wait that ends early (timeout, interrupt) gives the child back to the
 * reaper thread, which still reports its end.
 */
@Tag("kernel")
@Tag("rootless")
class ReaperWaiterTest {

  private static NamespacedProcess start(String script) throws LaunchException {
    return ProcessLauncher.builder().command("sh", "-c", script).namespaces(EnumSet.of(Namespace.USER, Namespace.PID))
        .build().start();
  }

  @Test
  void theWaitingThreadReapsTheChildAndRunsItsCallbacks() throws Exception {
    try (NamespacedProcess p = start("sleep 0.3; exit 5")) {
      AtomicReference<String> ranOn = new AtomicReference<>();
      CompletableFuture<ExitStatus> seen = p.onExit().whenComplete((s, e) -> ranOn.set(Thread.currentThread().getName()));
      assertThat(p.waitFor()).isEqualTo(ExitStatus.exited(5));
      assertThat(seen).isCompletedWithValue(ExitStatus.exited(5));
      // Reaped where it was waited for, not on the reaper thread (which would then wake this one).
      assertThat(ranOn.get()).isEqualTo(Thread.currentThread().getName()).isNotEqualTo("containerj-reaper");
    }
  }

  @Test
  void aWaitThatTimesOutOrIsInterruptedLeavesTheChildToTheReaperThread() throws Exception {
    try (NamespacedProcess p = start("exec sleep 1000")) {
      assertThat(p.waitFor(Duration.ofMillis(120))).isEmpty();
      Thread.currentThread().interrupt();
      long t0 = System.nanoTime();
      assertThatThrownBy(p::waitFor).isInstanceOf(InterruptedException.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("ms to see the interrupt").isLessThan(1000);
      // Nobody waits now: the reaper thread must report the end on its own.
      AtomicReference<String> ranOn = new AtomicReference<>();
      CompletableFuture<ExitStatus> seen = p.onExit().whenComplete((s, e) -> ranOn.set(Thread.currentThread().getName()));
      p.signal(Signal.SIGKILL);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!seen.isDone() && System.nanoTime() < deadline) {
        Thread.sleep(5); // not a wait on the future: that would reap here
      }
      assertThat(seen.isDone()).as("reported by the reaper thread").isTrue();
      assertThat(ranOn.get()).isEqualTo("containerj-reaper");
      assertThat(p.waitFor().killSignal()).isEqualTo(Signal.SIGKILL);
    }
  }

  @Test
  void aFutureDerivedWithAnotherTypeWaitsAndReturnsItsOwnValue() throws Exception {
    try (NamespacedProcess p = start("sleep 0.2; exit 7")) {
      // thenApply to another type (as the plugin sandbox's result does): its get() must hand out the
      // derived value, not the exit status its class was first written for.
      CompletableFuture<String> derived = p.onExit().thenApply(s -> "code " + s.code());
      assertThat(derived.get()).isEqualTo("code 7");
      assertThat(p.onExit().thenApply(ExitStatus::code).join()).isEqualTo(7);
      assertThat(p.onExit().thenApply(s -> s).get(5, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(7));
    }
  }
}
