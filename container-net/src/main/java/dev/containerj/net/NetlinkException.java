package dev.containerj.net;

import dev.containerj.linux.Errno;
import dev.containerj.linux.SyscallException;
import org.jspecify.annotations.Nullable;

/**
 * The kernel refused a netlink request. The message names the request type, what it acted on, the
 * error and, when the kernel gave one (extended ack, {@code NETLINK_EXT_ACK}), its explanation:
 * {@code "RTM_NEWLINK veth cj0a: EEXIST (File exists)"} or {@code "RTM_NEWROUTE 10.0.0.0/33:
 * EINVAL (Invalid argument): Invalid prefix for given prefix length"}.
 */
public final class NetlinkException extends SyscallException {
  private static final long serialVersionUID = 1L;

  /** The kernel's extended acknowledgement text (NLMSGERR_ATTR_MSG), or null when it gave none. */
  private final @Nullable String extendedAck;

  /**
   * @param request the request type name, as {@code "RTM_NEWLINK"}
   * @param target what it acted on, as {@code "veth cj0a"}
   * @param errno the positive error number
   * @param extendedAck the kernel's explanation, or null
   */
  public NetlinkException(String request, String target, int errno, @Nullable String extendedAck) {
    super(request, target, errno, extendedAck);
    this.extendedAck = extendedAck == null || extendedAck.isEmpty() ? null : extendedAck;
  }

  /** {@return the kernel's extended-ack text, or null when it gave none} */
  public @Nullable String extendedAck() {
    return extendedAck;
  }

  @Override
  public String getMessage() {
    String target = target();
    return call() + (target == null || target.isEmpty() ? "" : " " + target) + ": " + Errno.describe(errno())
        + (extendedAck == null ? "" : ": " + extendedAck);
  }
}
