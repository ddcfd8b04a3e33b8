package dev.containerj.net.internal;

/**
 * Netlink and rtnetlink constants (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h,
 * linux/if_addr.h, linux/veth.h), the only place they are spelled out.
 */
public final class Nl {
  private Nl() {}

  public static final int AF_UNSPEC = 0;
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;
  public static final int AF_NETLINK = 16;
  public static final int SOCK_RAW = 3;
  public static final int SOCK_CLOEXEC = 02000000;
  public static final int NETLINK_ROUTE = 0;
  public static final int SOL_NETLINK = 270;
  public static final int NETLINK_CAP_ACK = 10;
  public static final int NETLINK_EXT_ACK = 11;
  public static final int NETLINK_GET_STRICT_CHK = 12;
  public static final int SOL_SOCKET = 1;
  public static final int SO_SNDBUF = 7;
  public static final int SO_RCVBUF = 8;
  public static final int MSG_PEEK = 0x2;
  public static final int MSG_TRUNC = 0x20;

  // nlmsghdr
  public static final int NLMSG_HDRLEN = 16;
  public static final int NLMSG_NOOP = 1;
  public static final int NLMSG_ERROR = 2;
  public static final int NLMSG_DONE = 3;
  public static final int NLM_F_REQUEST = 0x01;
  public static final int NLM_F_MULTI = 0x02;
  public static final int NLM_F_ACK = 0x04;
  public static final int NLM_F_DUMP_INTR = 0x10;
  public static final int NLM_F_DUMP = 0x300;
  public static final int NLM_F_REPLACE = 0x100;
  public static final int NLM_F_EXCL = 0x200;
  public static final int NLM_F_CREATE = 0x400;
  /** In an NLMSG_ERROR: the original request was cut to its header (NETLINK_CAP_ACK). */
  public static final int NLM_F_CAPPED = 0x100;
  /** In an NLMSG_ERROR: extended-ack attributes follow. */
  public static final int NLM_F_ACK_TLVS = 0x200;
  public static final int NLMSGERR_ATTR_MSG = 1;
  public static final int NLMSGERR_ATTR_OFFS = 2;

  // message types
  public static final int RTM_NEWLINK = 16;
  public static final int RTM_DELLINK = 17;
  public static final int RTM_GETLINK = 18;
  public static final int RTM_SETLINK = 19;
  public static final int RTM_NEWADDR = 20;
  public static final int RTM_DELADDR = 21;
  public static final int RTM_GETADDR = 22;
  public static final int RTM_NEWROUTE = 24;
  public static final int RTM_DELROUTE = 25;
  public static final int RTM_GETROUTE = 26;

  // struct sizes
  public static final int IFINFOMSG_LEN = 16;
  public static final int IFADDRMSG_LEN = 8;
  public static final int RTMSG_LEN = 12;

  // net_device_flags
  public static final int IFF_UP = 0x1;
  public static final int IFF_BROADCAST = 0x2;
  public static final int IFF_LOOPBACK = 0x8;
  public static final int IFF_RUNNING = 0x40;
  public static final int IFF_NOARP = 0x80;
  public static final int IFF_MULTICAST = 0x1000;
  public static final int IFF_LOWER_UP = 0x10000;

  // IFLA_*
  public static final int IFLA_ADDRESS = 1;
  public static final int IFLA_BROADCAST = 2;
  public static final int IFLA_IFNAME = 3;
  public static final int IFLA_MTU = 4;
  public static final int IFLA_LINK = 5;
  public static final int IFLA_MASTER = 10;
  public static final int IFLA_TXQLEN = 13;
  public static final int IFLA_OPERSTATE = 16;
  public static final int IFLA_LINKINFO = 18;
  public static final int IFLA_NET_NS_PID = 19;
  public static final int IFLA_NET_NS_FD = 28;
  public static final int IFLA_EXT_MASK = 29;
  public static final int IFLA_LINK_NETNSID = 37;
  public static final int IFLA_INFO_KIND = 1;
  public static final int IFLA_INFO_DATA = 2;
  public static final int VETH_INFO_PEER = 1;
  public static final int NLA_F_NESTED = 0x8000;
  public static final int NLA_TYPE_MASK = 0x3fff;

  // IFA_*
  public static final int IFA_ADDRESS = 1;
  public static final int IFA_LOCAL = 2;
  public static final int IFA_LABEL = 3;
  public static final int IFA_BROADCAST = 4;
  public static final int IFA_FLAGS = 8;
  public static final int IFA_F_NODAD = 0x02;
  public static final int IFA_F_PERMANENT = 0x80;

  // RTA_* and rtmsg fields
  public static final int RTA_DST = 1;
  public static final int RTA_OIF = 4;
  public static final int RTA_GATEWAY = 5;
  public static final int RTA_PRIORITY = 6;
  public static final int RTA_PREFSRC = 7;
  public static final int RTA_TABLE = 15;
  public static final int RT_TABLE_MAIN = 254;
  public static final int RT_TABLE_LOCAL = 255;
  public static final int RTPROT_BOOT = 3;
  public static final int RTPROT_KERNEL = 2;
  public static final int RT_SCOPE_UNIVERSE = 0;
  public static final int RT_SCOPE_LINK = 253;
  public static final int RT_SCOPE_HOST = 254;
  public static final int RTN_UNICAST = 1;
  public static final int RTNH_F_ONLINK = 4;

  /** The kernel's name for a message type, for error messages. */
  public static String typeName(int type) {
    switch (type) {
      case RTM_NEWLINK: return "RTM_NEWLINK";
      case RTM_DELLINK: return "RTM_DELLINK";
      case RTM_GETLINK: return "RTM_GETLINK";
      case RTM_SETLINK: return "RTM_SETLINK";
      case RTM_NEWADDR: return "RTM_NEWADDR";
      case RTM_DELADDR: return "RTM_DELADDR";
      case RTM_GETADDR: return "RTM_GETADDR";
      case RTM_NEWROUTE: return "RTM_NEWROUTE";
      case RTM_DELROUTE: return "RTM_DELROUTE";
      case RTM_GETROUTE: return "RTM_GETROUTE";
      case NLMSG_ERROR: return "NLMSG_ERROR";
      case NLMSG_DONE: return "NLMSG_DONE";
      default: return "type " + type;
    }
  }

  /** Rounds up to the 4-byte alignment of netlink messages and attributes (NLMSG_ALIGN, NLA_ALIGN). */
  public static int align(int len) {
    return (len + 3) & ~3;
  }
}
