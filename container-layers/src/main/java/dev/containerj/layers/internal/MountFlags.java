package dev.containerj.layers.internal;

import dev.containerj.layers.Mount;
import dev.containerj.linux.internal.Constants;
import java.util.Set;

/**
 * The typed options of a {@link Mount} as the kernel's numbers: mount(2) {@code MS_*} flags and
 * mount_setattr(2) {@code MOUNT_ATTR_*} attributes (the numbers live in container-linux's
 * {@code Constants}). The public API never shows these longs.
 */
public final class MountFlags {
  private MountFlags() {}

  /** The {@code MS_*} flags of {@code options}. */
  public static long of(Set<Mount.Option> options) {
    return bits(options, false);
  }

  /** The {@code MOUNT_ATTR_*} attributes of {@code options}, for fsmount(2) and mount_setattr(2). */
  public static int attributes(Set<Mount.Option> options) {
    return (int) bits(options, true);
  }

  /** The one table: each option's mount(2) flag and mount_setattr(2) attribute. */
  private static long bits(Set<Mount.Option> options, boolean attributes) {
    long f = 0;
    for (Mount.Option o : options) {
      f |= switch (o) {
        case READ_ONLY -> attributes ? Constants.MOUNT_ATTR_RDONLY : Constants.MS_RDONLY;
        case NOSUID -> attributes ? Constants.MOUNT_ATTR_NOSUID : Constants.MS_NOSUID;
        case NODEV -> attributes ? Constants.MOUNT_ATTR_NODEV : Constants.MS_NODEV;
        case NOEXEC -> attributes ? Constants.MOUNT_ATTR_NOEXEC : Constants.MS_NOEXEC;
      };
    }
    return f;
  }

  /** The propagation flag ({@code MS_PRIVATE}, ...) of {@code p}. */
  public static long of(Mount.Propagation p) {
    return switch (p) {
      case PRIVATE -> Constants.MS_PRIVATE;
      case SLAVE -> Constants.MS_SLAVE;
      case SHARED -> Constants.MS_SHARED;
      case UNBINDABLE -> Constants.MS_UNBINDABLE;
    };
  }
}
