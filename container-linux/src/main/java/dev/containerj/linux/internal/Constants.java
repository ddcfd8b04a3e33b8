package dev.containerj.linux.internal;

/**
 * Kernel and libc constants, the only place they are spelled out (the public API speaks in enums).
 * Values are the asm-generic ones shared by x86_64 and aarch64 unless marked.
 */
public final class Constants {
  private Constants() {}

  // errno
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int EACCES = 13;
  public static final int EEXIST = 17;
  public static final int ENOTDIR = 20;
  public static final int EINVAL = 22;
  public static final int ENOSYS = 38;
  public static final int ENOTEMPTY = 39;

  // open(2)
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_PATH = 010000000;

  // fcntl(2)
  public static final int F_DUPFD_CLOEXEC = 1030;
  public static final int F_GETFD = 1;
  public static final int F_SETFD = 2;
  public static final int FD_CLOEXEC = 1;
  public static final int F_ADD_SEALS = 1033;
  public static final int F_SEAL_SEAL = 0x1;
  public static final int F_SEAL_SHRINK = 0x2;
  public static final int F_SEAL_GROW = 0x4;
  public static final int F_SEAL_WRITE = 0x8;

  // memfd_create(2)
  public static final int MFD_CLOEXEC = 0x1;
  public static final int MFD_ALLOW_SEALING = 0x2;
  public static final int MFD_EXEC = 0x10;

  // clone(2) / setns(2)
  public static final int CLONE_NEWTIME = 0x00000080;
  public static final int CLONE_NEWNS = 0x00020000;
  public static final int CLONE_NEWCGROUP = 0x02000000;
  public static final int CLONE_NEWUTS = 0x04000000;
  public static final int CLONE_NEWIPC = 0x08000000;
  public static final int CLONE_NEWUSER = 0x10000000;
  public static final int CLONE_NEWPID = 0x20000000;
  public static final int CLONE_NEWNET = 0x40000000;

  // posix_spawn(3), glibc values
  public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  public static final short POSIX_SPAWN_SETSIGMASK = 0x08;

  // waitid(2)
  public static final int P_PID = 1;
  public static final int P_PIDFD = 3;
  public static final int WEXITED = 4;
  public static final int WNOHANG = 1;
  public static final int WNOWAIT = 0x01000000;
  public static final int CLD_EXITED = 1;
  public static final int CLD_KILLED = 2;
  public static final int CLD_DUMPED = 3;

  // epoll(7)
  public static final int EPOLL_CLOEXEC = O_CLOEXEC;
  public static final int EPOLL_CTL_ADD = 1;
  public static final int EPOLL_CTL_DEL = 2;
  public static final int EPOLLIN = 0x001;

  // eventfd(2)
  public static final int EFD_CLOEXEC = O_CLOEXEC;

  // signals (signal(7); x86_64 and aarch64 agree)
  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;
  public static final int SIGCHLD = 17;

  // umount2(2)
  public static final int MNT_DETACH = 2;

  // mount(2) flags (include/uapi/linux/mount.h): the one copy. The public API speaks in typed
  // options (Mount.Option, Mount.Propagation, MountSpec); these numbers stay in the low layer.
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_UNBINDABLE = 1L << 17;
  public static final long MS_PRIVATE = 1L << 18;
  public static final long MS_SLAVE = 1L << 19;
  public static final long MS_SHARED = 1L << 20;
  public static final long MS_STRICTATIME = 1L << 24;

  // mount_setattr(2) attributes (include/uapi/linux/mount.h)
  public static final int MOUNT_ATTR_RDONLY = 0x1;
  public static final int MOUNT_ATTR_NOSUID = 0x2;
  public static final int MOUNT_ATTR_NODEV = 0x4;
  public static final int MOUNT_ATTR_NOEXEC = 0x8;
  public static final int AT_RECURSIVE = 0x8000;
}
