package dev.containerj.linux.internal;

/**
 * What differs between the two supported architectures. System calls added since Linux 5.0 share
 * one number on every architecture (the "unified" table), so only older numbers and a few open(2)
 * flags live here.
 */
public enum Arch {
  X86_64("linux-x86_64", 0200000, 0400000),
  AARCH64("linux-aarch64", 040000, 0100000);

  /** Syscall numbers from the unified table (include/uapi/asm-generic/unistd.h), same on both. */
  public static final long SYS_PIDFD_SEND_SIGNAL = 424;
  public static final long SYS_PIDFD_OPEN = 434;
  public static final long SYS_CLONE3 = 435;
  public static final long SYS_CLOSE_RANGE = 436;
  public static final long SYS_MOUNT_SETATTR = 442;

  private final String classifier;
  private final int oDirectory;
  private final int oNofollow;

  Arch(String classifier, int oDirectory, int oNofollow) {
    this.classifier = classifier;
    this.oDirectory = oDirectory;
    this.oNofollow = oNofollow;
  }

  /** The folder name of this architecture's native pieces in the jar, as {@code linux-x86_64}. */
  public String classifier() {
    return classifier;
  }

  public int oDirectory() {
    return oDirectory;
  }

  public int oNofollow() {
    return oNofollow;
  }

  private static final Arch CURRENT = detect();

  /** The architecture this JVM runs on. */
  public static Arch current() {
    return CURRENT;
  }

  private static Arch detect() {
    String arch = System.getProperty("os.arch", "");
    switch (arch) {
      case "amd64":
      case "x86_64":
        return X86_64;
      case "aarch64":
      case "arm64":
        return AARCH64;
      default:
        throw new UnsupportedOperationException(
            "ContainerJ supports Linux on x86_64 and aarch64, not os.arch=" + arch);
    }
  }
}
