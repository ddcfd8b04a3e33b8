package dev.containerj.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * One cgroup created (or opened) by a {@link CgroupManager}: its directories in every hierarchy the
 * host mounts, its limits, and the operations on its processes.
 *
 * <p>A Cgroup must be closed: {@link #close()} kills every process in it, waits until it is empty
 * and removes its directories (and the intermediate directories its manager created, when empty).
 * It is idempotent. On a hybrid host, membership, freezing, killing and the empty event use the v2
 * hierarchy; the limits live in the v1 hierarchies, each of which also receives the processes.
 *
 * <p>Thread-safe; listeners run on one shared daemon thread and must not block.
 */
public interface Cgroup extends AutoCloseable {
  /** The name below the manager's parent, as {@code "containerj/abc"}. */
  String name();

  /** The host's layout this cgroup lives in. */
  CgroupHierarchy hierarchy();

  /**
   * The cgroup v2 directory, when a v2 hierarchy is mounted (pure v2 and hybrid hosts). Open it with
   * O_DIRECTORY for {@code clone3(CLONE_INTO_CGROUP)} (Linux 5.7), or write a pid to its {@code
   * cgroup.procs}.
   */
  Optional<Path> unifiedPath();

  /**
   * Every directory of this cgroup: v1 controller name (as {@code "memory"}, {@code "cpu"}) to its
   * directory, plus {@code "unified"} for the v2 directory. A process is in this cgroup when it is
   * in each of them; {@link #addProcess(long)} writes them all.
   */
  Map<String, Path> paths();

  /** The limits last applied. */
  CgroupLimits limits();

  /**
   * Applies {@code limits} in one call (fields not set are left as they are). Checks first that the
   * host can enforce every field; a field it cannot enforce throws {@link UnsupportedLimitException}
   * before anything is written.
   */
  void update(CgroupLimits limits) throws IOException;

  /** Moves process {@code pid} (all its threads) into this cgroup, in every hierarchy. */
  void addProcess(long pid) throws IOException;

  /** The processes in this cgroup (not in its children), from {@code cgroup.procs}. */
  List<Long> processes() throws IOException;

  /** Whether a process lives in this cgroup or below it. */
  boolean isPopulated() throws IOException;

  /**
   * Freezes every process of this cgroup and its children, and returns once the kernel reports the
   * cgroup frozen (the {@code frozen 1} event of cgroup.events on v2; {@code FROZEN} on v1 freezer),
   * waiting on inotify, not sleeping.
   *
   * @throws CgroupException when the freeze does not complete within {@code timeout}
   */
  void freeze(Duration timeout) throws IOException;

  /** {@link #freeze(Duration)} with a 10 s timeout. */
  default void freeze() throws IOException {
    freeze(Duration.ofSeconds(10));
  }

  /** Thaws the cgroup; returns once the kernel reports it thawed. */
  void thaw() throws IOException;

  /** Whether the kernel reports this cgroup frozen. */
  boolean isFrozen() throws IOException;

  /**
   * Kills (SIGKILL) every process of this cgroup and its children and returns once it is empty:
   * cgroup.kill (Linux 5.14), else freeze, kill each pid, thaw. One call empties the cgroup even when
   * its processes keep forking.
   *
   * @throws CgroupException when it is not empty within {@code timeout}
   */
  void killAll(Duration timeout) throws IOException;

  /** {@link #killAll(Duration)} with a 10 s timeout. */
  default void killAll() throws IOException {
    killAll(Duration.ofSeconds(10));
  }

  /** A snapshot of the accounting. */
  CgroupStats stats() throws IOException;

  /**
   * How many processes of this cgroup the OOM killer has killed so far: v2 memory.events {@code
   * oom_kill}, v1 memory.oom_control {@code oom_kill} (Linux 4.13). Compare before and after a run
   * to learn whether the payload died of OOM.
   *
   * @throws UnsupportedLimitException when no memory controller is bound to this cgroup
   */
  long oomKillCount() throws IOException;

  /**
   * Calls {@code listener} once per OOM kill in this cgroup, with the new {@link #oomKillCount()}.
   * v2: inotify on memory.events; v1: an eventfd registered on memory.oom_control through
   * cgroup.event_control, then the oom_kill count is read.
   */
  Subscription onOomKill(LongConsumer listener) throws IOException;

  /**
   * Calls {@code listener} each time the cgroup becomes empty (populated 1 -> 0 in cgroup.events;
   * needs a v2 hierarchy).
   */
  Subscription onEmpty(Runnable listener) throws IOException;

  /**
   * Calls {@code listener} each time the PSI trigger fires (a POLLPRI on the cgroup's pressure
   * file; needs a v2 hierarchy with PSI, Linux 5.2).
   */
  Subscription onPressure(PressureTrigger trigger, Runnable listener) throws IOException;

  /**
   * Creates a child cgroup {@code name} (one or more path components) below this one, with
   * {@code limits}. On cgroup v2 the controllers are enabled in this cgroup's subtree_control, which
   * the kernel refuses while processes live directly in this cgroup ("no internal processes").
   */
  Cgroup createChild(String name, CgroupLimits limits) throws IOException;

  /**
   * Kills every process, waits until the cgroup is empty and removes its directories, children
   * first. Idempotent.
   */
  void remove() throws IOException;

  /**
   * {@link #remove()}, for try-with-resources. Idempotent.
   *
   * @throws java.io.UncheckedIOException when the cgroup could not be removed (it would leak)
   */
  @Override
  void close();
}
