package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Checks that a container left nothing: its processes are gone and so is its state directory. */
final class Leaks {
  private Leaks() {}

  static void assertGone(String id, int pid) throws InterruptedException {
    assertGone(id, pid, false);
  }

  /** As {@link #assertGone(String, int)}; with {@code reap}, after the processes are gone the runtime reaps. */
  static void assertGone(String id, int pid, boolean reap) throws InterruptedException {
    Path dir = ContainerRuntime.defaults().stateDirectory().resolve(id);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (alive(pid) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (reap) {
      ContainerRuntime.defaults().reap();
    }
    while (Files.exists(dir) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(alive(pid)).as("pid %d of container %s alive", pid, id).isFalse();
    assertThat(dir).as("state directory of container %s", id).doesNotExist();
  }

  /** Whether {@code pid} runs (a zombie counts as gone: it holds nothing but its pid). */
  static boolean alive(int pid) {
    try {
      String stat = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "stat")).get(0);
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
