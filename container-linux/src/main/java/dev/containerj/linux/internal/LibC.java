package dev.containerj.linux.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import org.jspecify.annotations.Nullable;

/**
 * The libc functions ContainerJ calls, mirrored from their C prototypes with their C names.
 *
 * <p>JNA direct mapping (static natives registered once) rather than an interface proxy: a call costs
 * about a tenth, which matters on the container start path. Functions that report errors through errno
 * declare {@link LastErrorException}; the posix_spawn family returns the error number instead (posix_spawn(3)).
 * Size types ({@code size_t}, {@code ssize_t}, {@code long}) are Java {@code long}: ContainerJ supports
 * 64-bit Linux only (x86_64, aarch64).
 */
public final class LibC {
  static {
    Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private LibC() {}

  // <unistd.h>
  public static native int close(int fd) throws LastErrorException;

  public static native long read(int fd, byte[] buf, long count) throws LastErrorException;

  public static native long write(int fd, byte[] buf, long count) throws LastErrorException;

  public static native int pipe2(int[] pipefd, int flags) throws LastErrorException;

  public static native int dup3(int oldfd, int newfd, int flags) throws LastErrorException;

  public static native int getpid();

  public static native int getuid();

  public static native int geteuid();

  public static native int getgid();

  public static native int getegid();

  /** sysconf(3): {@code _SC_PAGESIZE} for the page size. */
  public static native long sysconf(int name);

  public static final int _SC_PAGESIZE = 30;

  public static native long syscall(long number, long a1, long a2, long a3, long a4, long a5)
      throws LastErrorException;

  // <fcntl.h>
  public static native int open(String pathname, int flags, int mode) throws LastErrorException;

  public static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;

  // <sys/mman.h>
  public static native int memfd_create(String name, int flags) throws LastErrorException;

  // <signal.h>
  public static native int kill(int pid, int sig) throws LastErrorException;

  public static native int sigemptyset(Pointer set);

  public static native int sigfillset(Pointer set);

  // <sys/wait.h>
  public static native int waitpid(int pid, int[] wstatus, int options) throws LastErrorException;

  public static native int waitid(int idtype, int id, Pointer infop, int options)
      throws LastErrorException;

  // <spawn.h>: these return an error number rather than setting errno.
  public static native int posix_spawn(
      int[] pid, String path, Pointer fileActions, Pointer attrp, Pointer argv, Pointer envp);

  public static native int posix_spawn_file_actions_init(Pointer fileActions);

  public static native int posix_spawn_file_actions_destroy(Pointer fileActions);

  public static native int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

  public static native int posix_spawn_file_actions_addopen(
      Pointer fileActions, int fd, String path, int oflag, int mode);

  public static native int posix_spawnattr_init(Pointer attr);

  public static native int posix_spawnattr_destroy(Pointer attr);

  public static native int posix_spawnattr_setflags(Pointer attr, short flags);

  public static native int posix_spawnattr_setsigmask(Pointer attr, Pointer sigmask);

  public static native int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigdefault);

  // <sys/epoll.h>
  public static native int epoll_create1(int flags) throws LastErrorException;

  /** {@code event} may be null for EPOLL_CTL_DEL (epoll_ctl(2)). */
  public static native int epoll_ctl(int epfd, int op, int fd, @Nullable Pointer event) throws LastErrorException;

  public static native int epoll_wait(int epfd, Pointer events, int maxevents, int timeout)
      throws LastErrorException;

  // <sys/eventfd.h>
  public static native int eventfd(int initval, int flags) throws LastErrorException;

  // <sys/mount.h>
  public static native int mount(String source, String target, String filesystemtype, long mountflags,
      @Nullable Pointer data) throws LastErrorException;

  public static native int umount2(String target, int flags) throws LastErrorException;

  // <sched.h>
  public static native int setns(int fd, int nstype) throws LastErrorException;
}
