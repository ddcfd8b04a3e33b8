package dev.containerj.namespaces.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.io.InputStream;
import org.jspecify.annotations.Nullable;

/**
 * The native helper, copied once per JVM from the jar into a sealed memfd and executed from there
 * ({@code /proc/self/fd/N}). A sealed memfd cannot be written by anyone, so a container that reaches
 * the helper's image through {@code /proc/PID/exe} cannot overwrite it (CVE-2019-5736), and no file
 * is left on disk.
 */
public final class NativeHelper {
  /**
   * The memfd is moved to an fd at or above this, far from the 0..n range that spawning fills, and
   * below 256: a JVM's fd table has 256 slots (FDSize in /proc/self/status), and a higher fd makes
   * the kernel grow the table, which in a multi-threaded process waits for an RCU grace period
   * (fs/file.c, expand_fdtable: 10-25 ms measured with 512 here).
   */
  static final int MEMFD_MIN_FD = 224;

  private static final int F_SEAL_EXEC = 0x20;

  private static final class Holder {
    static final NativeHelper INSTANCE = load();
  }

  private final int fd;
  private final @Nullable String unavailabilityCause;

  private NativeHelper(int fd, @Nullable String unavailabilityCause) {
    this.fd = fd;
    this.unavailabilityCause = unavailabilityCause;
  }

  /** The helper of this JVM, loaded on first use. */
  public static NativeHelper get() {
    return Holder.INSTANCE;
  }

  /** Whether the helper could be loaded; see {@link #unavailabilityCause()}. */
  public boolean isAvailable() {
    return unavailabilityCause == null;
  }

  /** Why the helper cannot be used, or null when it can. */
  public @Nullable String unavailabilityCause() {
    return unavailabilityCause;
  }

  /** The path to exec: {@code /proc/self/fd/N} of the sealed memfd. */
  public String path() {
    if (unavailabilityCause != null) {
      throw new dev.containerj.linux.UnsupportedFeatureException("the ContainerJ native helper", "not available: " + unavailabilityCause);
    }
    return "/proc/self/fd/" + fd;
  }

  /** The fd of the sealed memfd: every fd the helper is given must lie below it. */
  int fd() {
    return fd;
  }

  /** The classpath resource of the helper binary for this architecture. */
  static String resourceName(Arch arch) {
    return "/dev/containerj/namespaces/native/" + arch.classifier() + "/containerj-helper";
  }

  private static NativeHelper load() {
    Arch arch;
    try {
      arch = Arch.current();
    } catch (UnsupportedOperationException e) {
      return new NativeHelper(-1, e.getMessage());
    }
    String resource = resourceName(arch);
    byte[] image;
    try (InputStream in = NativeHelper.class.getResourceAsStream(resource)) {
      if (in == null) {
        return new NativeHelper(-1, "the jar has no helper for " + arch.classifier()
            + " (resource " + resource + " is missing; was the module built on this architecture?)");
      }
      image = in.readAllBytes();
    } catch (IOException e) {
      return new NativeHelper(-1, "cannot read " + resource + ": " + e.getMessage());
    }
    int memfd;
    try {
      memfd = createMemfd();
    } catch (LastErrorException e) {
      return new NativeHelper(-1, "memfd_create failed: " + dev.containerj.linux.Errno.describe(e.getErrorCode()));
    }
    try {
      for (int off = 0; off < image.length; ) {
        byte[] chunk = off == 0 ? image : java.util.Arrays.copyOfRange(image, off, image.length);
        off += (int) LibC.write(memfd, chunk, chunk.length);
      }
      int seals = Constants.F_SEAL_SEAL | Constants.F_SEAL_SHRINK | Constants.F_SEAL_GROW | Constants.F_SEAL_WRITE;
      LibC.fcntl(memfd, Constants.F_ADD_SEALS, seals);
      try {
        LibC.fcntl(memfd, Constants.F_ADD_SEALS, F_SEAL_EXEC); // Linux 6.3: the mode can no longer change
      } catch (LastErrorException olderKernel) {
        // EINVAL before 6.3: the other seals already protect the content.
      }
      int high = LibC.fcntl(memfd, Constants.F_DUPFD_CLOEXEC, MEMFD_MIN_FD);
      LibC.close(memfd);
      return new NativeHelper(high, null);
    } catch (LastErrorException e) {
      try {
        LibC.close(memfd);
      } catch (LastErrorException ignored) {
        // nothing more to do
      }
      return new NativeHelper(-1, "sealing the helper memfd failed: " + dev.containerj.linux.Errno.describe(e.getErrorCode()));
    }
  }

  private static int createMemfd() {
    int flags = Constants.MFD_CLOEXEC | Constants.MFD_ALLOW_SEALING;
    try {
      // MFD_EXEC (Linux 6.3) keeps the memfd executable where vm.memfd_noexec would forbid it.
      return LibC.memfd_create("containerj-helper", flags | Constants.MFD_EXEC);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Constants.EINVAL) {
        throw e;
      }
      return LibC.memfd_create("containerj-helper", flags);
    }
  }
}
