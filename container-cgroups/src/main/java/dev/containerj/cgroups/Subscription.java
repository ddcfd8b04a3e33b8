package dev.containerj.cgroups;

/**
 * A registered event listener ({@link Cgroup#onOomKill}, {@link Cgroup#onEmpty}, {@link
 * Cgroup#onPressure}). Closing it stops delivery and releases its inotify watch or file
 * descriptors; {@link #close()} is idempotent. Removing the cgroup closes its subscriptions.
 */
public interface Subscription extends AutoCloseable {
  /** Stops delivery; idempotent, never throws. */
  @Override
  void close();
}
