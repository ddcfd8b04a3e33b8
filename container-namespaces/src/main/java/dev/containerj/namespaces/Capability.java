package dev.containerj.namespaces;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** A Linux capability (capabilities(7)), named as in the man page. */
public enum Capability {
  CAP_CHOWN(0),
  CAP_DAC_OVERRIDE(1),
  CAP_DAC_READ_SEARCH(2),
  CAP_FOWNER(3),
  CAP_FSETID(4),
  CAP_KILL(5),
  CAP_SETGID(6),
  CAP_SETUID(7),
  CAP_SETPCAP(8),
  CAP_LINUX_IMMUTABLE(9),
  CAP_NET_BIND_SERVICE(10),
  CAP_NET_BROADCAST(11),
  CAP_NET_ADMIN(12),
  CAP_NET_RAW(13),
  CAP_IPC_LOCK(14),
  CAP_IPC_OWNER(15),
  CAP_SYS_MODULE(16),
  CAP_SYS_RAWIO(17),
  CAP_SYS_CHROOT(18),
  CAP_SYS_PTRACE(19),
  CAP_SYS_PACCT(20),
  CAP_SYS_ADMIN(21),
  CAP_SYS_BOOT(22),
  CAP_SYS_NICE(23),
  CAP_SYS_RESOURCE(24),
  CAP_SYS_TIME(25),
  CAP_SYS_TTY_CONFIG(26),
  CAP_MKNOD(27),
  CAP_LEASE(28),
  CAP_AUDIT_WRITE(29),
  CAP_AUDIT_CONTROL(30),
  CAP_SETFCAP(31),
  CAP_MAC_OVERRIDE(32),
  CAP_MAC_ADMIN(33),
  CAP_SYSLOG(34),
  CAP_WAKE_ALARM(35),
  CAP_BLOCK_SUSPEND(36),
  CAP_AUDIT_READ(37),
  CAP_PERFMON(38),
  CAP_BPF(39),
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

  /** The kernel's number for it ({@code linux/capability.h}). */
  public int number() {
    return number;
  }

  /**
   * The capability with this name, with or without the {@code CAP_} prefix, in any case:
   * {@code "net_admin"}, {@code "CAP_NET_ADMIN"}.
   *
   * @throws IllegalArgumentException naming the value when there is no such capability
   */
  public static Capability parse(String name) {
    String upper = name.trim().toUpperCase(Locale.ROOT);
    try {
      return valueOf(upper.startsWith("CAP_") ? upper : "CAP_" + upper);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown capability (see capabilities(7)): " + name, e);
    }
  }
}
