package dev.containerj.layers.bench;

import dev.containerj.layers.LayerUnpacker;
import dev.containerj.layers.internal.Trees;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Unpack throughput of one large layer, ContainerJ against GNU tar on the same file, in one run.
 *
 * <p>Builds an uncompressed layer of real files (from {@code /usr}, up to the size asked, default
 * 200 MB), then alternates {@code tar -xf} and {@link LayerUnpacker} into fresh directories on the
 * same filesystem, and prints the medians. Not part of the test suite; see README.md for how to run.
 *
 * <p>Both read the layer from the page cache; neither decompresses, hashes or fsyncs. Before each
 * timed unpack, {@code sync -f} writes back the work filesystem's dirty data (not timed), so neither
 * pays for the other's writeback. The tools take turns going first: on ext4 without a journal the
 * inode allocator skips inodes freed in the last minute (fs/ext4/ialloc.c, recently_deleted), and
 * whichever tool creates files first after a deletion (the previous round's, or anyone's on a
 * shared disk) pays for scanning past them, up to ten times its usual time.
 *
 * <p>Arguments: {@code [sizeMB] [rounds] [workDir]}.
 */
public final class UnpackBenchmark {
  private UnpackBenchmark() {}

  public static void main(String[] args) throws Exception {
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 200) << 20;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path work = Files.createTempDirectory(args.length > 2 ? Path.of(args[2]) : Path.of("/var/tmp"), "cj-bench-");
    try {
      Path layer = work.resolve("layer.tar");
      long[] stats = buildLayer(Path.of("/usr"), layer, size);
      System.out.printf("layer: %d files, %.1f MB of content, tar %.1f MB%n", stats[0], stats[1] / 1e6,
          Files.size(layer) / 1e6);
      List<Double> tarTimes = new ArrayList<>();
      List<Double> cjTimes = new ArrayList<>();
      LayerUnpacker unpacker = LayerUnpacker.builder().build();
      for (int i = 0; i < rounds + 1; i++) {
        Path a = Files.createDirectory(work.resolve("tar-" + i));
        Path b = Files.createDirectory(work.resolve("cj-" + i));
        boolean tarFirst = i % 2 == 0;
        double tt = 0;
        double ct = 0;
        for (int turn = 0; turn < 2; turn++) {
          sync(work);
          if (tarFirst == (turn == 0)) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder("tar", "--warning=no-unknown-keyword", "-xf", layer.toString(),
                "-C", a.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
              throw new IOException("tar failed");
            }
            tt = (System.nanoTime() - t0) / 1e9;
          } else {
            long t1 = System.nanoTime();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(layer), 1 << 16)) {
              unpacker.unpack(in, b, "bench");
            }
            ct = (System.nanoTime() - t1) / 1e9;
          }
        }
        if (i > 0) { // round 0 warms up the JIT and the page cache
          tarTimes.add(tt);
          cjTimes.add(ct);
        }
        System.out.printf("round %d (%s first): GNU tar %.3f s, ContainerJ %.3f s%n", i,
            tarFirst ? "tar" : "ContainerJ", tt, ct);
        Trees.delete(a);
        Trees.delete(b);
      }
      double tarMedian = median(tarTimes);
      double cjMedian = median(cjTimes);
      System.out.printf("median: GNU tar %.3f s (%.0f MB/s), ContainerJ %.3f s (%.0f MB/s); "
              + "ContainerJ speed = %.2fx tar's%n", tarMedian, stats[1] / 1e6 / tarMedian, cjMedian,
          stats[1] / 1e6 / cjMedian, tarMedian / cjMedian);
    } finally {
      Trees.delete(work);
    }
  }

  /** Writes back the dirty data of {@code dir}'s filesystem (syncfs), so the next unpack starts clean. */
  private static void sync(Path dir) throws IOException, InterruptedException {
    if (new ProcessBuilder("sync", "-f", dir.toString()).inheritIO().start().waitFor() != 0) {
      throw new IOException("sync failed");
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  /** Writes regular files, directories and symlinks found below {@code from} until {@code limit} bytes. */
  static long[] buildLayer(Path from, Path out, long limit) throws IOException {
    long files = 0;
    long bytes = 0;
    try (OutputStream o = Files.newOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new java.io.BufferedOutputStream(o, 1 << 16));
        Stream<Path> walk = Files.walk(from)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (bytes >= limit) {
          break;
        }
        String name = from.getFileName() + "/" + from.relativize(p);
        try {
          if (Files.isSymbolicLink(p)) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
          } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            tar.putArchiveEntry(new TarArchiveEntry(p, name));
            tar.closeArchiveEntry();
          } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.isReadable(p)) {
            tar.putArchiveEntry(new TarArchiveEntry(p, name));
            bytes += Files.copy(p, tar);
            tar.closeArchiveEntry();
            files++;
          }
        } catch (IOException e) {
          // a file that vanished or cannot be read: leave it out
        }
      }
    }
    return new long[] {files, bytes};
  }
}
