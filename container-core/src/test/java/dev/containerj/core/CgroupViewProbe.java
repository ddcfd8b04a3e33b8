package dev.containerj.core;

/**
 * The JVM that {@link CgroupViewTest} runs inside limited containers: prints what the JVM sized
 * itself to and, with any argument, allocates 1 GiB in 1 MiB pieces that it drops. A compiled class
 * (copied next to nothing else into a directory the container binds) rather than a source file for
 * the source launcher: javac inside a container of half a CPU took minutes in the QEMU lane.
 */
public final class CgroupViewProbe {
  private CgroupViewProbe() {}

  /** Entry point inside the container. */
  public static void main(String[] args) {
    Runtime rt = Runtime.getRuntime();
    System.out.println("cpus=" + rt.availableProcessors());
    System.out.println("maxMemory=" + rt.maxMemory());
    if (args.length > 0) {
      long sum = 0;
      for (int i = 0; i < 1024; i++) {
        byte[] b = new byte[1 << 20];
        b[i] = 1;
        sum += b.length;
      }
      System.out.println("allocated=" + sum);
    }
  }
}
