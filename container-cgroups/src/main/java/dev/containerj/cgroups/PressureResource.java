package dev.containerj.cgroups;

/** A resource whose pressure stall information (PSI) the kernel tracks per cgroup. */
public enum PressureResource {
  /** {@code cpu.pressure}. */
  CPU("cpu.pressure"),
  /** {@code memory.pressure}. */
  MEMORY("memory.pressure"),
  /** {@code io.pressure}. */
  IO("io.pressure");

  private final String file;

  PressureResource(String file) {
    this.file = file;
  }

  /** {@return the cgroup v2 file name, as {@code "memory.pressure"}} */
  public String file() {
    return file;
  }
}
