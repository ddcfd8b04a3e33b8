package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.StateRecord;
import dev.containerj.core.internal.StateStore;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Asserts after a test class that it left nothing behind: no state record or directory of this JVM,
 * no new mount in the host's mount table, no child process still running, no new container cgroup
 * under the runtime's cgroup parent.
 */
final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
  private List<String> mountsBefore = List.of();
  private Set<String> cgroupsBefore = Set.of();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    drainTeardown();
    mountsBefore = mounts();
    cgroupsBefore = containerCgroups();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    drainTeardown();
    int self = LibC.getpid();
    List<String> ours = new ArrayList<>();
    for (StateRecord r : StateStore.forCurrentUser().list()) {
      if (r.ownerPid() == self) {
        ours.add(r.id());
      }
    }
    assertThat(ours).as("state records left by this JVM").isEmpty();
    Path root = StateStore.forCurrentUser().root();
    if (Files.isDirectory(root)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
        for (Path d : ds) {
          if (d.getFileName().toString().equals("networks")) {
            continue; // the networks' address pools, not a container
          }
          assertThat(Files.exists(d.resolve(StateStore.RECORD)) || !isRecent(d))
              .as("state directory without record left behind: %s", d).isTrue();
        }
      }
    }
    assertThat(mounts()).as("host mount table").containsExactlyInAnyOrderElementsOf(mountsBefore);
    assertThat(liveChildren(self)).as("child processes still alive").isEmpty();
    Set<String> newCgroups = new TreeSet<>(containerCgroups());
    newCgroups.removeAll(cgroupsBefore);
    assertThat(newCgroups).as("container cgroups left under the runtime's cgroup parent").isEmpty();
  }

  /**
   * Waits for the removals that closes left to the background teardown lane (the default): what is
   * still queued is not a leak, what is left after the lane ran is.
   */
  static void drainTeardown() {
    assertThat(ContainerRuntime.defaults().awaitTeardown(java.time.Duration.ofSeconds(60)))
        .as("background teardown drained").isTrue();
  }

  /**
   * The default runtime's container cgroups, {@code <this JVM's cgroup>/containerj/<id>} in every
   * hierarchy, and that {@code containerj} directory itself (the last container's close removes it).
   * A container's close removes its cgroup (rmdir in each hierarchy): one that is still there after
   * the class is a leak, even when empty (an empty cgroup still costs the kernel memory and counts
   * against cgroup.max.descendants). Cgroups of another JVM that starts containers at the same time
   * would show too; the test lock keeps such runs apart. Empty when this host gives the JVM no cgroup
   * manager (nothing can be left then).
   */
  static Set<String> containerCgroups() throws IOException {
    java.util.Collection<Path> parents;
    try {
      parents = new java.util.LinkedHashSet<>(ContainerStarter.cgroups().parentPaths().values());
    } catch (RuntimeException noCgroups) {
      return Set.of();
    }
    Set<String> out = new TreeSet<>();
    for (Path parent : parents) {
      Path dir = parent.resolve(ContainerStarter.DEFAULT_CGROUP_PARENT);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      out.add(dir.toString());
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
        for (Path c : ds) {
          out.add(c.toString());
        }
      } catch (java.nio.file.NoSuchFileException gone) {
        // the last container of another JVM just removed it
      }
    }
    return out;
  }

  private static boolean isRecent(Path d) throws IOException {
    return Files.getLastModifiedTime(d).toMillis() > System.currentTimeMillis() - 10 * 60_000;
  }

  /**
   * The host's mounts where a container start could leak one: under the state directory or the
   * temp directory (other software on the machine may mount elsewhere while the tests run).
   */
  static List<String> mounts() throws IOException {
    List<String> out = new ArrayList<>();
    String state = StateStore.forCurrentUser().root().toString();
    String tmp = System.getProperty("java.io.tmpdir");
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (!f[4].startsWith(state) && !f[4].startsWith(tmp) && !f[4].contains("containerj")) {
        continue;
      }
      out.add(f[4] + " (root " + f[3] + ", source " + line.substring(line.indexOf(" - ") + 3) + ")");
    }
    return out;
  }

  /** Children of this JVM that are neither reaped nor zombies of a finished test. */
  static List<Integer> liveChildren(int parent) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : ds) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Integer.parseInt(f[1]) == parent && !f[0].equals("Z")) {
            out.add(Integer.parseInt(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // raced with an exit
        }
      }
    }
    return out;
  }
}
