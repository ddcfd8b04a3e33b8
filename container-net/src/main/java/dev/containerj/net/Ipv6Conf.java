package dev.containerj.net;

import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The per-interface IPv6 sysctls ({@code /proc/sys/net/ipv6/conf/IFNAME/KEY}, ip-sysctl.rst). */
final class Ipv6Conf {
  private Ipv6Conf() {}

  /**
   * Writes {@code value} to the calling thread's namespace's {@code net.ipv6.conf.IFNAME.KEY}. An
   * interface without IPv6 (IPv6 disabled or not built: no {@code /proc/sys/net/ipv6}) is skipped;
   * any other failure is an error naming the file.
   */
  static void write(String ifname, String key, int value) throws IOException {
    Path file = Path.of("/proc/sys/net/ipv6/conf", ifname, key);
    if (!Files.isDirectory(Path.of("/proc/sys/net/ipv6/conf"))) {
      return; // no IPv6 in this namespace: no router advertisement can reach the interface
    }
    // One write(2) of the whole value: sysctl files take a value only from offset 0.
    try (FileOutputStream out = new FileOutputStream(file.toFile())) {
      out.write((value + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (FileNotFoundException e) {
      if (!Files.exists(file.getParent())) {
        return; // this interface has no IPv6 (disable_ipv6 at creation, or ipv6.disable=1)
      }
      throw new IOException("cannot set " + key + "=" + value + " on " + ifname + ": " + file + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IOException("cannot set " + key + "=" + value + " on " + ifname + ": " + file + ": " + e.getMessage(), e);
    }
  }
}
