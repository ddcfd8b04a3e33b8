package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupException;
import dev.containerj.cgroups.UnsupportedLimitException;
import dev.containerj.linux.internal.Constants;
import java.io.IOException;
import java.nio.file.Path;

/** Writing one limit file, turning a missing file into the limit that cannot be enforced. */
final class Writes {
  private Writes() {}

  /**
   * Writes {@code value} to {@code dir/file}. A file the kernel does not offer (ENOENT) means the
   * host cannot enforce {@code limit}: {@link UnsupportedLimitException}, never a silent skip.
   */
  static void limit(CgroupFs fs, Path dir, String file, String value, String limit) throws IOException {
    Path p = dir.resolve(file);
    try {
      fs.write(p, value);
    } catch (CgroupException e) {
      if (e.errno() == Constants.ENOENT) {
        if (!fs.exists(dir)) {
          throw new CgroupException("cgroup " + dir + " was removed while its limits were written", e);
        }
        String here = StatsCollector.readOrNull(fs, dir.resolve("cgroup.controllers"));
        throw new UnsupportedLimitException(limit, p + " does not exist (controller not enabled, "
            + "or the kernel lacks this file" + (here == null ? "" : "; cgroup.controllers: " + here.trim()) + ")");
      }
      throw e;
    }
  }

  /** Throws when {@code dir/file} does not exist, before anything is created. */
  static void requireFile(CgroupFs fs, Path dir, String file, String limit, String why)
      throws UnsupportedLimitException {
    if (!fs.exists(dir.resolve(file))) {
      throw new UnsupportedLimitException(limit, dir.resolve(file) + " does not exist: " + why);
    }
  }
}
