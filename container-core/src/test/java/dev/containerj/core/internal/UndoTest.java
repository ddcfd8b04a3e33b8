package dev.containerj.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared undo list of a start and a close. */
class UndoTest {

  @Test
  void runsLastAcquiredFirstOnceAndPastAFailure() {
    List<String> ran = new ArrayList<>();
    Undo undo = new Undo();
    undo.push("state directory", () -> ran.add("state directory"));
    undo.push("cgroup", () -> ran.add("cgroup"));
    undo.push("image root", () -> {
      throw new IllegalStateException("busy");
    });
    undo.push("payload", () -> ran.add("payload"));
    assertThat(undo.order()).containsExactly("payload", "image root", "cgroup", "state directory");
    undo.close();
    assertThat(ran).containsExactly("payload", "cgroup", "state directory");
    undo.close(); // idempotent: nothing runs twice
    assertThat(ran).hasSize(3);
  }
}
