package dev.containerj.cgroups.internal;

import dev.containerj.linux.InvalidValueException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Turns an io device ({@code "8:0"} or {@code "/dev/sda"}) into the {@code "major:minor"} the kernel wants. */
interface DeviceResolver {
  Pattern MAJOR_MINOR = Pattern.compile("\\d+:\\d+");
  int S_IFMT = 0170000;
  int S_IFBLK = 0060000;

  /**
   * @throws IllegalArgumentException naming the device when it does not exist or is no block device
   */
  String resolve(String device);

  /** The host's devices: /sys/dev/block/MAJ:MIN for pairs, the node's st_rdev for paths. */
  static DeviceResolver real() {
    return device -> {
      if (MAJOR_MINOR.matcher(device).matches()) {
        if (!Files.exists(Path.of("/sys/dev/block", device))) {
          throw new InvalidValueException("io device", device, "must be a block device (not in /sys/dev/block)");
        }
        return device;
      }
      try {
        Path p = Path.of(device);
        int mode = (Integer) Files.getAttribute(p, "unix:mode");
        if ((mode & S_IFMT) != S_IFBLK) {
          throw new InvalidValueException("io device", device, "must be a block device");
        }
        long rdev = (Long) Files.getAttribute(p, "unix:rdev");
        // glibc's gnu_dev_major / gnu_dev_minor (sys/sysmacros.h)
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        return major + ":" + minor;
      } catch (NoSuchFileException e) {
        throw new InvalidValueException("io device", device, "must exist");
      } catch (IOException | UnsupportedOperationException e) {
        throw new InvalidValueException("io device", device, "must be readable by stat(2): " + e.getMessage());
      }
    };
  }
}
