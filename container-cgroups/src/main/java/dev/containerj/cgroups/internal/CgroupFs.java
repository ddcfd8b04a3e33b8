package dev.containerj.cgroups.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * The file operations the cgroup code performs, behind one interface (as youki's {@code syscall}
 * module) so that the orchestration can be tested against a fake cgroupfs tree in a temp dir.
 * Errors name the path and the value: {@code "failed to write 64M to /sys/fs/cgroup/x/memory.max:
 * EBUSY (Device or resource busy)"}.
 */
public interface CgroupFs {
  /** The whole file, as the kernel returns it. */
  String read(Path file) throws IOException;

  /** One write(2) of {@code value} to an existing file, as the kernel wants for cgroup files. */
  void write(Path file, String value) throws IOException;

  boolean exists(Path path);

  /** mkdir(2); false when it already existed. */
  boolean mkdir(Path dir) throws IOException;

  /** rmdir(2); false when it did not exist. */
  boolean rmdir(Path dir) throws IOException;

  /** The names of the sub-directories (child cgroups) of {@code dir}. */
  List<String> children(Path dir) throws IOException;

  /** Whether the caller may write {@code path} (access(2) W_OK). */
  boolean writable(Path path);

  /**
   * Blocks until {@code condition} holds for the content of {@code file} or the timeout elapses,
   * waking on poll(2) POLLPRI of the open file (the kernel notifies cgroup.events and memory.events
   * changes that way, cgroup-v2.rst); returns whether the condition held. No sleep loop.
   */
  boolean await(Path file, Predicate<String> condition, long timeoutMillis) throws IOException;

  /**
   * Loads {@code insns} as a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program with bpf(2) and attaches it
   * to the cgroup directory {@code dir} (cgroup v2); the cgroup keeps it until it is removed.
   */
  void attachDeviceProgram(Path dir, byte[] insns) throws IOException;

  /** The real filesystem. */
  static CgroupFs real() {
    return RealCgroupFs.INSTANCE;
  }
}
