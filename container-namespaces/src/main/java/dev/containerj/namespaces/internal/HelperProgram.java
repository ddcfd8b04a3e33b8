package dev.containerj.namespaces.internal;

import dev.containerj.linux.internal.Constants;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The list of operations the native helper performs, in order, encoded in its wire format (see
 * {@code src/main/c/containerj-helper.c}). Each operation carries a human-readable step name, so that
 * a failure reported as (step index, errno) becomes {@code "mount(proc -> /x/proc) failed: EPERM"}.
 *
 * <p>The encoding is the only protocol between Java and C: a flat list of syscalls with their
 * arguments, with no policy in C. Java decides everything and the helper stays small enough to audit.
 */
public final class HelperProgram {
  static final int MAGIC = 0x31484a43; // "CJH1"

  // Opcodes: keep in sync with enum op in containerj-helper.c.
  static final int OP_SETNS = 1;
  static final int OP_UNSHARE = 2;
  static final int OP_CLONE = 3;
  static final int OP_WAIT = 4;
  static final int OP_MOUNT = 5;
  static final int OP_MOUNT_SETATTR = 6;
  static final int OP_UMOUNT = 7;
  static final int OP_MKDIR = 8;
  static final int OP_MKFILE = 9;
  static final int OP_SYMLINK = 10;
  static final int OP_CHDIR = 11;
  static final int OP_PIVOT_ROOT = 12;
  static final int OP_SETHOSTNAME = 13;
  static final int OP_PRCTL = 14;
  static final int OP_SETGROUPS = 15;
  static final int OP_SETRESGID = 16;
  static final int OP_SETRESUID = 17;
  static final int OP_CAPSET = 18;
  static final int OP_SETRLIMIT = 19;
  static final int OP_SECCOMP = 20;
  static final int OP_WRITE_FILE = 21;
  static final int OP_SETSID = 22;
  static final int OP_CLOSE_FROM = 23;
  static final int OP_EXEC = 24;
  static final int OP_SETDOMAINNAME = 25;
  static final int OP_LINK_UP = 26;
  static final int OP_SETNS_PATH = 27;
  static final int OP_LCHOWN = 28;
  static final int OP_OPEN_ROOT = 29;
  static final int OP_IDMAP_USERNS = 30;
  static final int OP_IDMAP_MOUNT = 31;
  static final int OP_CREATE_OWNER = 32;
  static final int OP_CLONE_ASSEMBLE = 33;
  static final int OP_ASSEMBLED = 34;
  static final int OP_OPEN_PTY = 35;
  static final int OP_INIT = 50;
  static final int OP_DUP2 = 51;
  static final int OP_AWAIT_EXEC = 45;
  static final int OP_AWAIT_START = 40;

  /**
   * The path (a mount's target) is the container's: resolved beneath the directory of the last
   * {@link #openRoot}, with its symbolic links as the container will see them, never out of it
   * (openat2 RESOLVE_IN_ROOT). For mount, mount_setattr, mkdir, create and symlink.
   */
  public static final int IN_ROOT = 8;

  /** A bind mount's source is the container's too (see {@link #IN_ROOT}). */
  public static final int SRC_IN_ROOT = 16;

  /** A missing path is not an error. */
  public static final int IGNORE_ENOENT = 1;
  /** An existing path is not an error. */
  public static final int IGNORE_EEXIST = 2;
  /** Skipped when the previous operation was (its path missing, {@link #IGNORE_ENOENT}). */
  public static final int WITH_PREVIOUS = 32;
  static final int FAULT = 4;

  // mount(2) flags, mount_setattr(2) attributes, umount2(2) flags: the numbers live once, in
  // container-linux's Constants; these names are kept for the programs' builders.
  public static final long MS_RDONLY = Constants.MS_RDONLY;
  public static final long MS_NOSUID = Constants.MS_NOSUID;
  public static final long MS_NODEV = Constants.MS_NODEV;
  public static final long MS_NOEXEC = Constants.MS_NOEXEC;
  public static final long MS_REMOUNT = Constants.MS_REMOUNT;
  public static final long MS_BIND = Constants.MS_BIND;
  public static final long MS_REC = Constants.MS_REC;
  public static final long MS_PRIVATE = Constants.MS_PRIVATE;
  public static final long MS_SLAVE = Constants.MS_SLAVE;
  public static final long MS_STRICTATIME = Constants.MS_STRICTATIME;
  public static final long MOUNT_ATTR_RDONLY = Constants.MOUNT_ATTR_RDONLY;
  public static final long MOUNT_ATTR_NOSUID = Constants.MOUNT_ATTR_NOSUID;
  public static final long MOUNT_ATTR_NODEV = Constants.MOUNT_ATTR_NODEV;
  public static final long MOUNT_ATTR_NOEXEC = Constants.MOUNT_ATTR_NOEXEC;
  public static final int AT_RECURSIVE = Constants.AT_RECURSIVE;
  public static final int MNT_DETACH = Constants.MNT_DETACH;
  // prctl(2)
  public static final int PR_SET_PDEATHSIG = 1;
  public static final int PR_SET_DUMPABLE = 4;
  public static final int PR_SET_KEEPCAPS = 8;
  public static final int PR_CAPBSET_DROP = 24;
  public static final int PR_SET_NO_NEW_PRIVS = 38;

  /** One operation: its step name for messages, and its encoded bytes. */
  private record Op(int opcode, int flags, String step, byte[] payload) {}

  private final List<Op> ops = new ArrayList<>();
  private int cloneIndex = -1;
  private boolean assembles;
  private boolean writesIdMaps;

  /** The number of operations. */
  public int size() {
    return ops.size();
  }

  /** The step name of operation {@code index}, for messages. */
  public String step(int index) {
    return index >= 0 && index < ops.size() ? ops.get(index).step() : "native helper";
  }

  /** Index of the clone operation: steps before it run in the helper, after it in the container. */
  public int cloneIndex() {
    return cloneIndex;
  }

  /**
   * Whether the clone is {@link #cloneAssemble}: the helper then reports {@code ST_ASSEMBLED} (or the
   * assembler's error) after the pid, before Java may send the go byte.
   */
  public boolean assembles() {
    return assembles;
  }

  /**
   * Closes the status pipe (the start sees its end as a successful launch) and blocks until one byte
   * can be read from {@code fd} (a fifo held open read-write, fifo(7)): an OCI {@code create}'s
   * container waits here, just before its execve, for {@code start}.
   */
  public HelperProgram awaitStart(int fd) {
    return add(OP_AWAIT_START, 0, "wait for start (read fd " + fd + ")", new Payload().u32(fd));
  }

  /** Marks operation {@code index} to fail with ECANCELED instead of running (tests only). */
  public void injectFault(int index) {
    Op op = ops.get(index);
    ops.set(index, new Op(op.opcode(), op.flags() | FAULT, op.step(), op.payload()));
  }

  private HelperProgram add(int opcode, int flags, String step, Payload p) {
    ops.add(new Op(opcode, flags, step, p.bytes()));
    return this;
  }

  public HelperProgram setns(int fd, int nstype, String what) {
    return add(OP_SETNS, 0, "setns(" + what + ")", new Payload().u32(fd).u32(nstype));
  }

  /** Opens a namespace file and joins it. */
  public HelperProgram setnsPath(String path, int nstype) {
    return add(OP_SETNS_PATH, 0, "setns(" + path + ")", new Payload().u32(nstype).str(path));
  }

  public HelperProgram unshare(long flags, String what) {
    return add(OP_UNSHARE, 0, "unshare(" + what + ")", new Payload().u64(flags));
  }

  /** Forks the container process into new namespaces; the helper reports its pid and exits. */
  public HelperProgram clone(long flags, String what) {
    cloneIndex = ops.size();
    return add(OP_CLONE, 0, "clone(" + what + ")", new Payload().u64(flags));
  }

  /**
   * Forks the container process into new namespaces ({@code flags}, without a mount namespace: it
   * stays in the helper's), then an assembler with the helper's credentials that joins the child's
   * namespaces in {@code join} (pid, net, ipc, cgroup) and runs the following operations up to
   * {@link #assembled()}; the child skips them. The helper reports the child's pid, then waits for
   * the assembler and reports its success. With {@code uidMap} (uid_map(5) lines; "" = Java writes
   * them), the helper writes the child's maps right after the clone, and the child's user namespace
   * carries the assembler's {@link #idmapMount}s.
   */
  public HelperProgram cloneAssemble(long flags, long join, String what, String uidMap, String gidMap) {
    cloneIndex = ops.size();
    assembles = true;
    writesIdMaps = !uidMap.isEmpty();
    return add(OP_CLONE_ASSEMBLE, 0, "clone(" + what + "), then assemble its root",
        new Payload().u64(flags).u64(join).str(uidMap).str(gidMap));
  }

  /**
   * Whether the helper writes the child's id maps itself (a root JVM's {@link #cloneAssemble} with
   * maps): Java then does not.
   */
  public boolean writesIdMaps() {
    return writesIdMaps;
  }

  /** The end of the assembler's operations (see {@link #cloneAssemble}). */
  public HelperProgram assembled() {
    return add(OP_ASSEMBLED, 0, "end of the root's assembly", new Payload());
  }

  /**
   * A user namespace with these maps ({@code uid_map} format), held by the helper for {@link
   * #idmapMount}: its only use is to carry the map (mount_setattr(2), MOUNT_ATTR_IDMAP).
   */
  public HelperProgram idmapUserns(String uidMap, String gidMap) {
    return add(OP_IDMAP_USERNS, 0, "user namespace for idmapped mounts (uid_map " + uidMap.trim().replace('\n', ';')
        + ")", new Payload().str(uidMap).str(gidMap));
  }

  /**
   * An idmapped clone of {@code source} (open_tree OPEN_TREE_CLONE, mount_setattr MOUNT_ATTR_IDMAP)
   * moved onto {@code target}; {@code what} names it in messages.
   */
  public HelperProgram idmapMount(String source, String target, boolean recursive, String what) {
    return add(OP_IDMAP_MOUNT, 0, "idmapped mount of " + what + " (" + source + " -> " + target + ")",
        new Payload().u32(recursive ? 1 : 0).str(source).str(target));
  }

  /**
   * From now on, mkdir/create/symlink create with these host ids as fsuid/fsgid (setfsuid(2)), keeping
   * the helper's capabilities: what they make belongs to these ids, and an idmapped mount (whose map
   * lacks the host's root) takes the creation.
   */
  public HelperProgram createOwner(long uid, long gid) {
    return add(OP_CREATE_OWNER, 0, "owner of created files " + uid + ":" + gid,
        new Payload().u32((int) uid).u32((int) gid));
  }

  /** Waits for Java's go-ahead (after Java wrote the id maps and joined the cgroup). */
  public HelperProgram waitForGo() {
    return add(OP_WAIT, 0, "wait for parent", new Payload());
  }

  public HelperProgram mount(String source, String target, String fstype, long flags, String data, int opFlags) {
    String step = "mount(" + (source.isEmpty() ? fstype : source) + " -> " + target
        + (fstype.isEmpty() ? "" : ", " + fstype) + (data.isEmpty() ? "" : ", " + data) + ")";
    return add(OP_MOUNT, opFlags, step,
        new Payload().u64(flags).str(source).str(target).str(fstype).str(data));
  }

  public HelperProgram mountSetattr(String path, long attrSet, long attrClear, boolean recursive, int opFlags) {
    return add(OP_MOUNT_SETATTR, opFlags, "mount_setattr(" + path + ")",
        new Payload().u64(attrSet).u64(attrClear).u32(recursive ? AT_RECURSIVE : 0).str(path));
  }

  public HelperProgram umount(String path, int flags) {
    return add(OP_UMOUNT, 0, "umount2(" + path + ")", new Payload().u32(flags).str(path));
  }

  /** Modes are exact: the helper runs with umask 0 and gives the caller's umask back at execve. */
  public HelperProgram mkdir(String path, int mode, int opFlags) {
    return add(OP_MKDIR, opFlags, "mkdir(" + path + ")", new Payload().u32(mode).str(path));
  }

  public HelperProgram mkfile(String path, int mode, int opFlags) {
    return add(OP_MKFILE, opFlags, "create(" + path + ")", new Payload().u32(mode).str(path));
  }

  /** The directory that {@link #IN_ROOT} paths are resolved beneath, from now on. */
  public HelperProgram openRoot(String path) {
    return add(OP_OPEN_ROOT, 0, "open(" + path + ")", new Payload().str(path));
  }

  /** lchown(2), with ids as the helper's user namespace sees them. */
  public HelperProgram lchown(String path, long uid, long gid, int opFlags) {
    return add(OP_LCHOWN, opFlags, "lchown(" + path + ", " + uid + ":" + gid + ")",
        new Payload().u32((int) uid).u32((int) gid).str(path));
  }

  public HelperProgram symlink(String target, String linkPath, int opFlags) {
    return add(OP_SYMLINK, opFlags, "symlink(" + linkPath + " -> " + target + ")",
        new Payload().str(target).str(linkPath));
  }

  public HelperProgram chdir(String path) {
    return add(OP_CHDIR, 0, "chdir(" + path + ")", new Payload().str(path));
  }

  public HelperProgram pivotRoot(String newRoot, String putOld, String what) {
    return add(OP_PIVOT_ROOT, 0, "pivot_root(" + what + ")", new Payload().str(newRoot).str(putOld));
  }

  public HelperProgram sethostname(String name) {
    return add(OP_SETHOSTNAME, 0, "sethostname(" + name + ")", new Payload().str(name));
  }

  public HelperProgram setdomainname(String name) {
    return add(OP_SETDOMAINNAME, 0, "setdomainname(" + name + ")", new Payload().str(name));
  }

  public HelperProgram prctl(int option, long arg2, String what) {
    return add(OP_PRCTL, 0, "prctl(" + what + ")",
        new Payload().u64(option).u64(arg2).u64(0).u64(0).u64(0));
  }

  public HelperProgram setgroups(long[] gids) {
    Payload p = new Payload().u32(gids.length);
    StringBuilder s = new StringBuilder();
    for (long g : gids) {
      p.u32((int) g);
      s.append(s.length() == 0 ? "" : ",").append(g);
    }
    return add(OP_SETGROUPS, 0, "setgroups(" + s + ")", p);
  }

  public HelperProgram setresgid(long gid) {
    int g = (int) gid;
    return add(OP_SETRESGID, 0, "setresgid(" + gid + ")", new Payload().u32(g).u32(g).u32(g));
  }

  public HelperProgram setresuid(long uid) {
    int u = (int) uid;
    return add(OP_SETRESUID, 0, "setresuid(" + uid + ")", new Payload().u32(u).u32(u).u32(u));
  }

  /** capset(2) with 64-bit masks (bit n = capability n). */
  public HelperProgram capset(long effective, long permitted, long inheritable) {
    Payload p = new Payload();
    for (long mask : new long[] {effective, permitted, inheritable}) {
      p.u32((int) mask).u32((int) (mask >>> 32));
    }
    return add(OP_CAPSET, 0, "capset", p);
  }

  public HelperProgram setrlimit(int resource, String name, long soft, long hard) {
    return add(OP_SETRLIMIT, 0, "setrlimit(" + name + "=" + soft + ":" + hard + ")",
        new Payload().u32(resource).u32(0).u64(soft).u64(hard));
  }

  /** seccomp(SECCOMP_SET_MODE_FILTER) with a program of 8-byte {@code struct sock_filter} entries. */
  public HelperProgram seccomp(int flags, byte[] program, String what) {
    if (program.length % 8 != 0) {
      throw new IllegalArgumentException("a BPF program is a multiple of 8 bytes: " + program.length);
    }
    return add(OP_SECCOMP, 0, "seccomp(" + what + ")",
        new Payload().u32(flags).u32(program.length / 8).raw(program));
  }

  public HelperProgram writeFile(String path, String content, int opFlags) {
    return add(OP_WRITE_FILE, opFlags, "write(" + path + ")", new Payload().str(path).str(content));
  }

  /** Sets IFF_UP on a network interface of the container's namespace (netdevice(7)). */
  public HelperProgram linkUp(String ifname) {
    return add(OP_LINK_UP, 0, "ioctl(SIOCSIFFLAGS, " + ifname + " up)", new Payload().str(ifname));
  }

  public HelperProgram setsid() {
    return add(OP_SETSID, 0, "setsid", new Payload());
  }

  /**
   * Opens a pty from {@code /dev/ptmx} (after the pivot: the container's own devpts), makes its slave
   * the controlling terminal and each fd whose bit is set in {@code fdMask} (bit 0: stdin), sets the
   * window size when not 0x0, and sends the master to Java on {@code socketFd} (SCM_RIGHTS). The
   * caller must have done {@link #setsid()}.
   */
  public HelperProgram openPty(int socketFd, int fdMask, int columns, int rows) {
    return add(OP_OPEN_PTY, 0, "open the container's terminal (/dev/ptmx)",
        new Payload().u32(socketFd).u32(fdMask).u32(columns).u32(rows));
  }

  /**
   * The init of {@code --init}: the helper forks, stays as the parent (the container's pid 1),
   * forwards every signal it gets to the child and reaps every zombie, and exits with the child's
   * status (128 + N when signal N killed it); the child goes on with the next ops. Placed after the
   * credential and seccomp stages, so the init is confined as the payload is.
   */
  public HelperProgram init() {
    return add(OP_INIT, 0, "fork the init (pid 1 forwards signals and reaps)", new Payload());
  }

  /** dup2(2) of {@code from} onto {@code to} (stderr onto stdout for {@code redirectErrorStream}). */
  public HelperProgram dup2(int from, int to) {
    return add(OP_DUP2, 0, "dup2(" + from + ", " + to + ")", new Payload().u32(from).u32(to));
  }

  /** Marks every fd from {@code first} on close-on-exec, so only 0..first-1 reach the payload. */
  public HelperProgram closeFrom(int first) {
    return add(OP_CLOSE_FROM, 0, "close_range(" + first + ")", new Payload().u32(first));
  }

  /**
   * Execs the first candidate path that exists (as execvp(3) walks PATH); the step is named after
   * the command.
   */
  public HelperProgram exec(List<String> candidates, List<String> argv, Map<String, String> env) {
    Payload p = new Payload().u32(candidates.size()).u32(argv.size()).u32(env.size());
    candidates.forEach(p::str);
    argv.forEach(p::str);
    env.forEach((k, v) -> p.str(k + "=" + v));
    return add(OP_EXEC, 0, "execve(" + argv.get(0) + ")", p);
  }

  /**
   * A pooled container's last step before its payload: the helper reports that the sandbox is ready
   * and blocks on {@code socketFd} until Java sends the rest of the program (its {@link #encode()}d
   * form) with the payload's stdin, stdout and stderr (SCM_RIGHTS), which become fds 0-2. The socket
   * is closed then; the ops received run next, their step indexes following this one's, so
   * {@link #append} of the same ops to this program names their failures.
   */
  public HelperProgram awaitExec(int socketFd) {
    return add(OP_AWAIT_EXEC, 0, "wait for the payload (pooled container)", new Payload().u32(socketFd));
  }

  /** Drops every op from {@code size} on (a pooled container's program ends where its payload's begins). */
  public HelperProgram truncate(int size) {
    ops.subList(size, ops.size()).clear();
    return this;
  }

  /**
   * Inserts the ops of {@code more} before operation {@code index} (tests only: a step placed inside
   * a window that the planner's stages otherwise close at once, see {@code ContainerExec}).
   */
  public HelperProgram insert(int index, HelperProgram more) {
    if (cloneIndex >= index) {
      cloneIndex += more.ops.size();
    }
    ops.addAll(index, more.ops);
    return this;
  }

  /** Appends the ops of {@code rest}, for their step names (see {@link #awaitExec}). */
  public HelperProgram append(HelperProgram rest) {
    ops.addAll(rest.ops);
    return this;
  }

  /** The wire format: magic, length, then every operation 8-byte aligned. */
  public byte[] encode() {
    int total = 0;
    for (Op op : ops) {
      total += 8 + align8(op.payload().length);
    }
    ByteBuffer b = ByteBuffer.allocate(8 + total).order(ByteOrder.nativeOrder());
    b.putInt(MAGIC).putInt(total);
    for (Op op : ops) {
      b.putShort((short) op.opcode()).putShort((short) op.flags()).putInt(op.payload().length);
      b.put(op.payload());
      b.position(b.position() + align8(op.payload().length) - op.payload().length);
    }
    return b.array();
  }

  private static int align8(int n) {
    return (n + 7) & ~7;
  }

  /** Little helper to lay out one payload. */
  private static final class Payload {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(32);
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());

    Payload u32(int v) {
      scratch.clear();
      scratch.putInt(v);
      out.write(scratch.array(), 0, 4);
      return this;
    }

    Payload u64(long v) {
      scratch.clear();
      scratch.putLong(v);
      out.write(scratch.array(), 0, 8);
      return this;
    }

    Payload str(String s) {
      if (s.indexOf('\0') >= 0) {
        throw new dev.containerj.linux.InvalidValueException("string passed to the kernel", s, "must not contain NUL");
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(b, 0, b.length);
      out.write(0);
      return this;
    }

    Payload raw(byte[] b) {
      out.write(b, 0, b.length);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
