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
  /** {@return the name below the manager's parent, as {@code "containerj/abc"}} */
  String name();

  /** {@return the host's layout this cgroup lives in} */
  CgroupHierarchy hierarchy();

  /**
   * {@return the cgroup v2 directory, when a v2 hierarchy is mounted (pure v2 and hybrid hosts)}
   * Open it with O_DIRECTORY for {@code clone3(CLONE_INTO_CGROUP)} (Linux 5.7), or write a pid to
   * its {@code cgroup.procs}.
   */
  Optional<Path> unifiedPath();

  /**
   * {@return every directory of this cgroup: v1 controller name (as {@code "memory"}, {@code
   * "cpu"}) to its directory, plus {@code "unified"} for the v2 directory} A process is in this
   * cgroup when it is in each of them; {@link #addProcess(long)} writes them all.
   */
  Map<String, Path> paths();

  /** {@return the limits last applied} */
  CgroupLimits limits();

  /**
   * Applies {@code limits} in one call (fields not set are left as they are). Checks first that the
   * host can enforce every field; a field it cannot enforce throws {@link UnsupportedLimitException}
   * before anything is written.
   *
   * @param limits the fields to change; unset fields keep their current value
   * @throws IOException when a control file cannot be written (a {@link CgroupException} names the
   *     file)
   */
  void update(CgroupLimits limits) throws IOException;

  /**
   * Moves process {@code pid} (all its threads) into this cgroup, in every hierarchy.
   *
   * @param pid a process id in the caller's pid namespace
   * @throws IOException when a cgroup.procs write fails, for instance because the process has
   *     exited (ESRCH)
   * @throws dev.containerj.linux.InvalidValueException when {@code pid} is not > 0
   */
  void addProcess(long pid) throws IOException;

  /**
   * {@return the processes in this cgroup (not in its children), from {@code cgroup.procs}}
   *
   * @throws IOException when cgroup.procs cannot be read (the cgroup was removed, say)
   */
  List<Long> processes() throws IOException;

  /**
   * {@return whether a process lives in this cgroup or below it}
   *
   * @throws IOException when cgroup.events (v2) or the procs files (v1) cannot be read
   */
  boolean isPopulated() throws IOException;

  /**
   * Freezes every process of this cgroup and its children, and returns once the kernel reports the
   * cgroup frozen (the {@code frozen 1} event of cgroup.events on v2; {@code FROZEN} on v1 freezer),
   * waiting on inotify, not sleeping.
   *
   * @param timeout how long to wait for every task to stop
   * @throws CgroupException when the freeze does not complete within {@code timeout}
   */
  void freeze(Duration timeout) throws IOException;

  /**
   * {@link #freeze(Duration)} with a 10 s timeout.
   *
   * @throws IOException as {@link #freeze(Duration)}
   */
  default void freeze() throws IOException {
    freeze(Duration.ofSeconds(10));
  }

  /**
   * Thaws the cgroup; returns once the kernel reports it thawed.
   *
   * @throws IOException when the freezer file cannot be written or read back
   */
  void thaw() throws IOException;

  /**
   * {@return whether the kernel reports this cgroup frozen}
   *
   * @throws IOException when the freezer state cannot be read
   */
  boolean isFrozen() throws IOException;

  /**
   * Kills (SIGKILL) every process of this cgroup and its children and returns once it is empty:
   * cgroup.kill (Linux 5.14), else freeze, kill each pid, thaw. One call empties the cgroup even when
   * its processes keep forking. An already empty cgroup returns after one read (cgroup.events on
   * v2, the pids controller's count on v1) without writing anything.
   *
   * @param timeout how long to wait for the cgroup to become empty
   * @throws CgroupException when it is not empty within {@code timeout}
   */
  void killAll(Duration timeout) throws IOException;

  /**
   * {@link #killAll(Duration)} with a 10 s timeout.
   *
   * @throws IOException as {@link #killAll(Duration)}
   */
  default void killAll() throws IOException {
    killAll(Duration.ofSeconds(10));
  }

  /**
   * {@return a snapshot of the accounting}
   *
   * @throws IOException when a statistics file of a bound controller cannot be read
   */
  CgroupStats stats() throws IOException;

  /**
   * {@return how many processes of this cgroup the OOM killer has killed so far: v2 memory.events
   * {@code oom_kill}, v1 memory.oom_control {@code oom_kill} (Linux 4.13)} Compare before and after
   * a run to learn whether the payload died of OOM.
   *
   * @throws UnsupportedLimitException when no memory controller is bound to this cgroup
   */
  long oomKillCount() throws IOException;

  /**
   * Calls {@code listener} once per OOM kill in this cgroup, with the new {@link #oomKillCount()}.
   * v2: inotify on memory.events; v1: an eventfd registered on memory.oom_control through
   * cgroup.event_control, then the oom_kill count is read.
   *
   * @param listener called with the new OOM kill count, on the shared listener thread
   * @return the subscription; close it to stop the calls
   * @throws IOException when the watch cannot be set up (inotify, eventfd or cgroup.event_control)
   */
  Subscription onOomKill(LongConsumer listener) throws IOException;

  /**
   * Calls {@code listener} each time the cgroup becomes empty (populated 1 -> 0 in cgroup.events;
   * needs a v2 hierarchy).
   *
   * @param listener called on the shared listener thread each time the cgroup empties
   * @return the subscription; close it to stop the calls
   * @throws IOException when the inotify watch on cgroup.events cannot be set up, or no v2
   *     hierarchy is mounted
   */
  Subscription onEmpty(Runnable listener) throws IOException;

  /**
   * Calls {@code listener} each time the PSI trigger fires (a POLLPRI on the cgroup's pressure
   * file; needs a v2 hierarchy with PSI, Linux 5.2).
   *
   * @param trigger the resource, stall and window written to the pressure file
   * @param listener called on the shared listener thread each time the trigger fires
   * @return the subscription; close it to remove the trigger
   * @throws IOException when the trigger cannot be written (no PSI, or the window is refused)
   */
  Subscription onPressure(PressureTrigger trigger, Runnable listener) throws IOException;

  /**
   * Creates a child cgroup {@code name} (one or more path components) below this one, with
   * {@code limits}. On cgroup v2 the controllers are enabled in this cgroup's subtree_control, which
   * the kernel refuses while processes live directly in this cgroup ("no internal processes").
   *
   * @param name one or more path components below this cgroup
   * @param limits the child's limits
   * @return the new child; removing this cgroup removes it too
   * @throws IOException when the directory exists already, or a control file cannot be written
   */
  Cgroup createChild(String name, CgroupLimits limits) throws IOException;

  /**
   * Kills every process, waits until the cgroup is empty and removes its directories, children
   * first. Idempotent.
   *
   * @throws IOException when a process cannot be killed in time or a directory cannot be removed
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
