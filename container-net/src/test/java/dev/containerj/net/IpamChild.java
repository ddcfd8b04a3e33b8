package dev.containerj.net;

import java.nio.file.Path;

/** Run in a separate JVM by {@link IpamTest}: allocates N addresses and prints them, one a line. */
public final class IpamChild {
  private IpamChild() {}

  public static void main(String[] args) throws Exception {
    Ipam ipam = Ipam.open(Path.of(args[0]), IpPrefix.parse(args[1]));
    int n = Integer.parseInt(args[2]);
    long pid = ProcessHandle.current().pid();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < n; i++) {
      out.append(IpPrefix.addressString(ipam.allocate("child-" + pid + "-" + i, pid).address().address())).append('\n');
    }
    System.out.print(out);
  }
}
