package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.core.internal.StateStore;
import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's cgroup that cannot be removed keeps what names it: the removal fails, the record
 * owner file stay, and a second removal takes it all once the obstacle is gone (as runc's
 * delete). The obstacle is a mount point inside the container's cgroup, which rmdir(2) refuses
 * (EBUSY) whatever is killed.
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class CgroupLeftoverTest {
  @TempDir Path tmp;

  @Test
  void aCgroupThatCannotBeRemovedKeepsTheRecordAndASecondRemovalTakesItAll() throws Exception {
    assumeTrue(LibC.geteuid() == 0, "the obstacle is a bind mount, which needs root");
    ContainerRuntime rt = ContainerRuntime.builder().stateDirectory(tmp.resolve("state")).reapOnStart(false)
        .backgroundTeardown(false).build();
    Container c = rt.start(ContainerSpec.builder().command("sleep", "600").cgroup(true).detached(true).build());
    Path obstacle = null;
    boolean mounted = false;
    try {
      Path dir = tmp.resolve("state").resolve(c.id());
      // The owner file names a directory in every hierarchy; the start makes those it uses.
      List<Path> cgroups = Files.readAllLines(dir.resolve(StateStore.OWNER)).stream().skip(1)
          .filter(l -> !l.isBlank()).map(Path::of).filter(Files::isDirectory).toList();
      assertThat(cgroups).isNotEmpty();
      obstacle = Files.createDirectory(cgroups.get(0).resolve("obstacle"));
      Path empty = Files.createDirectories(tmp.resolve("empty"));
      assertThat(new ProcessBuilder("mount", "--bind", empty.toString(), obstacle.toString()).inheritIO().start()
          .waitFor()).isZero();
      mounted = true;
      assertThatThrownBy(() -> rt.remove(c.id(), true)).isInstanceOf(ContainerException.class)
          .hasMessageContaining("could not be removed").hasMessageContaining(cgroups.get(0).toString());
      // The payload is dead: its owner (this JVM) dropped the record of a live container; the
      // owner file, which names the cgroups for a reaper, stays.
      assertThat(dir.resolve(StateStore.OWNER)).as("the owner file stays while its cgroup does").exists();
      assertThat(cgroups.get(0)).exists();
      assertThat(new ProcessBuilder("umount", obstacle.toString()).inheritIO().start().waitFor()).isZero();
      mounted = false;
      c.close(); // the owner's removal, inline (backgroundTeardown(false))
      assertThat(dir).doesNotExist();
      assertThat(cgroups).as("the second removal takes every cgroup").allMatch(p -> !Files.exists(p));
    } finally {
      if (mounted) {
        new ProcessBuilder("umount", "-l", obstacle.toString()).inheritIO().start().waitFor();
      }
      if (obstacle != null) {
        Files.deleteIfExists(obstacle);
      }
      c.close();
    }
  }
}
