package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.IoDeviceLimit;
import dev.containerj.cgroups.UnsupportedLimitException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * cgroup v1 blkio: blkio.throttle.{read,write}_{bps,iops}_device ("MAJ:MIN N"), and blkio.weight or
 * blkio.bfq.weight where the scheduler offers one (v1 range 10..1000, scaled from 1..10000);
 * accounting from blkio.throttle.io_service_bytes / io_serviced.
 */
final class V1Blkio implements Controller {
  @Override
  public String name() {
    return "blkio";
  }

  @Override
  public boolean wanted(CgroupLimits l) {
    return l.hasIo();
  }

  @Override
  public void check(CgroupLimits l, Path parentDir, CgroupFs fs) throws IOException {
    if (!l.ioLimits().isEmpty()) {
      Writes.requireFile(fs, parentDir, "blkio.throttle.read_bps_device", "ioLimits",
          "the kernel lacks block I/O throttling (CONFIG_BLK_DEV_THROTTLING)");
    }
    if (l.ioWeight().isPresent() && weightFile(parentDir, fs) == null) {
      throw new UnsupportedLimitException("ioWeight", "neither blkio.weight nor blkio.bfq.weight exists in "
          + parentDir + " (needs the BFQ or CFQ I/O scheduler)");
    }
  }

  private static @org.jspecify.annotations.Nullable String weightFile(Path dir, CgroupFs fs) {
    if (fs.exists(dir.resolve("blkio.weight"))) {
      return "blkio.weight";
    }
    return fs.exists(dir.resolve("blkio.bfq.weight")) ? "blkio.bfq.weight" : null;
  }

  @Override
  public void apply(CgroupLimits l, Path dir, CgroupFs fs, DeviceResolver devices) throws IOException {
    for (IoDeviceLimit d : l.ioLimits()) {
      String dev = devices.resolve(d.device());
      write(fs, dir, "blkio.throttle.read_bps_device", dev, d.readBps());
      write(fs, dir, "blkio.throttle.write_bps_device", dev, d.writeBps());
      write(fs, dir, "blkio.throttle.read_iops_device", dev, d.readIops());
      write(fs, dir, "blkio.throttle.write_iops_device", dev, d.writeIops());
    }
    if (l.ioWeight().isPresent()) {
      String file = weightFile(dir, fs);
      long w = Math.max(10, Math.min(1000, l.ioWeight().getAsLong() / 10));
      Writes.limit(fs, dir, file == null ? "blkio.weight" : file, Long.toString(w), "ioWeight");
    }
  }

  private static void write(CgroupFs fs, Path dir, String file, String dev, OptionalLong v)
      throws IOException {
    if (v.isPresent()) {
      Writes.limit(fs, dir, file, dev + " " + v.getAsLong(), "ioLimits");
    }
  }

  @Override
  public void stats(Path dir, CgroupFs fs, StatsCollector s) {
    read(fs, dir.resolve("blkio.throttle.io_service_bytes"), "rbytes", "wbytes", s);
    read(fs, dir.resolve("blkio.throttle.io_serviced"), "rios", "wios", s);
  }

  private static void read(CgroupFs fs, Path file, String readKey, String writeKey, StatsCollector s) {
    String text = StatsCollector.readOrNull(fs, file);
    if (text == null) {
      return;
    }
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 3 || !f[0].contains(":")) {
        continue;
      }
      String key = f[1].equals("Read") ? readKey : f[1].equals("Write") ? writeKey : null;
      if (key != null) {
        s.io.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(key, Long.parseLong(f[2]));
      }
    }
  }
}
