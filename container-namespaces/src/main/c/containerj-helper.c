/*
 * containerj-helper: the only native code of ContainerJ (docs/design.md, "No Java between fork and exec").
 *
 * It is dumb on purpose. Java decides every namespace, mount, id, capability, rlimit and filter, and
 * sends them as a list of operations over a pipe; this program performs them in order and reports the
 * first failure as (step, errno) on a status pipe. Java turns that pair into an exception naming the
 * step, so nothing here formats messages.
 *
 * Usage: containerj-helper CONFIG_FD STATUS_FD FIRST_CLOSED_FD [no-stdio-check (tests only)]
 *   CONFIG_FD        read end of the config pipe (operations, then the "go" byte)
 *   STATUS_FD        write end of the status pipe (records below), close-on-exec for the payload
 *   FIRST_CLOSED_FD  every fd >= this, other than the two above, is closed at once
 *
 * Wire format (native byte order; the same machine writes and reads it):
 *   config:  u32 magic 'CJH1', u32 byte length of the rest, then operations:
 *            u16 opcode, u16 flags, u32 payload length, payload (padded to 8 bytes)
 *   status:  records of four i32: type, step, errno, value
 * The status pipe is close-on-exec, so Java sees end-of-file exactly when execve succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <unistd.h>

#define MAGIC 0x31484a43u /* "CJH1" little-endian */
#define MAX_CONFIG (16u << 20)

enum op {
  OP_SETNS = 1,        /* u32 fd, u32 nstype */
  OP_UNSHARE = 2,      /* u64 flags */
  OP_CLONE = 3,        /* u64 flags: the caller reports the child's pid and exits; the child goes on */
  OP_WAIT = 4,         /* block until Java sends the "go" byte (after it wrote uid_map/gid_map) */
  OP_MOUNT = 5,        /* u64 flags, str source, str target, str fstype, str data ("" = NULL) */
  OP_MOUNT_SETATTR = 6,/* u64 attr_set, u64 attr_clr, u32 at_flags, str path */
  OP_UMOUNT = 7,       /* u32 flags, str path */
  OP_MKDIR = 8,        /* u32 mode, str path */
  OP_MKFILE = 9,       /* u32 mode, str path: an empty file to bind a device onto */
  OP_SYMLINK = 10,     /* str target, str linkpath */
  OP_CHDIR = 11,       /* str path */
  OP_PIVOT_ROOT = 12,  /* str new_root, str put_old */
  OP_SETHOSTNAME = 13, /* str name */
  OP_PRCTL = 14,       /* u64 option, arg2, arg3, arg4, arg5 */
  OP_SETGROUPS = 15,   /* u32 count, u32 gids[count] */
  OP_SETRESGID = 16,   /* u32 rgid, egid, sgid */
  OP_SETRESUID = 17,   /* u32 ruid, euid, suid */
  OP_CAPSET = 18,      /* u32 effective[2], permitted[2], inheritable[2] */
  OP_SETRLIMIT = 19,   /* u32 resource, u32 pad, u64 soft, u64 hard */
  OP_SECCOMP = 20,     /* u32 flags, u32 count, struct sock_filter[count] */
  OP_WRITE_FILE = 21,  /* str path, str content */
  OP_SETSID = 22,      /* nothing */
  OP_CLOSE_FROM = 23,  /* u32 first: mark every fd >= first close-on-exec */
  OP_EXEC = 24,        /* u32 ncand, u32 argc, u32 envc, strs candidates, argv, envp */
  OP_SETDOMAINNAME = 25, /* str name */
  OP_LINK_UP = 26,     /* str ifname: set IFF_UP (the loopback of a new network namespace) */
  OP_SETNS_PATH = 27,  /* u32 nstype, str path: open, setns, close (e.g. /proc/self/ns/time_for_children) */
  OP_LCHOWN = 28,      /* u32 uid, u32 gid, str path */
  OP_OPEN_ROOT = 29,   /* str path: the directory that F_IN_ROOT paths are resolved beneath */
  OP_IDMAP_USERNS = 30,/* str uid_map, str gid_map: a user namespace with these maps, held for OP_IDMAP_MOUNT */
  OP_IDMAP_MOUNT = 31, /* u32 recursive, str source, str target: an idmapped clone of source on target */
  OP_CREATE_OWNER = 32,/* u32 uid, u32 gid: the fsuid/fsgid that OP_MKDIR/MKFILE/SYMLINK create with from now on */
  OP_CLONE_ASSEMBLE = 33, /* u64 flags, u64 join, str uid_map, str gid_map: as OP_CLONE, writes the
                           * child's maps when given (its user namespace then serves OP_IDMAP_MOUNT),
                           * then an assembler runs the ops up to OP_ASSEMBLED in the child's join
                           * namespaces, while the child skips them */
  OP_ASSEMBLED = 34,  /* the end of the assembler's ops */
  OP_OPEN_PTY = 35,    /* u32 sock, u32 fd mask, u32 columns, u32 rows: a pty from /dev/ptmx, its slave the
                        * controlling terminal and the fds of the mask, its master sent on sock */
  OP_AWAIT_START = 40, /* u32 fd: close the status pipe (the launch is over for Java), then block until a
                        * byte arrives on fd (an OCI create's fifo, read-write) and close it */
  OP_INIT = 50,        /* nothing: this process stays as pid 1 (--init), the child goes on (init_fork) */
  OP_DUP2 = 51,        /* u32 from, u32 to: dup2(2) (stderr onto stdout: redirectErrorStream) */
  OP_AWAIT_EXEC = 45   /* u32 sock: a pooled container, built, reports ST_READY and blocks until Java sends
                        * the rest of its program (magic, length, ops) with three fds (SCM_RIGHTS) that
                        * become 0-2; sock is closed, and those ops run next, their steps numbered on */
};

enum op_flag {
  F_IGNORE_ENOENT = 1, /* a missing path is not an error (masked paths that this kernel lacks) */
  F_IGNORE_EEXIST = 2, /* an existing path is not an error (mkdir of a mount point) */
  F_FAULT = 4,         /* test-only fault injection: fail this step with ECANCELED, do nothing */
  F_IN_ROOT = 8,       /* the (target) path is the container's: resolved beneath OP_OPEN_ROOT's directory,
                        * its symbolic links as the container will see them (never out of the root) */
  F_SRC_IN_ROOT = 16,  /* OP_MOUNT: the source too */
  F_WITH_PREVIOUS = 32 /* skipped when the previous op was (its path missing, F_IGNORE_ENOENT): the
                        * read-only flag of a bind that was not made */
};

enum status_type { ST_PID = 1, ST_ERROR = 2, ST_ASSEMBLED = 3, ST_READY = 4 };

static int status_fd = -1;
static int config_fd = -1;
static mode_t saved_umask = 022;
static int root_fd = -1;
static int idmap_fd = -1;             /* OP_IDMAP_USERNS's user namespace */
static pid_t idmap_pid = -1;          /* and the child that made it, to reap */
static uid_t create_uid = (uid_t)-1;  /* OP_CREATE_OWNER */
static gid_t create_gid = (gid_t)-1;

/* A path of the container, resolved beneath root_fd with openat2(RESOLVE_IN_ROOT) into an O_PATH fd,
 * whose magic link name in *name stands for it in calls that take a path (mount(2) follows it).
 * Returns the fd (the caller closes it) or -1 with errno set. */
static int in_root(const char *path, int flags, char *name, size_t n) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
  if (fd >= 0) snprintf(name, n, "/proc/self/fd/%d", fd);
  return fd;
}

/* For mkdir, mknod-like and symlink ops: the parent directory of a container path, resolved beneath
 * the root, and the last component (which must not be ".." or empty). */
static int in_root_parent(const char *path, const char **base) {
  char parent[4096];
  const char *slash = strrchr(path, '/');
  size_t len = slash ? (size_t)(slash - path) : 0;
  if (len >= sizeof parent) { errno = ENAMETOOLONG; return -1; }
  memcpy(parent, path, len);
  parent[len] = 0;
  *base = slash ? slash + 1 : path;
  if (!**base || !strcmp(*base, "..") || !strcmp(*base, ".")) { errno = EINVAL; return -1; }
  char name[64];
  return in_root(len ? parent : "/", O_DIRECTORY, name, sizeof name);
}

static void report(int type, int step, int err, int value) {
  int32_t rec[4] = {type, step, err, value};
  ssize_t n;
  do {
    n = write(status_fd, rec, sizeof rec);
  } while (n < 0 && errno == EINTR);
}

static void fail(int step, int err) {
  report(ST_ERROR, step, err, 0);
  _exit(127);
}

static int read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* A cursor over one operation's payload. Java produced it, so it is trusted to be well formed;
 * the bounds checks only stop a truncated message from reading past the buffer. */
struct cur {
  const char *p, *end;
  int bad;
};

static uint32_t u32(struct cur *c) {
  uint32_t v = 0;
  if (c->end - c->p < 4) { c->bad = 1; return 0; }
  memcpy(&v, c->p, 4);
  c->p += 4;
  return v;
}

static uint64_t u64(struct cur *c) {
  uint64_t v = 0;
  if (c->end - c->p < 8) { c->bad = 1; return 0; }
  memcpy(&v, c->p, 8);
  c->p += 8;
  return v;
}

static const char *str(struct cur *c) {
  const char *s = c->p;
  const char *nul = memchr(c->p, 0, (size_t)(c->end - c->p));
  if (!nul) { c->bad = 1; return ""; }
  c->p = nul + 1;
  return s;
}

static const char *opt(const char *s) { return *s ? s : NULL; }

/* argv-style vector pointing into the payload; the buffer lives until execve. */
static char **vec(struct cur *c, uint32_t n) {
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) return NULL;
  for (uint32_t i = 0; i < n; i++) v[i] = (char *)str(c);
  return v;
}

static void close_from(unsigned first, int cloexec) {
  if (syscall(SYS_close_range, first, ~0u, cloexec ? 4u /* CLOSE_RANGE_CLOEXEC */ : 0u) == 0) return;
  /* Before Linux 5.9: walk the table. */
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = first; fd < max; fd++) {
    if (fd == status_fd || fd == config_fd) continue;
    if (cloexec) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    else close((int)fd);
  }
}

/* The pty of Redirect.tty(): opened after the pivot, so /dev/ptmx is the container's own devpts
 * instance and the slave is /dev/pts/N inside it. TIOCGPTPEER (4.13) gives the slave without a path
 * lookup that the container could race. The master goes to Java over a unix socket (SCM_RIGHTS,
 * unix(7)); the helper keeps no copy. */
static int open_pty(struct cur *c) {
  uint32_t sock = u32(c), mask = u32(c), cols = u32(c), rows = u32(c);
  int unlock = 0, err = 0, s = -1;
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return errno;
  struct winsize ws = {(unsigned short)rows, (unsigned short)cols, 0, 0};
  if (ioctl(m, TIOCSPTLCK, &unlock)) err = errno;
  else if ((cols || rows) && ioctl(m, TIOCSWINSZ, &ws)) err = errno;
  else if ((s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) err = errno;
  else if (ioctl(s, TIOCSCTTY, 0)) err = errno; /* a session leader (OP_SETSID) without a terminal */
  for (int fd = 0; !err && fd < 3; fd++)
    if (((mask >> fd) & 1) && dup2(s, fd) < 0) err = errno;
  if (!err) {
    char byte = 'T';
    struct iovec iov = {&byte, 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.buf;
    msg.msg_controllen = sizeof ctl.buf;
    struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &m, sizeof(int));
    if (sendmsg((int)sock, &msg, MSG_NOSIGNAL) < 0) err = errno;
  }
  if (s > 2) close(s);
  close(m);
  close((int)sock);
  return err;
}

/* A directory or an O_PATH descriptor as stdio would let the payload walk /proc/self/fd/N/.. to the
 * host's files: refused whatever Java checked before (the check and the spawn are not atomic). */
static void check_stdio(void) {
  for (int fd = 0; fd < 3; fd++) {
    int fl = fcntl(fd, F_GETFL);
    struct stat st;
    if (fl < 0) continue; /* not open: the payload gets none */
    if (fl & O_PATH) { report(ST_ERROR, -2 - fd, EBADF, 0); _exit(127); }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) { report(ST_ERROR, -2 - fd, EISDIR, 0); _exit(127); }
  }
}

/* --init, tini's job: this process forks; the child goes on to execve the payload, and this one
 * stays as the container's pid 1. The kernel delivers to a pid-namespace init only the signals it
 * handles or blocks (pid_namespaces(7), signal(7)), so every asynchronous signal is blocked before
 * the fork (none is lost in between) and taken with sigwaitinfo(2): each is forwarded to the child,
 * SIGCHLD reaps every zombie (orphans are re-parented to pid 1), and the child's end ends the init
 * with its status, 128 + N for signal N as a shell reports it. The child gets its own process group
 * and, on a terminal, the foreground, so ^C reaches it once (from the terminal, not also through
 * the init). Placed after the credential and seccomp ops: the init is confined as the payload. */
static int init_fork(void) {
  static const int sync_sigs[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU};
  sigset_t all, old;
  sigfillset(&all);
  for (size_t i = 0; i < sizeof sync_sigs / sizeof sync_sigs[0]; i++) sigdelset(&all, sync_sigs[i]);
  if (sigprocmask(SIG_SETMASK, &all, &old)) return errno;
  pid_t child = fork();
  if (child < 0) {
    int err = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return err;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    setpgid(0, 0);
    if (isatty(0)) {
      signal(SIGTTOU, SIG_IGN); /* tcsetpgrp(3) from a background group would stop us */
      tcsetpgrp(0, getpid());
      signal(SIGTTOU, SIG_DFL);
    }
    return 0;
  }
  /* The init holds no fd: Java's end-of-file on the status pipe must mean the payload's execve, and
   * the payload's stdio must end when the payload and its children end. */
  close_from(0, 0);
  close(status_fd);
  close(config_fd);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0) continue; /* EINTR */
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
      if (w == child) _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
  }
}

/* OP_AWAIT_EXEC: the header of the rest of the program and exactly three descriptors, close-on-exec
 * (unix(7): SCM_RIGHTS rides on the first byte of the data). -1 when Java closed the socket (the pool
 * discards this sandbox) or sent anything else. */
static int recv_exec(int sock, uint32_t head[2], int fds[3]) {
  struct iovec iov = {head, 2 * sizeof(uint32_t)};
  union { struct cmsghdr h; char buf[CMSG_SPACE(3 * sizeof(int))]; } u;
  struct msghdr m;
  memset(&m, 0, sizeof m);
  memset(&u, 0, sizeof u);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = sizeof u.buf;
  ssize_t n;
  do {
    n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_WAITALL);
  } while (n < 0 && errno == EINTR);
  struct cmsghdr *cm = n == (ssize_t)iov.iov_len ? CMSG_FIRSTHDR(&m) : NULL;
  if (!cm || (m.msg_flags & MSG_CTRUNC) || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS
      || cm->cmsg_len != CMSG_LEN(3 * sizeof(int))) return -1;
  memcpy(fds, CMSG_DATA(cm), 3 * sizeof(int));
  return 0;
}

static int do_exec(struct cur *c) {
  uint32_t ncand = u32(c), argc = u32(c), envc = u32(c);
  char **cand = vec(c, ncand), **argv = vec(c, argc), **envp = vec(c, envc);
  if (c->bad || !cand || !argv || !envp) return EINVAL;
  /* As execvp(3): go on past a candidate that does not exist, remember that one was not allowed. */
  int err = ENOENT, denied = 0;
  for (uint32_t i = 0; i < ncand; i++) {
    execve(cand[i], argv, envp);
    err = errno;
    if (err == EACCES) denied = 1;
    else if (err != ENOENT && err != ENOTDIR) break;
  }
  if (denied && (err == ENOENT || err == ENOTDIR)) err = EACCES;
  return err;
}

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
  close(fd);
  return err;
}

/* A user namespace whose only use is to carry an id map for MOUNT_ATTR_IDMAP (mount_setattr(2)): a
 * child unshares it and waits on a pipe while this process (the host's root) writes its maps and
 * opens it; the namespace then lives on through the fd. */
static int idmap_userns(const char *uid_map, const char *gid_map) {
  int p[2];
  if (pipe2(p, O_CLOEXEC)) return errno;
  long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
  if (pid == 0) {
    char b;
    close(p[1]);
    (void)!read(p[0], &b, 1);
    _exit(0);
  }
  int err = pid < 0 ? errno : 0;
  close(p[0]);
  char path[64];
  if (!err) {
    snprintf(path, sizeof path, "/proc/%ld/uid_map", pid);
    err = write_text(path, uid_map);
  }
  if (!err) {
    snprintf(path, sizeof path, "/proc/%ld/gid_map", pid);
    err = write_text(path, gid_map);
  }
  if (!err) {
    snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
    if (idmap_fd >= 0) close(idmap_fd);
    if ((idmap_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) err = errno;
  }
  close(p[1]); /* the child exits: reaped later (reap_idmap), its exit need not be waited for now */
  if (pid > 0) idmap_pid = (pid_t)pid;
  return err;
}

static void reap_idmap(void) {
  if (idmap_pid > 0) while (waitpid(idmap_pid, NULL, 0) < 0 && errno == EINTR) {}
  idmap_pid = -1;
}

/* open_tree(2) clone of source, idmapped with OP_IDMAP_USERNS's namespace, moved onto target. */
static int idmap_mount(const char *source, const char *target, uint32_t recursive) {
  if (idmap_fd < 0) return EBADF;
  unsigned rec = recursive ? AT_RECURSIVE : 0;
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, source, 1u /* OPEN_TREE_CLONE */ | O_CLOEXEC | rec);
  if (fd < 0) return errno;
  struct { uint64_t set, clr, propagation, userns_fd; } attr = {0x00100000 /* MOUNT_ATTR_IDMAP */, 0, 0,
                                                                (uint64_t)idmap_fd};
  int err = syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) ? errno : 0;
  /* MOVE_MOUNT_T_SYMLINKS: a layer is named by its short link (l/ID -> ../ID/diff), as overlayfs follows it */
  if (!err && syscall(SYS_move_mount, fd, "", AT_FDCWD, target, 4u /* MOVE_MOUNT_F_EMPTY_PATH */ | 0x10u /* MOVE_MOUNT_T_SYMLINKS */))
    err = errno;
  close(fd);
  return err;
}

/* The filesystem ids that files are created with. Leaving fsuid 0 drops the file capabilities from
 * the effective set (capabilities(7), "Effect of user ID changes on capabilities"): they are raised
 * again from the permitted set, so only the owner of what is created changes. Going back to 0 restores
 * them by itself. An idmapped root (a directory root) takes only ids of its map: the host's root is
 * not one (EOVERFLOW), the container's root is. */
static void create_as(uid_t uid, gid_t gid) {
  syscall(SYS_setfsgid, gid);
  syscall(SYS_setfsuid, uid);
  if (uid == 0) return;
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) == 0) {
    d[0].effective = d[0].permitted;
    d[1].effective = d[1].permitted;
    syscall(SYS_capset, &h, d);
  }
}

/* Runs one operation; returns 0 or an errno. */
static int run(int opcode, int opflags, struct cur *c) {
  switch (opcode) {
  case OP_SETNS: {
    uint32_t fd = u32(c), type = u32(c);
    return setns((int)fd, (int)type) ? errno : 0;
  }
  case OP_SETNS_PATH: {
    uint32_t type = u32(c);
    int fd = open(str(c), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = setns(fd, (int)type) ? errno : 0;
    close(fd);
    return err;
  }
  case OP_UNSHARE:
    return unshare((int)u64(c)) ? errno : 0;
  case OP_WAIT: {
    char go = 0;
    if (read_full(config_fd, &go, 1) || go != 'G') _exit(126); /* Java gave up: leave quietly */
    close(config_fd);
    config_fd = -1;
    return 0;
  }
  case OP_MOUNT: {
    uint64_t flags = u64(c);
    const char *src = str(c), *tgt = str(c), *type = str(c), *data = str(c);
    char sname[64], tname[64];
    int sfd = -1, tfd = -1, err = 0;
    if (opflags & F_SRC_IN_ROOT) {
      if ((sfd = in_root(src, 0, sname, sizeof sname)) < 0) return errno;
      src = sname;
    }
    if (opflags & F_IN_ROOT) {
      if ((tfd = in_root(tgt, 0, tname, sizeof tname)) < 0) err = errno;
      tgt = tname;
    }
    if (!err && mount(opt(src), tgt, opt(type), (unsigned long)flags, opt(data))) err = errno;
    if (sfd >= 0) close(sfd);
    if (tfd >= 0) close(tfd);
    return err;
  }
  case OP_MOUNT_SETATTR: {
    struct { uint64_t set, clr, propagation, userns_fd; } attr = {0, 0, 0, 0};
    attr.set = u64(c);
    attr.clr = u64(c);
    uint32_t at = u32(c);
    const char *path = str(c);
    if (!(opflags & F_IN_ROOT))
      return syscall(SYS_mount_setattr, AT_FDCWD, path, at, &attr, sizeof attr) ? errno : 0;
    char name[64];
    int fd = in_root(path, 0, name, sizeof name);
    if (fd < 0) return errno;
    int err = syscall(SYS_mount_setattr, fd, "", at | AT_EMPTY_PATH, &attr, sizeof attr) ? errno : 0;
    close(fd);
    return err;
  }
  case OP_UMOUNT: {
    uint32_t flags = u32(c);
    return umount2(str(c), (int)flags) ? errno : 0;
  }
  case OP_MKDIR:
  case OP_MKFILE:
  case OP_SYMLINK: {
    uint32_t mode = opcode == OP_SYMLINK ? 0 : u32(c);
    const char *target = opcode == OP_SYMLINK ? str(c) : NULL;
    const char *path = str(c), *base = path;
    int dir = AT_FDCWD, err = 0;
    if ((opflags & F_IN_ROOT) && (dir = in_root_parent(path, &base)) < 0) return errno;
    int as = create_uid != (uid_t)-1;
    if (as) create_as(create_uid, create_gid);
    if (opcode == OP_MKDIR) {
      if (mkdirat(dir, base, mode)) err = errno;
      /* The name exists but does not resolve: a dangling symbolic link (a mount target /data ->
       * /tmp/data, whose /tmp is a fresh tmpfs). Make the directory it names, its link text read
       * and resolved beneath the root like every path here; a few hops at most. */
      char hop[2][4096];
      for (int n = 0; err == EEXIST && (opflags & F_IN_ROOT) && n < 8; n++) {
        char name[64];
        int probe = in_root(path, 0, name, sizeof name);
        if (probe >= 0) { close(probe); break; }
        if (errno != ENOENT) break;
        char link[4096];
        ssize_t len = readlinkat(dir, base, link, sizeof link - 1);
        if (len <= 0) break;
        link[len] = 0;
        int plen = (int)(base - path);
        int w = link[0] == '/' ? snprintf(hop[n % 2], sizeof hop[0], "%s", link)
                               : snprintf(hop[n % 2], sizeof hop[0], "%.*s%s", plen, path, link);
        if (w < 0 || (size_t)w >= sizeof hop[0]) { err = ENAMETOOLONG; break; }
        path = hop[n % 2];
        close(dir);
        if ((dir = in_root_parent(path, &base)) < 0) { err = errno; break; }
        err = mkdirat(dir, base, mode) ? errno : 0;
      }
    } else if (opcode == OP_SYMLINK) {
      if (symlinkat(target, dir, base)) err = errno;
    } else {
      int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
      if (fd < 0) err = errno;
      else close(fd);
      char name[64];
      int probe = -1;
      if (err == EEXIST && (opflags & F_IN_ROOT) && (probe = in_root(path, 0, name, sizeof name)) < 0
          && errno == ENOENT) {
        /* The name exists but does not resolve: a dangling symbolic link (an image's /etc/hosts ->
         * /run/hosts). Create what it points to, resolved beneath the root as the container will
         * see it (O_CREAT without O_EXCL follows the link, open(2)); nothing exists there to open. */
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = (uint64_t)(O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        how.mode = mode;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
        err = fd < 0 ? errno : 0;
        if (fd >= 0) close(fd);
      } else if (err == EEXIST && (opflags & F_IN_ROOT) && probe >= 0) {
        close(probe);
      }
    }
    if (as) create_as(0, 0);
    if (dir >= 0) close(dir);
    return err;
  }
  case OP_OPEN_ROOT: {
    if (root_fd >= 0) close(root_fd);
    root_fd = open(str(c), O_PATH | O_DIRECTORY | O_CLOEXEC);
    return root_fd < 0 ? errno : 0;
  }
  case OP_CHDIR:
    return chdir(str(c)) ? errno : 0;
  case OP_CREATE_OWNER:
    create_uid = (uid_t)u32(c);
    create_gid = (gid_t)u32(c);
    return 0;
  case OP_IDMAP_USERNS: {
    const char *uid_map = str(c);
    return idmap_userns(uid_map, str(c));
  }
  case OP_IDMAP_MOUNT: {
    uint32_t rec = u32(c);
    const char *src = str(c);
    return idmap_mount(src, str(c), rec);
  }
  case OP_PIVOT_ROOT: {
    const char *new_root = str(c);
    if (syscall(SYS_pivot_root, new_root, str(c))) return errno;
    /* The root is "/" now: its fd must not stay around for /proc/self/fd tricks (CVE-2024-21626). */
    if (root_fd >= 0) close(root_fd);
    root_fd = -1;
    return 0;
  }
  case OP_SETHOSTNAME: {
    const char *name = str(c);
    return sethostname(name, strlen(name)) ? errno : 0;
  }
  case OP_SETDOMAINNAME: {
    const char *name = str(c);
    return setdomainname(name, strlen(name)) ? errno : 0;
  }
  case OP_PRCTL: {
    uint64_t o = u64(c), a2 = u64(c), a3 = u64(c), a4 = u64(c), a5 = u64(c);
    return prctl((int)o, a2, a3, a4, a5) < 0 ? errno : 0;
  }
  case OP_SETGROUPS: {
    uint32_t n = u32(c);
    gid_t gids[256];
    if (n > 256) return E2BIG;
    for (uint32_t i = 0; i < n; i++) gids[i] = u32(c);
    return setgroups(n, gids) ? errno : 0;
  }
  case OP_SETRESGID: {
    uint32_t r = u32(c), e = u32(c), s = u32(c);
    return syscall(SYS_setresgid, r, e, s) ? errno : 0; /* the raw call: this thread only, no libc broadcast */
  }
  case OP_SETRESUID: {
    uint32_t r = u32(c), e = u32(c), s = u32(c);
    return syscall(SYS_setresuid, r, e, s) ? errno : 0;
  }
  case OP_CAPSET: {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    for (int i = 0; i < 2; i++) d[i].effective = u32(c);
    for (int i = 0; i < 2; i++) d[i].permitted = u32(c);
    for (int i = 0; i < 2; i++) d[i].inheritable = u32(c);
    return syscall(SYS_capset, &h, d) ? errno : 0;
  }
  case OP_SETRLIMIT: {
    uint32_t res = u32(c);
    (void)u32(c);
    struct rlimit rl;
    rl.rlim_cur = u64(c);
    rl.rlim_max = u64(c);
    return setrlimit((int)res, &rl) ? errno : 0;
  }
  case OP_SECCOMP: {
    uint32_t flags = u32(c), count = u32(c);
    if ((size_t)(c->end - c->p) < (size_t)count * sizeof(struct sock_filter)) return EINVAL;
    struct sock_fprog prog = {(unsigned short)count, (struct sock_filter *)c->p};
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) ? errno : 0;
  }
  case OP_WRITE_FILE: {
    const char *path = str(c), *content = str(c);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t len = strlen(content);
    ssize_t n = write(fd, content, len);
    int err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
    close(fd);
    return err;
  }
  case OP_SETSID:
    return setsid() < 0 ? errno : 0;
  case OP_CLOSE_FROM:
    close_from(u32(c), 1);
    return 0;
  case OP_LINK_UP: {
    /* netdevice(7): SIOCGIFFLAGS/SIOCSIFFLAGS on any socket of the namespace. */
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, str(c), IFNAMSIZ - 1);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int err = ioctl(fd, SIOCGIFFLAGS, &ifr) ? errno : 0;
    if (!err) {
      ifr.ifr_flags |= IFF_UP;
      err = ioctl(fd, SIOCSIFFLAGS, &ifr) ? errno : 0;
    }
    close(fd);
    return err;
  }
  case OP_LCHOWN: {
    uint32_t uid = u32(c), gid = u32(c);
    return lchown(str(c), (uid_t)uid, (gid_t)gid) ? errno : 0;
  }
  case OP_OPEN_PTY:
    return open_pty(c);
  case OP_AWAIT_START: {
    /* The OCI create/start split (runtime-spec runtime.md, "Lifecycle"): everything is done but the
     * execve. Closing the status pipe ends the start for Java; a later failure can only be an exit. */
    int fd = (int)u32(c);
    char b;
    ssize_t n;
    if (status_fd >= 0) {
      close(status_fd);
      status_fd = -1;
    }
    do {
      n = read(fd, &b, 1);
    } while (n < 0 && errno == EINTR);
    int err = n == 1 ? 0 : n == 0 ? EPIPE : errno;
    close(fd);
    return err;
  }
  case OP_INIT:
    return init_fork();
  case OP_DUP2: {
    uint32_t from = u32(c), to = u32(c);
    return dup2((int)from, (int)to) < 0 ? errno : 0;
  }
  case OP_EXEC:
    umask(saved_umask); /* the payload gets the caller's umask back */
    return do_exec(c);
  default:
    return ENOSYS;
  }
}

int main(int argc, char **argv) {
  /* A fifth argument exists only in the protection-off runs of the stdio tests (FaultPlan). */
  if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "no-stdio-check"))) return 125;
  config_fd = atoi(argv[1]);
  status_fd = atoi(argv[2]);
  int first_closed = atoi(argv[3]);
  /* No fd of the JVM may reach the container (CVE-2024-21626): close all but the ones asked for.
   * Java places the config and status pipes right below first_closed. */
  close_from((unsigned)first_closed, 0);
  if (argc == 4) check_stdio();
  /* Modes in the program are exact (an overlay's upper directory must match its lower one); the
   * caller's umask is given back to the payload just before execve. */
  saved_umask = umask(0);

  uint32_t head[2];
  if (read_full(config_fd, head, sizeof head) || head[0] != MAGIC || head[1] > MAX_CONFIG) return 125;
  char *buf = malloc(head[1] ? head[1] : 1);
  if (!buf || read_full(config_fd, buf, head[1])) return 125;

  const char *p = buf, *end = buf + head[1];
  int skipping = 0; /* the container process, passing over the assembler's ops */
  int skipped = 0;  /* the previous op found its path missing and was passed over */
  for (int step = 0; p < end; step++) {
    if (end - p < 8) fail(step, EINVAL);
    uint16_t opcode, flags;
    uint32_t len;
    memcpy(&opcode, p, 2);
    memcpy(&flags, p + 2, 2);
    memcpy(&len, p + 4, 4);
    p += 8;
    if ((size_t)(end - p) < len) fail(step, EINVAL);
    struct cur c = {p, p + len, 0};
    p += (len + 7u) & ~7u;
    if (p > end) p = end;

    if (skipping) {
      if (opcode == OP_ASSEMBLED) skipping = 0;
      continue;
    }
    if (flags & F_FAULT) {
      /* A fault in the wait comes after the go byte: before it, the container process's death would
       * race with the assembler, which joins its namespaces. */
      if (opcode == OP_WAIT) (void)run(opcode, flags, &c);
      fail(step, ECANCELED);
    }
    if (opcode == OP_ASSEMBLED) { /* the assembler is done: Java may send the go byte */
      report(ST_ASSEMBLED, step, 0, 0);
      _exit(0);
    }
    if (opcode == OP_CLONE_ASSEMBLE) {
      /* The container process is cloned into its new namespaces but not a new mount namespace: it
       * stays in this one, where it has no privilege, while an assembler with the host's credentials,
       * in the child's pid, net, ipc and cgroup namespaces (so that proc, sysfs, mqueue and cgroup2
       * show the container's), builds and pivots into the container's tree. The child then unshares
       * its mount namespace from inside its user namespace, and that copy locks every mount
       * (mount_namespaces(7)): the container cannot unmount a mask to see what it covers. */
      uint64_t cflags = u64(&c), join = u64(&c);
      const char *uid_map = str(&c), *gid_map = str(&c);
      long pid = syscall(SYS_clone, (unsigned long)(cflags | CLONE_PARENT | SIGCHLD), 0, 0, 0, 0);
      if (pid < 0) fail(step, errno);
      if (pid == 0) {
        if (root_fd >= 0) close(root_fd);
        if (idmap_fd >= 0) close(idmap_fd);
        root_fd = idmap_fd = -1;
        idmap_pid = -1;
        skipping = 1;
        continue;
      }
      report(ST_PID, step, 0, (int)pid);
      if (*uid_map) {
        /* This process is the host's root: it writes the maps Java chose (user_namespaces(7)), and
         * the child's user namespace, with its final map, carries the idmapped mounts. */
        char path[64];
        int err;
        snprintf(path, sizeof path, "/proc/%ld/uid_map", pid);
        if ((err = write_text(path, uid_map))) fail(step, err);
        snprintf(path, sizeof path, "/proc/%ld/gid_map", pid);
        if ((err = write_text(path, gid_map))) fail(step, err);
        snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
        if (idmap_fd >= 0) close(idmap_fd);
        if ((idmap_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) fail(step, errno);
      }
      static const struct { uint64_t flag; const char *name; } ns[] = {
        {CLONE_NEWPID, "pid"}, {CLONE_NEWNET, "net"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWCGROUP, "cgroup"}};
      for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        if (!(join & ns[i].flag)) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/ns/%s", pid, ns[i].name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, (int)ns[i].flag)) fail(step, errno);
        close(fd);
      }
      long g = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0); /* fork: the assembler */
      if (g < 0) fail(step, errno);
      if (g == 0) {
        idmap_pid = -1;
        continue;
      }
      int st = 0;
      while (waitpid((pid_t)g, &st, 0) < 0 && errno == EINTR) {}
      reap_idmap();
      /* The assembler reported ST_ASSEMBLED or its error itself. Killed without a report (the
       * container process died, taking its pid namespace along), it leaves Java an end-of-file. */
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    }
    if (opcode == OP_CLONE) {
      /* fork semantics (no new stack), into new namespaces; CLONE_PARENT makes the child a child of
       * the JVM, so Java waits for it directly and this process can go away. */
      uint64_t cflags = u64(&c);
      long pid = syscall(SYS_clone, (unsigned long)(cflags | CLONE_PARENT | SIGCHLD), 0, 0, 0, 0);
      if (pid < 0) fail(step, errno);
      if (pid > 0) {
        report(ST_PID, step, 0, (int)pid);
        reap_idmap();
        _exit(0);
      }
      if (idmap_fd >= 0) close(idmap_fd);
      idmap_fd = -1;
      idmap_pid = -1;
      continue;
    }
    if (opcode == OP_AWAIT_EXEC) {
      /* Everything up to here is the sandbox; what comes is the payload's: its ids, capabilities,
       * seccomp filter, stdio and execve. Nothing of it exists before Java hands this one out. */
      int sock = (int)u32(&c), fds[3];
      uint32_t h[2];
      if (c.bad) fail(step, EINVAL);
      report(ST_READY, step, 0, 0);
      if (recv_exec(sock, h, fds)) _exit(126); /* discarded: leave quietly */
      if (h[0] != MAGIC || h[1] > MAX_CONFIG) fail(step, EINVAL);
      char *tail = malloc(h[1] ? h[1] : 1);
      if (!tail || read_full(sock, tail, h[1])) _exit(126);
      close(sock);
      for (int i = 0; i < 3; i++) {
        if (dup2(fds[i], i) < 0) fail(step, errno);
      }
      for (int i = 0; i < 3; i++) {
        if (fds[i] > 2) close(fds[i]);
      }
      check_stdio(); /* the payload's stdio, as at the helper's start */
      free(buf);
      buf = tail;
      p = tail;
      end = tail + h[1];
      continue;
    }
    if ((flags & F_WITH_PREVIOUS) && skipped) continue;
    int err = run(opcode, flags, &c);
    if (c.bad) fail(step, EINVAL);
    skipped = err == ENOENT && (flags & F_IGNORE_ENOENT);
    if (skipped) err = 0;
    if (err == EEXIST && (flags & F_IGNORE_EEXIST)) err = 0;
    if (err) fail(step, err);
  }
  /* The list always ends in OP_EXEC, which only returns on failure. */
  fail(-1, EINVAL);
}
