package dev.containerj.namespaces.seccomp;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A compiled seccomp filter: classic BPF for one architecture, as the array of
 * {@code struct sock_filter} entries (8 bytes each: u16 code, u8 jt, u8 jf, u32 k, little-endian)
 * that seccomp(SECCOMP_SET_MODE_FILTER) takes through a {@code struct sock_fprog}.
 *
 * <p>Install it last before execve(2), after prctl(PR_SET_NO_NEW_PRIVS, 1) (without no_new_privs
 * an unprivileged process may not install a filter), with {@link #installFlags()}. A filter can
 * never be removed: it is inherited by every child and survives execve.
 *
 * <p>Obtain one with {@link SeccompProfile#compile(SeccompArch)}; programs are cached per profile
 * and architecture.
 */
public final class SeccompProgram {
  private final SeccompArch arch;
  private final byte[] filter;
  private final int installFlags;
  private final List<String> skippedSyscalls;

  /** Used by the compiler; {@code filter} is taken over, not copied. */
  SeccompProgram(SeccompArch arch, byte[] filter, int installFlags, List<String> skippedSyscalls) {
    this.arch = arch;
    this.filter = filter;
    this.installFlags = installFlags;
    this.skippedSyscalls = List.copyOf(skippedSyscalls);
  }

  /** {@return the architecture the program was compiled for; it kills callers of any other} */
  public SeccompArch arch() {
    return arch;
  }

  /** {@return a copy of the program: {@link #instructionCount()} entries of 8 bytes} */
  public byte[] bytes() {
    return filter.clone();
  }

  /** {@return the number of BPF instructions (the {@code len} of {@code struct sock_fprog})} */
  public int instructionCount() {
    return filter.length / 8;
  }

  /**
   * {@return the {@code flags} argument for seccomp(SECCOMP_SET_MODE_FILTER): the profile's
   * {@link SeccompFlag}s, plus SECCOMP_FILTER_FLAG_NEW_LISTENER (8) when a rule uses USER_NOTIF}
   */
  public int installFlags() {
    return installFlags;
  }

  /**
   * {@return whether installing returns a listener fd that a supervisor must serve (USER_NOTIF)}
   */
  public boolean needsListener() {
    return (installFlags & 8) != 0;
  }

  /**
   * Names of the profile's rules that this architecture has no system call for; they were left out,
   * as libseccomp-based runtimes do (the built-in profiles name calls of both architectures).
   *
   * @return the left-out names
   */
  public List<String> skippedSyscalls() {
    return skippedSyscalls;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SeccompProgram
        && ((SeccompProgram) o).arch == arch
        && ((SeccompProgram) o).installFlags == installFlags
        && Arrays.equals(((SeccompProgram) o).filter, filter);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(filter) * 31 + arch.hashCode();
  }

  @Override
  public String toString() {
    return "SeccompProgram[" + arch + ", " + instructionCount() + " instructions]";
  }
}
