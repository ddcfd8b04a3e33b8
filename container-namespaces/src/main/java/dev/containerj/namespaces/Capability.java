package dev.containerj.namespaces;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** A Linux capability (capabilities(7)), named as in the man page. */
public enum Capability {
  /** Change the owner and group of any file. */
  CAP_CHOWN(0),
  /** Bypass file read, write and execute permission checks. */
  CAP_DAC_OVERRIDE(1),
  /** Bypass file read and directory search checks; use open_by_handle_at(2). */
  CAP_DAC_READ_SEARCH(2),
  /** Bypass checks that need the caller to own the file (chmod, utime, xattrs...). */
  CAP_FOWNER(3),
  /** Keep set-user-id and set-group-id bits when a file is modified. */
  CAP_FSETID(4),
  /** Send signals to processes of other users. */
  CAP_KILL(5),
  /** Change group ids and supplementary groups; write a gid_map. */
  CAP_SETGID(6),
  /** Change user ids; write a uid_map. */
  CAP_SETUID(7),
  /**
   * Add bounding-set capabilities to the inheritable set, drop from the bounding set, change
   * securebits.
   */
  CAP_SETPCAP(8),
  /** Set the immutable and append-only file attributes. */
  CAP_LINUX_IMMUTABLE(9),
  /** Bind to ports below 1024. */
  CAP_NET_BIND_SERVICE(10),
  /** Unused by the kernel (socket broadcasting and multicast). */
  CAP_NET_BROADCAST(11),
  /** Configure network interfaces, routes, firewall rules and sockets of the network namespace. */
  CAP_NET_ADMIN(12),
  /** Open raw and packet sockets (left out of {@link #DEFAULT_SET}). */
  CAP_NET_RAW(13),
  /** Lock memory (mlock(2), mlockall(2)) beyond RLIMIT_MEMLOCK. */
  CAP_IPC_LOCK(14),
  /** Bypass permission checks on System V IPC objects. */
  CAP_IPC_OWNER(15),
  /** Load and unload kernel modules. */
  CAP_SYS_MODULE(16),
  /** Do I/O port operations and access /dev/mem and similar. */
  CAP_SYS_RAWIO(17),
  /** Call chroot(2) and change mount namespaces with setns(2). */
  CAP_SYS_CHROOT(18),
  /** Trace and inspect any process (ptrace(2), process_vm_readv(2)). */
  CAP_SYS_PTRACE(19),
  /** Turn process accounting on and off (acct(2)). */
  CAP_SYS_PACCT(20),
  /** A broad set of administration operations: mount, sethostname, setns, quotas and more. */
  CAP_SYS_ADMIN(21),
  /** Reboot and load a new kernel (reboot(2), kexec_load(2)). */
  CAP_SYS_BOOT(22),
  /** Raise priorities and set real-time scheduling and CPU affinity of any process. */
  CAP_SYS_NICE(23),
  /** Override resource limits and quotas. */
  CAP_SYS_RESOURCE(24),
  /** Set the system clock. */
  CAP_SYS_TIME(25),
  /** Call vhangup(2) and privileged terminal ioctls. */
  CAP_SYS_TTY_CONFIG(26),
  /** Create device nodes with mknod(2). */
  CAP_MKNOD(27),
  /** Take leases on files the caller does not own. */
  CAP_LEASE(28),
  /** Write records to the kernel audit log. */
  CAP_AUDIT_WRITE(29),
  /** Configure kernel auditing and its rules. */
  CAP_AUDIT_CONTROL(30),
  /** Set file capabilities; map user id 0 in a new user namespace. */
  CAP_SETFCAP(31),
  /** Override mandatory access control (Smack). */
  CAP_MAC_OVERRIDE(32),
  /** Configure mandatory access control (Smack). */
  CAP_MAC_ADMIN(33),
  /** Use privileged syslog(2) operations; see kernel addresses. */
  CAP_SYSLOG(34),
  /** Set alarms that wake the system. */
  CAP_WAKE_ALARM(35),
  /** Block system suspend (epoll EPOLLWAKEUP). */
  CAP_BLOCK_SUSPEND(36),
  /** Read the audit log through a multicast netlink socket. */
  CAP_AUDIT_READ(37),
  /** Use perf_events and other performance monitoring (Linux 5.8). */
  CAP_PERFMON(38),
  /** Use privileged BPF operations (Linux 5.8). */
  CAP_BPF(39),
  /** Checkpoint and restore operations, such as choosing the pid of a new process (Linux 5.9). */
  CAP_CHECKPOINT_RESTORE(40);

  /**
   * What a container starts with unless the spec adds or drops capabilities: Docker's default set
   * without {@link #CAP_NET_RAW}, as Podman does. NET_RAW opens raw and packet sockets, with which
   * a container on a bridge can send IPv6 router advertisements to the host (CVE-2020-10749) and
   * forge ARP replies to its neighbours; add it back explicitly ({@code --cap-add NET_RAW}) for
   * {@code ping} and the like. As a mask: {@code 0xa80405fb}.
   */
  public static final Set<Capability> DEFAULT_SET = Collections.unmodifiableSet(EnumSet.of(
      CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_SETGID,
      CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,
      CAP_AUDIT_WRITE));

  private final int number;

  Capability(int number) {
    this.number = number;
  }

  /** {@return the kernel's number for it ({@code linux/capability.h})} */
  public int number() {
    return number;
  }

  /**
   * {@return the capability with this name, with or without the {@code CAP_} prefix, in any case:
   * {@code "net_admin"}, {@code "CAP_NET_ADMIN"}}
   *
   * @param name the name, with or without {@code CAP_}, in any case
   * @throws dev.containerj.linux.InvalidValueException naming the value when there is no such capability
   */
  public static Capability parse(String name) {
    String upper = name.trim().toUpperCase(Locale.ROOT);
    try {
      return valueOf(upper.startsWith("CAP_") ? upper : "CAP_" + upper);
    } catch (IllegalArgumentException e) {
      throw new dev.containerj.linux.InvalidValueException("capability", name, "must be a capability of capabilities(7)");
    }
  }
}
