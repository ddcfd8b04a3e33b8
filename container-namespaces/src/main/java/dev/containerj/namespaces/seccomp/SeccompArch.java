package dev.containerj.namespaces.seccomp;

/**
 * The architectures a seccomp program can be compiled for. Each has its own system call numbers
 * and its own {@code AUDIT_ARCH_*} value, which the kernel puts into {@code seccomp_data.arch}; a
 * program compiled for one architecture kills a process that enters the kernel through any other
 * (a 32-bit {@code int 0x80} call on x86_64, for instance) and, on x86_64, through the x32 ABI.
 */
public enum SeccompArch {
  /** x86_64, {@code AUDIT_ARCH_X86_64} (EM_X86_64 | 64-bit | little-endian). */
  X86_64("x86_64", 0xC000003E),
  /** aarch64 little-endian, {@code AUDIT_ARCH_AARCH64}. */
  AARCH64("aarch64", 0xC00000B7);

  private final String kernelName;
  private final int auditArch;

  SeccompArch(String kernelName, int auditArch) {
    this.kernelName = kernelName;
    this.auditArch = auditArch;
  }

  /** {@return the name uname(2) reports, as {@code x86_64}} */
  public String kernelName() {
    return kernelName;
  }

  /**
   * {@return the {@code AUDIT_ARCH_*} value (linux/audit.h) that {@code seccomp_data.arch} holds}
   */
  public int auditArch() {
    return auditArch;
  }

  /**
   * {@return the architecture of the running JVM (container-linux's detection: one list of names)}
   */
  public static SeccompArch current() {
    return valueOf(dev.containerj.linux.internal.Arch.current().name());
  }

  @Override
  public String toString() {
    return kernelName;
  }
}
