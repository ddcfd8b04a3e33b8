package dev.containerj.linux.internal;

import java.nio.charset.StandardCharsets;

/**
 * The one-page rule of mount(2)'s option string, in one place: the kernel copies at most one page
 * of {@code data} (copy_mount_options() in fs/namespace.c), so a longer string (an overlay with
 * many layers) is cut off silently, its last options (the upper layer) lost. The page is the
 * machine's real page size (4 KiB on x86_64, up to 64 KiB on aarch64 kernels), read once.
 */
public final class MountOptions {
  private MountOptions() {}

  private static final class Page {
    static final long SIZE = read();

    static long read() {
      long p = LibC.sysconf(LibC._SC_PAGESIZE);
      if (p <= 0) {
        // sysconf(3) cannot fail for _SC_PAGESIZE on Linux; a failure here is a broken libc binding.
        throw new IllegalStateException("sysconf(_SC_PAGESIZE) returned " + p);
      }
      return p;
    }
  }

  /** This machine's page size in bytes. */
  public static long pageSize() {
    return Page.SIZE;
  }

  /** Whether mount(2) takes the option string {@code data} whole, with its terminating NUL. */
  public static boolean fitsInOnePage(String data) {
    // A char takes at most 3 bytes in UTF-8 (Java strings: surrogate pairs take 4 bytes for 2 chars).
    return data.length() * 3L < pageSize() || data.getBytes(StandardCharsets.UTF_8).length < pageSize();
  }
}
