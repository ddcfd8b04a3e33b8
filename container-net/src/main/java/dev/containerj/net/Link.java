package dev.containerj.net;

import dev.containerj.linux.InvalidValueException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A network interface as the kernel reported it (RTM_NEWLINK): a snapshot, not a live handle.
 *
 * @param index the interface index (unique within its network namespace)
 * @param name the interface name, at most 15 bytes
 * @param kind the link kind ({@code "veth"}, {@code "bridge"}, ...), or null for physical devices and {@code lo}
 * @param mtu the MTU in bytes
 * @param mac the hardware address as {@code "aa:bb:cc:dd:ee:ff"}, or null when it has none
 * @param flags the {@code IFF_*} flags
 * @param masterIndex the index of the bridge it is attached to, or 0
 * @param peerIndex for a veth, the peer's index (IFLA_LINK; it may live in another namespace), else 0 or its own index
 */
public record Link(int index, String name, @Nullable String kind, int mtu, @Nullable String mac, int flags,
    int masterIndex, int peerIndex) {

  /** IFNAMSIZ minus the terminating NUL. */
  public static final int MAX_NAME_BYTES = 15;

  /**
   * Checks that the name is present.
   *
   * @param index the interface index (unique within its network namespace)
   * @param name the interface name, at most 15 bytes
   * @param kind the link kind ({@code "veth"}, {@code "bridge"}, ...), or null for physical devices
   *     and {@code lo}
   * @param mtu the MTU in bytes
   * @param mac the hardware address as {@code "aa:bb:cc:dd:ee:ff"}, or null when it has none
   * @param flags the {@code IFF_*} flags
   * @param masterIndex the index of the bridge it is attached to, or 0
   * @param peerIndex for a veth, the peer's index (IFLA_LINK; it may live in another namespace),
   *     else 0 or its own index
   */
  public Link {
    Objects.requireNonNull(name, "name");
  }

  /** {@return true when the administrative state is up (IFF_UP)} */
  public boolean up() {
    return (flags & 0x1) != 0;
  }

  /** {@return true when the carrier is on (IFF_LOWER_UP): for a veth, when both ends are up} */
  public boolean lowerUp() {
    return (flags & 0x10000) != 0;
  }

  /** {@return true for the loopback device} */
  public boolean loopback() {
    return (flags & 0x8) != 0;
  }

  /**
   * Checks an interface name as the kernel would (dev_valid_name): 1 to 15 bytes, not {@code "."} or
   * {@code ".."}, no {@code '/'}, {@code ':'} or whitespace. Throws {@link InvalidValueException}
   * naming {@code field}: {@code "bridge name must be at most 15 bytes (IFNAMSIZ 16 with the NUL):
   * containerjbridge0 (17 bytes)"}.
   *
   * @param field what the name is for, as the message names it ({@code "bridge name"})
   * @param name the interface name to check
   * @return the name
   * @throws InvalidValueException naming {@code field}, the name and the rule it breaks
   */
  public static String checkName(String field, String name) {
    Objects.requireNonNull(name, field);
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0) {
      throw new InvalidValueException(field, "\"\"", "must not be empty");
    }
    if (bytes > MAX_NAME_BYTES) {
      throw new InvalidValueException(field, name + " (" + bytes + " bytes)",
          "must be at most 15 bytes (IFNAMSIZ 16 with the NUL)");
    }
    if (name.equals(".") || name.equals("..")) {
      throw new InvalidValueException(field, name, "must not be . or ..");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c) || c == 0) {
        throw new InvalidValueException(field, name, "must not contain '/', ':', NUL or whitespace");
      }
    }
    return name;
  }

  /**
   * Parses {@code "aa:bb:cc:dd:ee:ff"}; throws {@code "MAC address must be 6 hex bytes like
   * 02:00:00:00:00:01: x"}.
   *
   * @param mac six hex bytes separated by colons
   * @return the six bytes
   * @throws InvalidValueException with the message above
   */
  public static byte[] parseMac(String mac) {
    String[] parts = mac.split(":", -1);
    if (parts.length != 6) {
      throw new InvalidValueException("MAC address", mac, "must be 6 hex bytes like 02:00:00:00:00:01");
    }
    byte[] out = new byte[6];
    for (int i = 0; i < 6; i++) {
      if (parts[i].length() != 2) {
        throw new InvalidValueException("MAC address", mac, "must be 6 hex bytes like 02:00:00:00:00:01");
      }
      try {
        out[i] = (byte) Integer.parseInt(parts[i], 16);
      } catch (NumberFormatException e) {
        throw new InvalidValueException("MAC address", mac, "must be 6 hex bytes like 02:00:00:00:00:01");
      }
    }
    return out;
  }

  /**
   * Formats a hardware address as lower-case hex pairs joined by ':'.
   *
   * @param mac the address's bytes
   * @return as {@code "02:00:00:00:00:01"}
   */
  public static String formatMac(byte[] mac) {
    StringBuilder sb = new StringBuilder();
    for (byte b : mac) {
      if (sb.length() > 0) {
        sb.append(':');
      }
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }
}
