package dev.containerj.net;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.InvalidStateException;
import dev.containerj.linux.InvalidValueException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Errors;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.net.internal.NetnsHop;
import dev.containerj.net.internal.NetnsThread;
import dev.containerj.net.internal.SchedLibC;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A handle on a network namespace (network_namespaces(7)): an open fd on it, plus, once needed, one
 * dedicated thread living inside it that runs the code given to {@link #call}/{@link #run} and owns
 * {@link #rtnetlink() a netlink client} for it.
 *
 * <p>Kinds and lifetimes:
 * <ul>
 *   <li>{@link #createPersistent(String)}: a named namespace bind-mounted at {@code /run/netns/NAME}
 *       exactly as {@code ip netns add} does, visible to {@code ip netns}; it outlives this handle and
 *       the JVM until {@link #delete()} (or {@link #delete(String)}, or {@code ip netns del}).
 *   <li>{@link #create()}: an anonymous namespace that lives while this handle (or a process or
 *       socket inside it) holds it; nothing to clean up after a crash.
 *   <li>{@link #open(String)}, {@link #openPath(Path)}, {@link #openPid(long)}: an existing one.
 * </ul>
 *
 * <p>Code never changes namespace on the caller's thread: the kernel switches one thread at a time
 * (setns(2)), and a JVM thread that silently sits in another namespace would be a hazard. Sockets
 * (Java's or netlink) opened inside {@link #call} belong to this namespace for good and may be used
 * from any thread afterwards. A handle must be closed; {@link #close()} stops the thread, closes the
 * client and the fd, and never deletes a persistent namespace.
 */
public final class NetworkNamespace implements AutoCloseable {
  /** Where {@code ip netns} keeps named namespaces. */
  public static final Path RUN_DIR = Path.of("/run/netns");

  private static final long MS_BIND = dev.containerj.linux.internal.Constants.MS_BIND;
  private static final long MS_REC = dev.containerj.linux.internal.Constants.MS_REC;
  private static final long MS_SHARED = dev.containerj.linux.internal.Constants.MS_SHARED;

  /** Code run inside a namespace. */
  @FunctionalInterface
  public interface NetnsCallable<T> {
    /**
     * Runs inside the namespace and returns a result.
     *
     * @return the result, handed to the caller of {@link NetworkNamespace#call}
     * @throws IOException to fail the call; rethrown to its caller
     */
    T call() throws IOException;
  }

  /** Code run inside a namespace, without a result. */
  @FunctionalInterface
  public interface NetnsRunnable {
    /**
     * Runs inside the namespace.
     *
     * @throws IOException to fail the call; rethrown to its caller
     */
    void run() throws IOException;
  }

  private final Fd fd;
  private final @Nullable String name;
  private final String description;
  private final Object lock = new Object();
  private @Nullable NetnsThread thread;
  private @Nullable Rtnetlink rtnetlink;
  private volatile boolean closed;

  private NetworkNamespace(Fd fd, @Nullable String name, String description, @Nullable NetnsThread thread) {
    this.fd = fd;
    this.name = name;
    this.description = description;
    this.thread = thread;
  }

  /**
   * Creates a persistent named namespace at {@code /run/netns/NAME}, as {@code ip netns add NAME}:
   * makes {@code /run/netns} a shared mount (so the bind mounts propagate to other mount namespaces),
   * creates an empty file, creates the namespace with unshare(CLONE_NEWNET) on a new dedicated thread
   * and bind-mounts that thread's {@code /proc/thread-self/ns/net} onto the file. That thread then
   * serves this handle's {@link #call}s. Throws {@link FileAlreadyExistsException} if the name is taken.
   *
   * @param name the file name under {@code /run/netns}, as {@code ip netns add} takes it
   * @return the handle; closing it leaves the namespace (see {@link #delete()})
   * @throws IOException when a system call fails (a {@link dev.containerj.linux.SyscallException}
   *     names it)
   * @throws InvalidValueException when {@code name} is not 1..255 characters without {@code '/'},
   *     or is {@code .} or {@code ..}
   */
  public static NetworkNamespace createPersistent(String name) throws IOException {
    checkNsName(name);
    Path path = RUN_DIR.resolve(name);
    prepareRunDir();
    int created;
    try {
      created = LibC.open(path.toString(), Constants.O_RDONLY | Constants.O_CREAT | 0200 /* O_EXCL */ | Constants.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.EEXIST) {
        throw new FileAlreadyExistsException(path.toString(), null, "network namespace " + name + " already exists");
      }
      throw Errors.exception("open", path.toString(), e);
    }
    new Fd(created).close();
    NetnsThread t = null;
    try {
      t = NetnsThread.start(name, () -> {
        unshareNet();
        try {
          LibC.mount("/proc/thread-self/ns/net", path.toString(), "none", MS_BIND, null);
        } catch (LastErrorException e) {
          throw Errors.exception("mount", "/proc/thread-self/ns/net -> " + path, e);
        }
      });
      Fd fd = openFd(path.toString());
      return new NetworkNamespace(fd, name, name, t);
    } catch (Exception e) {
      if (t != null) {
        t.shutdown();
      }
      try {
        LibC.umount2(path.toString(), Constants.MNT_DETACH);
      } catch (LastErrorException ignored) {
        // not mounted
      }
      Files.deleteIfExists(path);
      throw asIo(e);
    }
  }

  /**
   * Creates an anonymous namespace (unshare(CLONE_NEWNET) on a new dedicated thread, which then serves
   * this handle). It disappears when this handle is closed and nothing else holds it.
   *
   * @return the handle, owning the namespace
   * @throws IOException when a system call fails (a {@link dev.containerj.linux.SyscallException}
   *     names it)
   */
  public static NetworkNamespace create() throws IOException {
    CompletableFuture<Fd> fdFuture = new CompletableFuture<>();
    NetnsThread t;
    try {
      t = NetnsThread.start("anonymous", () -> {
        unshareNet();
        fdFuture.complete(openFd("/proc/thread-self/ns/net"));
      });
    } catch (Exception e) {
      throw asIo(e);
    }
    Fd fd = fdFuture.join();
    return new NetworkNamespace(fd, null, "anonymous netns fd " + fd.get(), t);
  }

  /**
   * Opens the named namespace {@code /run/netns/NAME}; throws {@link NoSuchFileException} if
   * absent.
   *
   * @param name the file name under {@code /run/netns}
   * @return a handle on it
   * @throws IOException {@link java.nio.file.NoSuchFileException} when absent, or when the file is
   *     no namespace
   * @throws InvalidValueException when {@code name} is not 1..255 characters without {@code '/'},
   *     or is {@code .} or {@code ..}
   */
  public static NetworkNamespace open(String name) throws IOException {
    checkNsName(name);
    return new NetworkNamespace(openFd(RUN_DIR.resolve(name).toString()), name, name, null);
  }

  /**
   * Opens the namespace file at {@code path} ({@code /run/netns/x}, {@code /proc/PID/ns/net}, a
   * bind mount of one).
   *
   * @param path the namespace file
   * @return a handle on it
   * @throws IOException when the file cannot be opened or is no network namespace
   */
  public static NetworkNamespace openPath(Path path) throws IOException {
    return new NetworkNamespace(openFd(path.toString()), null, path.toString(), null);
  }

  /**
   * Opens the network namespace of process {@code pid} ({@code /proc/PID/ns/net}).
   *
   * @param pid a running process
   * @return a handle on its namespace
   * @throws IOException when the process does not exist or its file cannot be opened
   * @throws InvalidValueException when {@code pid} is not > 0
   */
  public static NetworkNamespace openPid(long pid) throws IOException {
    if (pid <= 0) {
      throw new InvalidValueException("pid", Long.toString(pid), "must be > 0");
    }
    return new NetworkNamespace(openFd("/proc/" + pid + "/ns/net"), null, "pid " + pid, null);
  }

  /**
   * Takes ownership of an open namespace fd (for instance one a launcher got from a child); it is
   * closed with this handle.
   *
   * @param fd an open descriptor of a network namespace
   * @param description what the namespace is, for messages
   * @return the handle, now owning {@code fd}
   */
  public static NetworkNamespace adoptFd(int fd, String description) {
    return new NetworkNamespace(new Fd(fd), null, description, null);
  }

  /**
   * {@return the names under {@code /run/netns}, as {@code ip netns list}}
   *
   * @throws IOException when {@code /run/netns} exists but cannot be listed
   */
  public static List<String> list() throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(RUN_DIR)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(RUN_DIR)) {
      for (Path p : ds) {
        out.add(p.getFileName().toString());
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Deletes the named namespace, as {@code ip netns del}: detaches the bind mount and removes the file.
   * The namespace itself ends when no process, fd or mount holds it any more.
   *
   * @param name the file name under {@code /run/netns}
   * @throws IOException when a system call fails (a {@link dev.containerj.linux.SyscallException}
   *     names it)
   * @throws InvalidValueException when {@code name} is not 1..255 characters without {@code '/'},
   *     or is {@code .} or {@code ..}
   */
  public static void delete(String name) throws IOException {
    checkNsName(name);
    Path path = RUN_DIR.resolve(name);
    try {
      LibC.umount2(path.toString(), Constants.MNT_DETACH);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Constants.ENOENT) {
        throw new NoSuchFileException(path.toString(), null, "network namespace " + name + " does not exist");
      }
      if (e.getErrorCode() != Constants.EINVAL) { // EINVAL: not a mount point, just remove the file
        throw Errors.exception("umount2", path.toString(), e);
      }
    }
    try {
      SchedLibC.unlink(path.toString());
    } catch (LastErrorException e) {
      throw Errors.exception("unlink", path.toString(), e);
    }
  }

  private static void checkNsName(String name) {
    if (name.isEmpty() || name.length() > 255 || name.contains("/") || name.equals(".") || name.equals("..")) {
      throw new InvalidValueException("network namespace name", name, "must be 1..255 characters without '/' and not . or ..");
    }
  }

  /** As iproute2: /run/netns must be a shared mount so the bind mounts propagate (mount_namespaces(7)). */
  private static void prepareRunDir() throws IOException {
    Files.createDirectories(RUN_DIR);
    try {
      LibC.mount("", RUN_DIR.toString(), "none", MS_SHARED | MS_REC, null);
      return;
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Constants.EINVAL) {
        throw Errors.exception("mount", "make-rshared " + RUN_DIR, e);
      }
    }
    // EINVAL: not a mount point yet; bind it onto itself first.
    try {
      LibC.mount(RUN_DIR.toString(), RUN_DIR.toString(), "none", MS_BIND | MS_REC, null);
      LibC.mount("", RUN_DIR.toString(), "none", MS_SHARED | MS_REC, null);
    } catch (LastErrorException e) {
      throw Errors.exception("mount", "bind " + RUN_DIR, e);
    }
  }

  private static void unshareNet() throws IOException {
    try {
      SchedLibC.unshare(Constants.CLONE_NEWNET);
    } catch (LastErrorException e) {
      throw Errors.exception("unshare", "CLONE_NEWNET", e);
    }
  }

  private static Fd openFd(String path) throws IOException {
    return NetnsHop.openNamespaceFile(path);
  }

  private static IOException asIo(Exception e) {
    if (e instanceof IOException io) {
      return io;
    }
    if (e instanceof RuntimeException re) {
      throw re;
    }
    return new IOException(e);
  }

  /** {@return the name under /run/netns, or null for one opened otherwise} */
  public @Nullable String name() {
    return name;
  }

  /**
   * {@return the open fd on the namespace (valid while this handle is open), for IFLA_NET_NS_FD or
   * setns}
   */
  public int fd() {
    return fd.get();
  }

  /**
   * {@return the namespace's inode number, as {@code ls -L -i /proc/PID/ns/net} shows: equal
   * inodes, same namespace}
   *
   * @throws IOException when fstat(2) of the namespace descriptor fails
   */
  public long inode() throws IOException {
    return (Long) Files.getAttribute(Path.of("/proc/self/fd/" + fd.get()), "unix:ino");
  }

  /**
   * Runs {@code task} on this namespace's dedicated thread and returns its result. Exceptions
   * thrown by the task are rethrown here. Calls from inside a task run inline.
   *
   * @param <T> the result's type
   * @param task the code to run
   * @return what {@code task} returned
   * @throws IOException what {@code task} threw, or when the dedicated thread cannot be started
   */
  public <T> T call(NetnsCallable<T> task) throws IOException {
    NetnsThread t = thread();
    if (t.isCurrent()) {
      return task.call();
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    t.submit(() -> {
      try {
        result.complete(task.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    return NetnsThread.await(result, "a task in network namespace " + description);
  }

  /**
   * Runs {@code task} inside this namespace without starting a thread for it: on this handle's own
   * thread if it already has one, else on the library's one shared thread that enters the namespace
   * for the task and leaves it again ({@link NetnsHop}). For a namespace configured once (a bridge
   * container's eth0), where a thread of its own would cost a thread creation and a thread per
   * container. The task must be short and must not call back into this handle's {@link #call}.
   */
  <T> T callBriefly(NetnsCallable<T> task) throws IOException {
    boolean own;
    synchronized (lock) {
      checkOpen();
      own = thread != null;
    }
    if (own) {
      return call(task);
    }
    return NetnsHop.call(fd.get(), description, task::call);
  }

  /**
   * Runs {@code task} inside this namespace, as {@link #call}.
   *
   * @param task the code to run
   * @throws IOException what {@code task} threw, or when the dedicated thread cannot be started
   */
  public void run(NetnsRunnable task) throws IOException {
    call(() -> {
      task.run();
      return Boolean.TRUE; // no result: call() takes non-null results (the package is @NullMarked)
    });
  }

  /**
   * {@return the netlink client of this namespace, opened inside it on first use and owned by this
   * handle (do not close it; {@link #close()} does)}
   *
   * @throws IOException when the netlink socket cannot be opened inside
   * @throws InvalidStateException when this handle is closed
   */
  public Rtnetlink rtnetlink() throws IOException {
    synchronized (lock) {
      checkOpen();
      if (rtnetlink != null) {
        return rtnetlink;
      }
    }
    // opened outside the lock: a task on the namespace thread may itself ask for the client
    Rtnetlink opened = call(() -> Rtnetlink.open().openedIn(this));
    synchronized (lock) {
      if (closed) {
        opened.close();
        checkOpen();
      }
      if (rtnetlink == null) {
        rtnetlink = opened;
      } else {
        opened.close();
      }
      return rtnetlink;
    }
  }

  private NetnsThread thread() throws IOException {
    synchronized (lock) {
      checkOpen();
      if (thread == null) {
        int nsFd = fd.get();
        try {
          thread = NetnsThread.start(name == null ? "fd" : name, () -> {
            try {
              LibC.setns(nsFd, Constants.CLONE_NEWNET);
            } catch (LastErrorException e) {
              throw Errors.exception("setns", "network namespace " + description, e);
            }
          });
        } catch (Exception e) {
          throw asIo(e);
        }
      }
      return thread;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new InvalidStateException("network namespace handle " + description, "is closed");
    }
  }

  /**
   * Deletes this persistent namespace ({@link #delete(String)}) and closes the handle. The kernel
   * destroys it, with every link inside (a veth's peer outside goes too), once nothing holds it.
   *
   * @throws IOException when a system call fails (a {@link dev.containerj.linux.SyscallException}
   *     names it)
   * @throws InvalidStateException when this handle is closed or its namespace has no name
   */
  public void delete() throws IOException {
    String n = name;
    if (n == null) {
      throw new InvalidStateException("network namespace " + description, "has no name: only a named namespace can be deleted");
    }
    close();
    delete(n);
  }

  /** Stops the thread, closes the client and the fd; idempotent, never deletes a named namespace. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (rtnetlink != null) {
        rtnetlink.close();
      }
      if (thread != null) {
        thread.shutdown();
      }
      fd.close();
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
