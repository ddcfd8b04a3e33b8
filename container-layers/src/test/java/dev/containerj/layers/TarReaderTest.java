package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.layers.internal.TarReader;
import dev.containerj.layers.internal.TarReader.Entry;
import dev.containerj.layers.internal.TarReader.Type;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The unpacker's tar reader (no kernel beyond GNU tar writing the archives): every field of every
 * entry as commons-compress reads it, for archives GNU tar and commons-compress wrote in each
 * format; GNU's four sparse formats rebuilt byte for byte; pax details; broken and hostile headers
 * refused with a message saying where.
 */
class TarReaderTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"gnu", "oldgnu", "pax", "ustar", "v7"})
  void gnuTarArchivesReadAsCommonsCompressReadsThem(String format) throws Exception {
    Path src = tree(format);
    Path tar = tmp.resolve(format + ".tar");
    Tools.run(tmp, "tar", "--format=" + format, "-cf", tar.toString(), "-C", src.toString(), ".");
    assertSameAsCommonsCompress(Files.readAllBytes(tar));
  }

  @Test
  void commonsCompressArchivesWithGnuStarAndPaxExtensionsRead() throws Exception {
    for (int longFiles : new int[] {TarArchiveOutputStream.LONGFILE_GNU, TarArchiveOutputStream.LONGFILE_POSIX}) {
      for (int bigNumbers : new int[] {TarArchiveOutputStream.BIGNUMBER_STAR, TarArchiveOutputStream.BIGNUMBER_POSIX}) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
          out.setLongFileMode(longFiles);
          out.setBigNumberMode(bigNumbers);
          String deep = "d".repeat(150) + "/" + "e".repeat(150) + "/file";
          TarArchiveEntry big = new TarArchiveEntry(deep);
          big.setIds(10_000_000, 20_000_000); // beyond the 7 octal digits of a ustar field
          big.setMode(0104755);
          big.setModTime(FileTime.from(Instant.ofEpochSecond(9_000_000_000L))); // beyond 11 octal digits
          byte[] content = "x".repeat(1000).getBytes(StandardCharsets.UTF_8);
          big.setSize(content.length);
          out.putArchiveEntry(big);
          out.write(content);
          out.closeArchiveEntry();
          TarArchiveEntry link = new TarArchiveEntry("l".repeat(120), TarArchiveEntry.LF_SYMLINK);
          link.setLinkName("t".repeat(200));
          out.putArchiveEntry(link);
          out.closeArchiveEntry();
          TarArchiveEntry dev = new TarArchiveEntry("dev/null", TarArchiveEntry.LF_CHR);
          dev.setDevMajor(1);
          dev.setDevMinor(3);
          out.putArchiveEntry(dev);
          out.closeArchiveEntry();
        }
        assertSameAsCommonsCompress(bytes.toByteArray());
        Entry dev = readAll(bytes.toByteArray()).get(2);
        assertThat(dev.type()).isEqualTo(Type.CHAR_DEVICE);
        assertThat(dev.devMajor()).isEqualTo(1);
        assertThat(dev.devMinor()).isEqualTo(3);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gnu", "0.0", "0.1", "1.0"})
  void gnuSparseFilesComeBackByteForByte(String version) throws Exception {
    Path src = Files.createDirectories(tmp.resolve("sparse"));
    Path file = src.resolve("disk.img");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write("data at the start".getBytes(StandardCharsets.UTF_8));
      for (int i = 1; i < 40; i++) { // more regions than an old GNU header holds: extension blocks
        f.seek(i * 65536L + i);
        f.write(("island " + i).getBytes(StandardCharsets.UTF_8));
      }
      f.setLength(4L << 20); // ends in a hole
    }
    Path tar = tmp.resolve("sparse.tar");
    List<String> cmd = new ArrayList<>(List.of("tar", "--sparse", "-cf", tar.toString(), "-C", src.toString(), "disk.img"));
    if (version.equals("gnu")) {
      cmd.add(1, "--format=gnu");
    } else {
      cmd.addAll(1, List.of("--format=pax", "--sparse-version=" + version));
    }
    Tools.run(tmp, cmd.toArray(String[]::new));

    TarReader r = new TarReader(new ByteArrayInputStream(Files.readAllBytes(tar)), 4096);
    Entry e = r.next();
    assertThat(e.name()).isEqualTo("disk.img");
    assertThat(e.type()).isEqualTo(Type.FILE);
    assertThat(e.isSparse()).isTrue();
    assertThat(e.realSize()).isEqualTo(4L << 20);
    long[] map = e.sparseMap();
    assertThat(map.length / 2).isGreaterThan(21);
    byte[] rebuilt = new byte[(int) e.realSize()];
    for (int i = 0; i < map.length; i += 2) {
      readContent(r, rebuilt, (int) map[i], (int) map[i + 1]);
    }
    assertThat(r.contentLeft()).isZero();
    assertThat(rebuilt).isEqualTo(Files.readAllBytes(file));
    assertThat(r.next()).isNull();
  }

  @Test
  void paxRecordsKeepBinaryValuesAndApplyGlobalsUntilOverridden() throws Exception {
    byte[] binary = {(byte) 0xff, 0, (byte) 0x80, '\n', '='};
    Map<String, byte[]> global = new LinkedHashMap<>();
    global.put("uid", ascii("42"));
    global.put("comment", ascii("from git archive"));
    Map<String, byte[]> local = new LinkedHashMap<>();
    local.put("SCHILY.xattr.security.capability", binary);
    local.put("LIBARCHIVE.xattr.user.a%3Db", ascii(Base64.getEncoder().encodeToString(binary)));
    local.put("SCHILY.xattr.user.empty", new byte[0]);
    local.put("path", ascii("a/very/long/name/" + "n".repeat(300)));
    local.put("mtime", ascii("1700000000.123456789"));
    local.put("gid", ascii("77"));
    byte[] tar = new RawTar()
        .pax('g', global)
        .entry("ustar-name", '0', ascii("content"))
        .pax('x', local)
        .entry("short", '0', ascii("c2"))
        .pax('x', Map.of("uid", ascii("5"), "mtime", ascii("-1.25")))
        .entry("third", '5', new byte[0])
        .end();
    List<Entry> all = readAll(tar);
    assertThat(all).hasSize(3);
    assertThat(all.get(0).uid()).isEqualTo(42);
    assertThat(all.get(0).name()).isEqualTo("ustar-name");
    Entry e = all.get(1);
    assertThat(e.name()).isEqualTo("a/very/long/name/" + "n".repeat(300));
    assertThat(e.uid()).isEqualTo(42);
    assertThat(e.gid()).isEqualTo(77);
    assertThat(e.mtimeSeconds()).isEqualTo(1_700_000_000L);
    assertThat(e.mtimeNanos()).isEqualTo(123_456_789);
    assertThat(e.xattrs()).extracting(TarReader.Xattr::name)
        .containsExactly("security.capability", "user.a=b", "user.empty");
    assertThat(e.xattrs().get(0).value()).isEqualTo(binary);
    assertThat(e.xattrs().get(1).value()).isEqualTo(binary);
    assertThat(e.xattrs().get(2).value()).isEmpty();
    assertThat(all.get(2).uid()).isEqualTo(5);
    assertThat(all.get(2).mtimeSeconds()).isEqualTo(-2);
    assertThat(all.get(2).mtimeNanos()).isEqualTo(750_000_000);
    assertThat(all.get(2).type()).isEqualTo(Type.DIRECTORY);
  }

  @Test
  void aStreamEndingBetweenEntriesEndsTheArchive() throws Exception {
    byte[] tar = new RawTar().entry("a", '0', ascii("x")).bytes();
    assertThat(readAll(tar)).extracting(Entry::name).containsExactly("a");
  }

  @Test
  void brokenAndHostileHeadersAreRefused() throws Exception {
    byte[] good = new RawTar().entry("a", '0', ascii("content")).end();
    byte[] badSum = good.clone();
    badSum[0] = 'b';
    assertThatThrownBy(() -> readAll(badSum)).isInstanceOf(IOException.class)
        .hasMessageContaining("checksum mismatch at byte 0");

    byte[] truncated = Arrays.copyOf(good, 512 + 3);
    assertThatThrownBy(() -> readAll(truncated)).isInstanceOf(EOFException.class)
        .hasMessageContaining("'a'");
    assertThatThrownBy(() -> readAll(Arrays.copyOf(good, 300))).isInstanceOf(EOFException.class)
        .hasMessageContaining("inside a header");

    byte[] hugePax = new RawTar().header("pax", 'x', 9L << 20).bytes(); // no allocation of 9 MiB
    assertThatThrownBy(() -> readAll(hugePax)).isInstanceOf(IOException.class)
        .hasMessageContaining("larger than the limit");

    byte[] negative = new RawTar().header("neg", '0', 0).bytes();
    Arrays.fill(negative, 124, 136, (byte) 0xff); // base-256 -1
    RawTar.checksum(negative, 0);
    assertThatThrownBy(() -> readAll(negative)).isInstanceOf(IOException.class)
        .hasMessageContaining("negative size");

    byte[] garbage = new RawTar().header("g", '0', 0).bytes();
    garbage[100] = 'x'; // mode field
    RawTar.checksum(garbage, 0);
    assertThatThrownBy(() -> readAll(garbage)).isInstanceOf(IOException.class)
        .hasMessageContaining("malformed mode");

    assertThatThrownBy(() -> readAll(new RawTar().pax('x', Map.of("size", ascii("12x"))).entry("s", '0', ascii("")).end()))
        .isInstanceOf(UnpackException.class).hasMessageContaining("'s'").hasMessageContaining("size");
  }

  @Test
  void sparseMapsMustBeSortedDisjointInsideTheFileAndMatchTheData() throws Exception {
    String[][] cases = {
        {"0,10,5,10", "100", "overlap"},
        {"0,10,95,10", "100", "beyond the file size"},
        {"0,10,20,5", "100", "hold 15 bytes but the entry has 20"},
        {"0,10,20", "100", "malformed GNU.sparse.map"},
    };
    for (String[] c : cases) {
      Map<String, byte[]> pax = new LinkedHashMap<>();
      pax.put("GNU.sparse.major", ascii("0"));
      pax.put("GNU.sparse.minor", ascii("1"));
      pax.put("GNU.sparse.size", ascii(c[1]));
      pax.put("GNU.sparse.map", ascii(c[0]));
      byte[] tar = new RawTar().pax('x', pax).entry("sp", '0', new byte[20]).end();
      assertThatThrownBy(() -> readAll(tar)).as(c[0]).isInstanceOf(UnpackException.class)
          .hasMessageContaining("'sp'").hasMessageContaining(c[2]);
    }
    Map<String, byte[]> v10 = new LinkedHashMap<>();
    v10.put("GNU.sparse.major", ascii("1"));
    v10.put("GNU.sparse.minor", ascii("0"));
    v10.put("GNU.sparse.realsize", ascii("100"));
    byte[] map = new byte[512];
    byte[] count = ascii("99999999\n");
    System.arraycopy(count, 0, map, 0, count.length);
    byte[] tar = new RawTar().pax('x', v10).entry("big", '0', map).end();
    assertThatThrownBy(() -> readAll(tar)).isInstanceOf(UnpackException.class)
        .hasMessageContaining("'big'").hasMessageContaining("larger than the limit");
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Files of the sizes around the block size, a symlink, a hard link, and what the format can hold:
   * a fifo and a name split into ustar's prefix (not v7), long names and link targets (gnu, pax).
   */
  private Path tree(String format) throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src-" + format + "/dir/sub"));
    src = tmp.resolve("src-" + format);
    for (int size : new int[] {0, 1, 511, 512, 513, 10240, 300_000}) {
      byte[] b = new byte[size];
      for (int i = 0; i < size; i++) {
        b[i] = (byte) (i * 31 + size);
      }
      Files.write(src.resolve("dir/f" + size), b);
    }
    Files.createSymbolicLink(src.resolve("dir/link"), Path.of("sub/../f1"));
    Files.createLink(src.resolve("dir/sub/hard"), src.resolve("dir/f513"));
    Files.setPosixFilePermissions(src.resolve("dir/f1"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    if (format.equals("v7")) {
      return src;
    }
    Tools.run(src, "mkfifo", "-m", "0640", "dir/fifo");
    Files.writeString(Files.createDirectories(src.resolve("m".repeat(80))).resolve("n".repeat(60)), "prefix\n");
    if (!format.equals("ustar")) {
      Path deep = Files.createDirectories(src.resolve("p".repeat(90) + "/" + "q".repeat(90) + "/" + "r".repeat(90)));
      Files.writeString(deep.resolve("s".repeat(120)), "deep\n");
      Files.createSymbolicLink(src.resolve("longlink"), Path.of("t".repeat(150)));
    }
    return src;
  }

  private static void assertSameAsCommonsCompress(byte[] tar) throws Exception {
    List<String> expected = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        String type = e.isDirectory() ? "DIRECTORY" : e.isSymbolicLink() ? "SYMLINK" : e.isLink() ? "HARDLINK"
            : e.isCharacterDevice() ? "CHAR_DEVICE" : e.isBlockDevice() ? "BLOCK_DEVICE" : e.isFIFO() ? "FIFO"
            : e.isFile() ? "FILE" : "OTHER";
        Instant t = e.getLastModifiedTime().toInstant();
        expected.add(describe(e.getName(), type, e.getLinkName(), e.getMode() & 07777, e.getLongUserId(),
            e.getLongGroupId(), t.getEpochSecond(), t.getNano(), sha256(in)));
      }
    }
    List<String> actual = new ArrayList<>();
    TarReader r = new TarReader(new ByteArrayInputStream(tar), 1024);
    Entry e;
    while ((e = r.next()) != null) {
      byte[] content = new byte[(int) e.size()];
      readContent(r, content, 0, content.length);
      actual.add(describe(e.name(), e.type().name(), e.linkName(), e.mode(), e.uid(), e.gid(),
          e.mtimeSeconds(), e.mtimeNanos(), sha256(new ByteArrayInputStream(content))));
    }
    assertThat(actual).hasSizeGreaterThan(2).containsExactlyElementsOf(expected);
  }

  private static String describe(String name, String type, String link, int mode, long uid, long gid,
      long seconds, int nanos, String sha) {
    return String.format("%s %s -> '%s' %04o %d:%d %d.%09d %s", type, name, link, mode, uid, gid, seconds, nanos, sha);
  }

  private static List<Entry> readAll(byte[] tar) throws IOException {
    List<Entry> out = new ArrayList<>();
    TarReader r = new TarReader(new ByteArrayInputStream(tar), 512);
    Entry e;
    while ((e = r.next()) != null) {
      out.add(e);
    }
    return out;
  }

  private static void readContent(TarReader r, byte[] into, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(r.fill(), len);
      assertThat(n).as("content available").isPositive();
      System.arraycopy(r.buffer(), r.position(), into, off, n);
      r.consume(n);
      off += n;
      len -= n;
    }
  }

  private static String sha256(InputStream in) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(in.readAllBytes());
    return HexFormat.of().formatHex(md.digest());
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A tar written block by block, for headers no well-behaved writer produces. */
  static final class RawTar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    RawTar header(String name, char type, long size) {
      byte[] h = new byte[512];
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(n, 0, h, 0, n.length);
      field(h, 100, 8, 0644);
      field(h, 108, 8, 0);
      field(h, 116, 8, 0);
      field(h, 124, 12, size);
      field(h, 136, 12, 1_600_000_000L);
      h[156] = (byte) type;
      System.arraycopy(ascii("ustar\0" + "00"), 0, h, 257, 8);
      checksum(h, 0);
      out.writeBytes(h);
      return this;
    }

    RawTar entry(String name, char type, byte[] content) {
      header(name, type, content.length);
      out.writeBytes(content);
      out.writeBytes(new byte[(512 - content.length % 512) % 512]);
      return this;
    }

    RawTar pax(char type, Map<String, byte[]> records) {
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      for (Map.Entry<String, byte[]> r : records.entrySet()) {
        int rest = 1 + r.getKey().length() + 1 + r.getValue().length + 1;
        int len = rest + 1;
        while (len != rest + String.valueOf(len).length()) {
          len = rest + String.valueOf(len).length();
        }
        data.writeBytes(ascii(len + " " + r.getKey() + "="));
        data.writeBytes(r.getValue());
        data.write('\n');
      }
      return entry("PaxHeader", type, data.toByteArray());
    }

    byte[] end() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    static void checksum(byte[] b, int h) {
      Arrays.fill(b, h + 148, h + 156, (byte) ' ');
      long sum = 0;
      for (int i = 0; i < 512; i++) {
        sum += b[h + i] & 0xff;
      }
      field(b, h + 148, 7, sum);
    }

    private static void field(byte[] h, int off, int len, long v) {
      byte[] s = ascii(String.format("%0" + (len - 1) + "o", v));
      System.arraycopy(s, 0, h, off, s.length);
      h[off + len - 1] = 0;
    }
  }
}
