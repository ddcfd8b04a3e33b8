package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.StateRecord;
import dev.containerj.core.internal.StateStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A JVM that dies by {@code kill -9} takes its containers with it (parent-death signal), and a new
 * JVM's reaper removes the state it left.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class OrphanReaperTest {

  /** Run in a child JVM: start a long container, print its id and pid, then wait to be killed. */
  public static void main(String[] args) throws Exception {
    Container c = Container.start(ContainerSpec.builder().command("sleep", "1000").build());
    System.out.println(c.id() + " " + c.pid());
    System.out.flush();
    Thread.sleep(600_000);
  }

  @Test
  void containersDieWithTheirJvmAndTheReaperCleansUp() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", SecureDefaultsTest.childClassPath(),
        "-Dcontainerj.stateDir=" + StateStore.forCurrentUser().root(), OrphanReaperTest.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String[] line;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      line = r.readLine().split(" ");
    }
    String id = line[0];
    int pid = Integer.parseInt(line[1]);
    assertThat(Container.list()).extracting(ContainerInfo::id).contains(id);
    assertThat(Path.of("/proc/" + pid)).exists();

    jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
    assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();

    // PR_SET_PDEATHSIG: the container's pid 1 is killed when its parent thread dies.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Path.of("/proc/" + pid + "/stat").toFile().exists() && !isZombie(pid) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(!Path.of("/proc/" + pid).toFile().exists() || isZombie(pid)).as("container pid %d gone", pid).isTrue();

    List<ContainerInfo> before = Container.list();
    assertThat(before).filteredOn(i -> i.id().equals(id)).singleElement()
        .satisfies(i -> assertThat(i.ownerAlive()).isFalse());
    assertThat(Container.reapOrphans()).contains(id);
    assertThat(Container.list()).extracting(ContainerInfo::id).doesNotContain(id);
    assertThat(StateStore.forCurrentUser().dir(id)).doesNotExist();
  }

  @Test
  void stateRecordsRoundTrip() {
    StateRecord r = new StateRecord("abc", 42, 7, 43, 8, true, 1234, "sh \"quoted\"\\", "containerj/abc");
    assertThat(StateRecord.fromJson(r.toJson())).isEqualTo(r);
  }

  private static boolean isZombie(int pid) {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (Exception e) {
      return false;
    }
  }
}
