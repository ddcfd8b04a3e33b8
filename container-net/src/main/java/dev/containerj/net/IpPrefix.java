package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address with a prefix length, as {@code 10.88.0.2/16} or {@code fd00::2/64}: an
 * interface address, a route destination or a subnet. Immutable. Parsing accepts only literals and
 * never looks a name up in DNS.
 */
public final class IpPrefix {
  private final InetAddress address;
  private final int prefixLength;

  private IpPrefix(InetAddress address, int prefixLength) {
    this.address = address;
    this.prefixLength = prefixLength;
  }

  /**
   * {@return {@code address/prefixLength}; the prefix length must be 0..32 for IPv4 and 0..128 for
   * IPv6 ({@code "prefix length must be 0..32 for IPv4: 33"})}
   *
   * @param address any address of the network (host bits are kept)
   * @param prefixLength the number of network bits
   * @throws InvalidValueException when {@code prefixLength} is outside 0..32 (IPv4) or 0..128
   *     (IPv6)
   */
  public static IpPrefix of(InetAddress address, int prefixLength) {
    Objects.requireNonNull(address, "address");
    int max = bits(address);
    if (prefixLength < 0 || prefixLength > max) {
      throw new InvalidValueException("prefix length", Integer.toString(prefixLength), "must be 0.." + max + " for "
          + (max == 32 ? "IPv4" : "IPv6"));
    }
    return new IpPrefix(address, prefixLength);
  }

  /**
   * Parses {@code "10.0.0.1/24"}; a bare address gets the full length (/32 or /128).
   *
   * @param text {@code ADDRESS[/LENGTH]}, IPv4 or IPv6
   * @return the prefix
   * @throws InvalidValueException naming the text when it is no address or the length is out of
   *     range
   */
  public static IpPrefix parse(String text) {
    Objects.requireNonNull(text, "text");
    int slash = text.indexOf('/');
    InetAddress address = parseAddress(slash < 0 ? text : text.substring(0, slash));
    if (slash < 0) {
      return new IpPrefix(address, bits(address));
    }
    String len = text.substring(slash + 1);
    int prefixLength;
    try {
      prefixLength = Integer.parseInt(len);
    } catch (NumberFormatException e) {
      throw new InvalidValueException("prefix length", text, "must be a number");
    }
    return of(address, prefixLength);
  }

  /**
   * Parses an IPv4 or IPv6 literal ({@code "address must be an IPv4 or IPv6 literal: foo"}
   * otherwise); never uses DNS.
   *
   * @param text an IPv4 or IPv6 literal
   * @return the address
   * @throws InvalidValueException naming the text when it is not a literal
   */
  public static InetAddress parseAddress(String text) {
    Objects.requireNonNull(text, "text");
    try {
      if (text.indexOf(':') >= 0) {
        // InetAddress treats anything with a colon as an IPv6 literal and never resolves it.
        InetAddress a = InetAddress.getByName(text.startsWith("[") ? text : "[" + text + "]");
        if (a instanceof Inet6Address) {
          return a;
        }
        // an IPv4-mapped IPv6 literal comes back as IPv4: accept it
        return a;
      }
      String[] parts = text.split("\\.", -1);
      if (parts.length != 4) {
        throw notAnAddress(text);
      }
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        String p = parts[i];
        if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
          throw notAnAddress(text);
        }
        int v = Integer.parseInt(p);
        if (v > 255) {
          throw notAnAddress(text);
        }
        b[i] = (byte) v;
      }
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      InvalidValueException x = notAnAddress(text);
      x.initCause(e);
      throw x;
    }
  }

  private static InvalidValueException notAnAddress(String text) {
    return new InvalidValueException("address", text, "must be an IPv4 or IPv6 literal");
  }

  static int bits(InetAddress a) {
    return a instanceof Inet4Address ? 32 : 128;
  }

  /** {@return the address (for a subnet, the network address)} */
  public InetAddress address() {
    return address;
  }

  /** {@return the prefix length: 0..32 for IPv4, 0..128 for IPv6} */
  public int prefixLength() {
    return prefixLength;
  }

  /** {@return true for IPv4, false for IPv6} */
  public boolean isIpv4() {
    return address instanceof Inet4Address;
  }

  /**
   * {@return the network this prefix lies in: the address with its host bits cleared ({@code
   * 10.0.0.0/24})}
   */
  public IpPrefix network() {
    return new IpPrefix(fromBigInteger(toBigInteger(address).and(mask()), isIpv4()), prefixLength);
  }

  /**
   * {@return true when {@code other} is of the same family and inside this prefix's network}
   *
   * @param other any address
   */
  public boolean contains(InetAddress other) {
    if (bits(other) != bits(address)) {
      return false;
    }
    return toBigInteger(other).and(mask()).equals(toBigInteger(address).and(mask()));
  }

  /**
   * {@return true when the two networks share at least one address}
   *
   * @param other another prefix, of either family
   */
  public boolean overlaps(IpPrefix other) {
    if (other.isIpv4() != isIpv4()) {
      return false;
    }
    IpPrefix shorter = prefixLength <= other.prefixLength ? this : other;
    IpPrefix longer = shorter == this ? other : this;
    return shorter.contains(longer.address);
  }

  /** {@return the number of addresses in the network (2^(bits - prefix length))} */
  public BigInteger size() {
    return BigInteger.ONE.shiftLeft(bits(address) - prefixLength);
  }

  /**
   * {@return the address at {@code offset} from the network address (offset 1 is the first host)}
   *
   * @param offset from the network address, inside the prefix
   */
  public InetAddress addressAt(BigInteger offset) {
    return fromBigInteger(toBigInteger(network().address).add(offset), isIpv4());
  }

  /**
   * {@return the offset of {@code a} from the network address}
   *
   * @param a an address inside this prefix
   */
  public BigInteger offsetOf(InetAddress a) {
    return toBigInteger(a).subtract(toBigInteger(network().address));
  }

  private BigInteger mask() {
    int bits = bits(address);
    BigInteger all = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
    return all.xor(BigInteger.ONE.shiftLeft(bits - prefixLength).subtract(BigInteger.ONE));
  }

  static BigInteger toBigInteger(InetAddress a) {
    return new BigInteger(1, a.getAddress());
  }

  static InetAddress fromBigInteger(BigInteger v, boolean ipv4) {
    int len = ipv4 ? 4 : 16;
    byte[] raw = v.toByteArray();
    byte[] out = new byte[len];
    int copy = Math.min(raw.length, len);
    System.arraycopy(raw, raw.length - copy, out, len - copy, copy);
    try {
      return InetAddress.getByAddress(out);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code "10.0.0.1/24"}, {@code "fd00::1/64"}. */
  @Override
  public String toString() {
    return addressString(address) + "/" + prefixLength;
  }

  /**
   * {@return an address as text without a host name part ({@code "10.0.0.1"}, {@code "fd00::1"})}
   *
   * @param a the address
   */
  public static String addressString(InetAddress a) {
    String s = a.getHostAddress();
    if (a instanceof Inet6Address) {
      int pct = s.indexOf('%');
      if (pct >= 0) {
        s = s.substring(0, pct);
      }
      // compress the zero runs the way ip(8) prints them
      try {
        return compress6(a.getAddress());
      } catch (RuntimeException e) {
        return s;
      }
    }
    return s;
  }

  private static String compress6(byte[] b) {
    int[] words = new int[8];
    for (int i = 0; i < 8; i++) {
      words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (words[i] == 0) {
        int j = i;
        while (j < 8 && words[j] == 0) {
          j++;
        }
        if (j - i > bestLen && j - i > 1) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      } else {
        i++;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(words[i]));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IpPrefix p && p.prefixLength == prefixLength
        && Arrays.equals(p.address.getAddress(), address.getAddress());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(address.getAddress()) * 31 + prefixLength;
  }
}
