package dev.containerj.layers.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * Locks that hold across threads and across JVMs. A JVM may hold only one lock per file region
 * (FileChannel.lock throws OverlappingFileLockException otherwise), so in-JVM locks come first and
 * the file lock is shared by all of this JVM's holders.
 */
public final class StoreLock {
  private static final ConcurrentHashMap<Path, StoreLock> STORES = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<Path, ReentrantLock> FILES = new ConcurrentHashMap<>();

  private final Path file;
  private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
  private int sharedHolders;
  private @Nullable FileChannel sharedChannel;
  private @Nullable FileLock sharedLock;

  private StoreLock(Path file) {
    this.file = file;
  }

  /** The lock of the store whose lock file is {@code file}. */
  public static StoreLock of(Path file) {
    return STORES.computeIfAbsent(file.toAbsolutePath().normalize(), StoreLock::new);
  }

  /** A held lock; close releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** Shared: imports and prepares run together, gc waits. */
  public Held shared() throws IOException {
    rw.readLock().lock();
    try {
      synchronized (this) {
        if (sharedHolders == 0) {
          sharedChannel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
          sharedLock = sharedChannel.lock(0, Long.MAX_VALUE, true);
        }
        sharedHolders++;
      }
    } catch (IOException | RuntimeException e) {
      rw.readLock().unlock();
      throw e;
    }
    return () -> {
      synchronized (this) {
        if (--sharedHolders == 0) {
          closeQuietly(sharedLock, sharedChannel);
          sharedLock = null;
          sharedChannel = null;
        }
      }
      rw.readLock().unlock();
    };
  }

  /** Exclusive: gc and image removal. */
  public Held exclusive() throws IOException {
    rw.writeLock().lock();
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.lock(0, Long.MAX_VALUE, false);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      return () -> {
        closeQuietly(l, ch);
        rw.writeLock().unlock();
      };
    } catch (IOException | RuntimeException e) {
      rw.writeLock().unlock();
      throw e;
    }
  }

  /** An exclusive lock on one file (one layer being unpacked), across threads and JVMs. */
  public static Held file(Path lockFile) throws IOException {
    ReentrantLock jvm = FILES.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new ReentrantLock());
    jvm.lock();
    try {
      FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = lockWaiting(ch);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      return () -> {
        closeQuietly(l, ch);
        jvm.unlock();
      };
    } catch (IOException | RuntimeException e) {
      jvm.unlock();
      throw e;
    }
  }

  /**
   * {@code ch.lock()}, retried while the kernel reports EDEADLK. fcntl(2) record locks belong to the
   * process, so when two JVMs each hold one layer's lock (in one thread) and wait for the other's
   * (in another thread), the kernel sees a cycle between the processes and refuses with EDEADLK
   * ("Resource deadlock avoided") although the holders are separate threads that will finish.
   * Waiting by polling then is safe: every holder releases its lock after its own unpack.
   */
  private static FileLock lockWaiting(FileChannel ch) throws IOException {
    try {
      return ch.lock();
    } catch (IOException e) {
      if (e.getMessage() == null || !e.getMessage().contains("deadlock")) {
        throw e;
      }
    }
    {
      // Poll without blocking in the kernel, so no cycle is ever formed.
      for (long wait = 10; ; wait = Math.min(wait * 2, 100)) {
        FileLock l = ch.tryLock();
        if (l != null) {
          return l;
        }
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted waiting for the lock " + ch);
        }
      }
    }
  }

  private static void closeQuietly(@Nullable FileLock l, @Nullable FileChannel ch) {
    try {
      if (l != null) {
        l.release();
      }
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    try {
      if (ch != null) {
        ch.close();
      }
    } catch (IOException ignored) {
      // nothing left to release
    }
  }
}
