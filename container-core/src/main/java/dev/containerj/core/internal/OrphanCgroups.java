package dev.containerj.core.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the cgroup directories of a container whose owning JVM died, given as the owner recorded
 * them (absolute paths, one per hierarchy: a dead JVM's own cgroup can no longer be read from
 * /proc, and another JVM's containers may live below another parent). Processes still inside are
 * killed first; nested cgroups go before their parent; the shared {@code containerj/} parent goes
 * too when it is left empty (a start that finds it gone creates it again).
 */
final class OrphanCgroups {
  private OrphanCgroups() {}

  /**
   * Never throws; what cannot be removed stays for the next reap, and is returned: the caller keeps
   * the owner file that names it (without it no reaper could find the cgroup again).
   *
   * @return the directories of {@code dirs} that still exist
   */
  static List<Path> remove(List<Path> dirs) {
    List<Path> present = present(dirs);
    if (present.isEmpty()) {
      return present;
    }
    kill(present);
    for (Path d : present) {
      removeTree(d);
      try {
        Files.delete(d.getParent()); // containerj/: only when no other container is left in it
      } catch (IOException inUse) {
        // another container's (or gone already)
      }
    }
    return present(present);
  }

  /** The directories of {@code dirs} that exist. */
  static List<Path> present(List<Path> dirs) {
    List<Path> present = new ArrayList<>();
    for (Path d : dirs) {
      if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
        present.add(d);
      }
    }
    return present;
  }

  /** cgroup.kill where the kernel has it (Linux 5.14), else SIGKILL to each pid; then waits a little. */
  private static void kill(List<Path> dirs) {
    for (int round = 0; round < 100; round++) {
      List<Integer> pids = new ArrayList<>();
      for (Path d : dirs) {
        pids(d, pids);
      }
      if (pids.isEmpty()) {
        return;
      }
      boolean killed = false;
      for (Path d : dirs) {
        Path kill = d.resolve("cgroup.kill");
        if (Files.exists(kill)) {
          try {
            Files.writeString(kill, "1");
            killed = true;
          } catch (IOException e) {
            // fall back to the pids
          }
        }
      }
      if (!killed) {
        for (int pid : pids) {
          try {
            LibC.kill(pid, Constants.SIGKILL);
          } catch (LastErrorException gone) {
            // ended meanwhile
          }
        }
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The pids in {@code dir} and its nested cgroups. */
  private static void pids(Path dir, List<Integer> out) {
    try {
      for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
        if (!line.isBlank()) {
          out.add(Integer.parseInt(line.trim()));
        }
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
        for (Path child : ds) {
          pids(child, out);
        }
      }
    } catch (IOException | RuntimeException gone) {
      // removed meanwhile
    }
  }

  /** rmdir(2) of {@code dir}, nested cgroups first; EBUSY right after the last task left is retried. */
  private static void removeTree(Path dir) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
      for (Path child : ds) {
        removeTree(child);
      }
    } catch (IOException gone) {
      return;
    }
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        Files.delete(dir);
        return;
      } catch (NoSuchFileException gone) {
        return;
      } catch (FileSystemException busy) {
        // v1 tears a cgroup down asynchronously after its last task
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (IOException e) {
        return;
      }
    }
  }
}
