package dev.containerj.net;

import dev.containerj.net.internal.NetlinkSocket;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Not a test: prints kernel answers as hex, in the format of {@code netlink-captured.txt} (the
 * resource {@link NetlinkCodecTest} decodes). Run as root to refresh the captures:
 * {@code java -cp ... dev.containerj.net.CaptureNetlink > src/test/resources/netlink-captured.txt}.
 */
public final class CaptureNetlink {
  private CaptureNetlink() {}

  public static void main(String[] args) throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      Rtnetlink nl = ns.rtnetlink();
      NetlinkSocket s = nl.socket();
      List<byte[]> got = new ArrayList<>();
      s.recorder(got::add);
      nl.setUp("lo", true);
      got.clear();
      nl.link("lo");
      print("getlink_lo", got);
      nl.addresses();
      print("getaddr_dump", got);
      nl.createVeth("cj0a", "cj0b");
      got.clear();
      try {
        nl.createVeth("cj0a", "cj0c");
      } catch (NetlinkException e) {
        print("newlink_eexist", got);
      }
      try {
        nl.addRoute(Route.builder().destination("10.9.0.0/16").gateway("10.8.0.1").device("cj0a").build());
      } catch (NetlinkException e) {
        print("newroute_extack", got);
      }
      nl.setUp("cj0a", true);
      nl.addRoute(Route.onLink(IpPrefix.parse("10.9.0.0/16"), "cj0a"));
      got.clear();
      nl.routes();
      print("getroute_dump", got);
    }
  }

  private static void print(String key, List<byte[]> datagrams) {
    for (int i = 0; i < datagrams.size(); i++) {
      System.out.println(key + "." + i + "=" + HexFormat.of().formatHex(datagrams.get(i)));
    }
    datagrams.clear();
  }
}
