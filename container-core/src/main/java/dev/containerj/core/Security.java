package dev.containerj.core;

import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A container's confinement as one immutable value: capabilities, seccomp profile, no_new_privs,
 * masked and read-only paths, and whether the kernel-side protections (device policy, nodev) are off.
 * {@link ContainerSpec.Builder#security(Security)} sets all of them at once, so a preset means the
 * same whatever was set before it; adjust a preset with its {@code with...} methods, not by calling
 * setters in the right order.
 *
 * <pre>{@code
 * ContainerSpec spec = ContainerSpec.builder().command("plugin")
 *     .security(Security.hardened().withCapabilities(Set.of(Capability.CAP_NET_BIND_SERVICE)))
 *     .build();
 * }</pre>
 */
public final class Security {
  private static final Security DEFAULTS = new Security(Capability.DEFAULT_SET, null, true,
      ContainerSpec.DEFAULT_MASKED_PATHS, ContainerSpec.DEFAULT_READONLY_PATHS, false);

  private final Set<Capability> capabilities;
  private final @Nullable SeccompProfile seccomp;
  private final boolean noNewPrivileges;
  private final List<String> maskedPaths;
  private final List<String> readonlyPaths;
  private final boolean privileged;

  private Security(Set<Capability> capabilities, @Nullable SeccompProfile seccomp, boolean noNewPrivileges,
      List<String> maskedPaths, List<String> readonlyPaths, boolean privileged) {
    Set<Capability> caps = EnumSet.noneOf(Capability.class);
    caps.addAll(capabilities);
    this.capabilities = Collections.unmodifiableSet(caps);
    this.seccomp = seccomp;
    this.noNewPrivileges = noNewPrivileges;
    this.maskedPaths = List.copyOf(maskedPaths);
    this.readonlyPaths = List.copyOf(readonlyPaths);
    this.privileged = privileged;
  }

  /**
   * The secure defaults of a container with no security options: Docker's default capability set
   * without NET_RAW ({@link Capability#DEFAULT_SET}), the default seccomp profile, no_new_privs,
   * runc's masked and read-only /proc and /sys paths.
   *
   * @return the defaults
   */
  public static Security defaults() {
    return DEFAULTS;
  }

  /**
   * For untrusted plugins: no capabilities, the hardened seccomp profile (which also denies ptrace,
   * io_uring and sockets other than unix/inet/inet6), no_new_privs, the default masked and read-only
   * paths. {@link ContainerSpec.Builder#hardened()} adds a read-only root, no network and limits.
   *
   * @return the hardened preset
   */
  public static Security hardened() {
    return new Security(Set.of(), SeccompProfile.hardened(), true, ContainerSpec.DEFAULT_MASKED_PATHS,
        ContainerSpec.DEFAULT_READONLY_PATHS, false);
  }

  /**
   * The protections off, as {@code docker run --privileged}: every capability, no seccomp filter,
   * no masked or read-only paths, no device policy and no nodev on the root and the mounts. The
   * namespaces and no_new_privs stay. Only for trusted payloads; the start logs a warning saying so.
   *
   * @return the privileged preset
   */
  public static Security privileged() {
    return new Security(EnumSet.allOf(Capability.class), SeccompProfile.unconfined(), true, List.of(), List.of(), true);
  }

  /** {@return the capabilities the payload may have (its bounding set)} */
  public Set<Capability> capabilities() {
    return capabilities;
  }

  /** {@return the seccomp profile; null: the default profile, adjusted to the capabilities kept} */
  public @Nullable SeccompProfile seccomp() {
    return seccomp;
  }

  /** {@return whether PR_SET_NO_NEW_PRIVS is set, so setuid binaries gain nothing} */
  public boolean noNewPrivileges() {
    return noNewPrivileges;
  }

  /** {@return paths made unreadable in the container} */
  public List<String> maskedPaths() {
    return maskedPaths;
  }

  /** {@return paths made read-only in the container} */
  public List<String> readonlyPaths() {
    return readonlyPaths;
  }

  /** {@return whether the device policy and nodev are off ({@link #privileged()})} */
  public boolean privilegedMode() {
    return privileged;
  }

  /**
   * This value with another capability set.
   *
   * @param capabilities the whole bounding set; empty for none
   * @return a new value; this one is unchanged
   */
  public Security withCapabilities(Set<Capability> capabilities) {
    return new Security(Objects.requireNonNull(capabilities, "capabilities"), seccomp, noNewPrivileges, maskedPaths,
        readonlyPaths, privileged);
  }

  /**
   * This value with another seccomp profile (null: the default one).
   *
   * @param seccomp the profile, or null for the default one
   * @return a new value; this one is unchanged
   */
  public Security withSeccomp(@Nullable SeccompProfile seccomp) {
    return new Security(capabilities, seccomp, noNewPrivileges, maskedPaths, readonlyPaths, privileged);
  }

  /**
   * This value with no_new_privs set or cleared.
   *
   * @param on true to set no_new_privs
   * @return a new value; this one is unchanged
   */
  public Security withNoNewPrivileges(boolean on) {
    return new Security(capabilities, seccomp, on, maskedPaths, readonlyPaths, privileged);
  }

  /**
   * This value with other masked paths.
   *
   * @param paths absolute paths inside the container; empty for none
   * @return a new value; this one is unchanged
   */
  public Security withMaskedPaths(List<String> paths) {
    return new Security(capabilities, seccomp, noNewPrivileges, paths, readonlyPaths, privileged);
  }

  /**
   * This value with other read-only paths.
   *
   * @param paths absolute paths inside the container; empty for none
   * @return a new value; this one is unchanged
   */
  public Security withReadonlyPaths(List<String> paths) {
    return new Security(capabilities, seccomp, noNewPrivileges, maskedPaths, paths, privileged);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Security s && s.capabilities.equals(capabilities) && Objects.equals(s.seccomp, seccomp)
        && s.noNewPrivileges == noNewPrivileges && s.maskedPaths.equals(maskedPaths)
        && s.readonlyPaths.equals(readonlyPaths) && s.privileged == privileged;
  }

  @Override
  public int hashCode() {
    return Objects.hash(capabilities, seccomp, noNewPrivileges, maskedPaths, readonlyPaths, privileged);
  }

  @Override
  public String toString() {
    return "Security{capabilities=" + capabilities + ", seccomp=" + (seccomp == null ? "default" : seccomp)
        + ", noNewPrivileges=" + noNewPrivileges + (privileged ? ", privileged" : "") + "}";
  }
}
