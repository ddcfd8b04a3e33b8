package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A cgroupfs imitation in a temp dir: mkdir fills a new directory with the interface files the
 * kernel would show (v2: per controller enabled in the parent's subtree_control; v1: the parent's
 * files), subtree_control checks availability, cgroup.freeze and cgroup.kill update cgroup.events.
 * Every write is recorded, and a write can be made to fail with an errno.
 */
class FakeCgroupFs extends RealCgroupFs {
  static final Map<String, List<String>> V2_FILES = Map.of(
      "memory", List.of("memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max",
          "memory.oom.group", "memory.events", "memory.current", "memory.stat"),
      "cpu", List.of("cpu.max", "cpu.weight"),
      "pids", List.of("pids.max", "pids.current"),
      "io", List.of("io.max", "io.weight", "io.stat"),
      "cpuset", List.of("cpuset.cpus", "cpuset.mems"),
      "hugetlb", List.of("hugetlb.2MB.max"));

  final List<String> writes = new ArrayList<>();
  final Map<Path, Integer> failures = new HashMap<>();
  /** Directories whose next mkdir calls fail, one errno each (a sibling's close removing the parent: ENOENT). */
  final Map<Path, java.util.Deque<Integer>> mkdirFailures = new HashMap<>();
  /** Directories whose next N rmdir calls fail with EBUSY (as v1 does right after the last task left). */
  final Map<Path, Integer> busy = new HashMap<>();
  /** Files that access(W_OK) reports as not writable (the tests run as root, for whom all are). */
  final Set<Path> notWritable = new java.util.HashSet<>();

  @Override
  public boolean writable(Path path) {
    return !notWritable.contains(path) && super.writable(path);
  }

  /** A v2 root at {@code root} offering {@code controllers}. */
  static Path v2Root(Path root, String controllers) throws IOException {
    Files.createDirectories(root);
    Files.writeString(root.resolve("cgroup.controllers"), controllers + "\n");
    Files.writeString(root.resolve("cgroup.subtree_control"), "");
    Files.writeString(root.resolve("cgroup.procs"), "");
    Files.writeString(root.resolve("cpu.stat"), "usage_usec 0\n");
    return root;
  }

  /** Records the program as a write of {@code bpf-device-program=<instruction count>} to the directory. */
  @Override
  public void attachDeviceProgram(Path dir, byte[] insns) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw writeError("bpf", dir, dev.containerj.linux.internal.Constants.ENOENT);
    }
    writes.add(dir.resolve("bpf-device-program") + "=" + insns.length / 8);
  }

  @Override
  public void write(Path file, String value) throws IOException {
    Integer errno = failures.get(file);
    if (errno != null) {
      throw writeError(value, file, errno);
    }
    if (!Files.exists(file)) {
      throw writeError(value, file, dev.containerj.linux.internal.Constants.ENOENT);
    }
    writes.add(file + "=" + value);
    String name = file.getFileName().toString();
    Path dir = file.getParent();
    switch (name) {
      case "cgroup.subtree_control": {
        Set<String> available = words(read(dir.resolve("cgroup.controllers")));
        Set<String> enabled = words(read(file));
        for (String tok : value.trim().split("\\s+")) {
          String c = tok.substring(1);
          if (!available.contains(c)) {
            throw writeError(value, file, dev.containerj.linux.internal.Constants.ENOENT);
          }
          if (tok.startsWith("+")) {
            enabled.add(c);
          } else {
            enabled.remove(c);
          }
        }
        Files.writeString(file, String.join(" ", enabled) + "\n");
        // As the kernel: existing children get the interface files of what was just enabled.
        try (Stream<Path> children = Files.list(dir)) {
          for (Path child : (Iterable<Path>) children.filter(Files::isDirectory)::iterator) {
            Files.writeString(child.resolve("cgroup.controllers"), String.join(" ", enabled) + "\n");
            for (String c : enabled) {
              for (String f : V2_FILES.getOrDefault(c, List.of())) {
                if (!Files.exists(child.resolve(f))) {
                  Files.writeString(child.resolve(f), f.equals("memory.events") ? "oom 0\noom_kill 0\n" : "");
                }
              }
            }
          }
        }
        return;
      }
      case "cgroup.freeze":
        Files.writeString(dir.resolve("cgroup.events"),
            "populated " + populated(dir) + "\nfrozen " + value.trim() + "\n");
        break;
      case "cgroup.kill":
        Files.writeString(dir.resolve("cgroup.procs"), "");
        Files.writeString(dir.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
        return;
      case "cgroup.procs":
        Files.writeString(file, read(file) + value.trim() + "\n");
        if (Files.exists(dir.resolve("cgroup.events"))) {
          Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        }
        return;
      case "io.max":
        Files.writeString(file, read(file) + value + "\n");
        return;
      default:
        break;
    }
    super.write(file, value);
  }

  private String populated(Path dir) throws IOException {
    return read(dir.resolve("cgroup.procs")).isBlank() ? "0" : "1";
  }

  private static Set<String> words(String s) {
    Set<String> out = new LinkedHashSet<>();
    for (String w : s.trim().split("\\s+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  @Override
  public boolean mkdir(Path dir) throws IOException {
    java.util.Deque<Integer> errnos = mkdirFailures.get(dir);
    if (errnos != null && !errnos.isEmpty()) {
      throw new CgroupException("mkdir(" + dir + ") failed: errno " + errnos.peek(), errnos.poll());
    }
    if (!super.mkdir(dir)) {
      return false;
    }
    Path parent = dir.getParent();
    if (Files.exists(parent.resolve("cgroup.subtree_control"))) {
      String enabled = read(parent.resolve("cgroup.subtree_control")).trim();
      Files.writeString(dir.resolve("cgroup.controllers"), enabled + "\n");
      Files.writeString(dir.resolve("cgroup.subtree_control"), "");
      Files.writeString(dir.resolve("cgroup.procs"), "");
      Files.writeString(dir.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
      Files.writeString(dir.resolve("cgroup.freeze"), "0\n");
      Files.writeString(dir.resolve("cgroup.kill"), "");
      Files.writeString(dir.resolve("cpu.stat"), "usage_usec 0\n");
      for (String c : words(enabled)) {
        for (String f : V2_FILES.getOrDefault(c, List.of())) {
          Files.writeString(dir.resolve(f), f.equals("memory.events") ? "oom 0\noom_kill 0\n" : "");
        }
      }
    } else {
      try (Stream<Path> s = Files.list(parent)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (Files.isRegularFile(p)) {
            String n = p.getFileName().toString();
            Files.writeString(dir.resolve(n), n.startsWith("cpuset.") || n.equals("cgroup.procs") ? ""
                : n.equals("memory.oom_control") ? "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n" : "0\n");
          }
        }
      }
    }
    return true;
  }

  @Override
  public boolean rmdir(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return false;
    }
    int left = busy.getOrDefault(dir, 0);
    if (left > 0) {
      busy.put(dir, left - 1);
      throw new CgroupException("rmdir(" + dir + ") failed: EBUSY", CgroupLibC.EBUSY);
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isDirectory(p)) {
          throw new CgroupException("rmdir(" + dir + ") failed: ENOTEMPTY", 39);
        }
        Files.delete(p);
      }
    }
    Files.delete(dir);
    return true;
  }
}
