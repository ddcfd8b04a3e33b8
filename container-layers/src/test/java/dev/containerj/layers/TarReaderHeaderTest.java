package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.layers.internal.TarReader;
import dev.containerj.layers.internal.TarReader.Entry;
import dev.containerj.layers.internal.TarReader.Type;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Header variants of old and rare writers, written byte by byte: the checksum of tars that summed
 * signed bytes, star's shorter prefix, GNU's magic (no prefix), and v7 directories ("name/").
 */
class TarReaderHeaderTest {
  private static final String POSIX = "ustar\0" + "00";
  private static final String GNU = "ustar  \0";

  @Test
  void aChecksumOfSignedBytesIsAcceptedAsOldTarsWroteIt() throws Exception {
    byte[] h = header("caf\u00e9", '0', POSIX); // é: bytes 0xc3 0xa9, negative as signed bytes
    signedChecksum(h);
    assertThat(read(h)).extracting(Entry::name).containsExactly("caf\u00e9");
    byte[] unsigned = header("caf\u00e9", '0', POSIX);
    unsignedChecksum(unsigned);
    assertThat(read(unsigned)).extracting(Entry::name).containsExactly("caf\u00e9");
    // off by one either way is refused
    for (long delta : new long[] {1, -1}) {
      byte[] bad = header("caf\u00e9", '0', POSIX);
      field(bad, 148, 7, sum(bad, false) + delta);
      assertThatThrownBy(() -> read(bad)).isInstanceOf(IOException.class)
          .hasMessage("layer tar is corrupt: header checksum mismatch at byte 0");
    }
  }

  @Test
  void ustarPrefixIs155BytesButStarKeepsOnly131() throws Exception {
    String prefix155 = "p".repeat(155);
    byte[] posix = header("name", '0', POSIX);
    put(posix, 345, prefix155);
    unsignedChecksum(posix);
    assertThat(read(posix)).extracting(Entry::name).containsExactly(prefix155 + "/name");

    // star: "tar\0" at 508, atime and ctime at 476..499 right after a 131-byte prefix
    String prefix131 = "s".repeat(131);
    byte[] star = header("name", '0', POSIX);
    put(star, 345, prefix131);
    put(star, 476, "12345670123\0" + "12345670123\0");
    put(star, 508, "tar\0");
    unsignedChecksum(star);
    assertThat(read(star)).extracting(Entry::name).containsExactly(prefix131 + "/name");

    // without star's mark the same bytes are one long prefix
    byte[] notStar = star.clone();
    notStar[510] = 'x';
    unsignedChecksum(notStar);
    assertThat(read(notStar)).extracting(Entry::name)
        .containsExactly(prefix131 + "12345670123" + "/name");

    // GNU's magic: bytes 345.. hold atime, never a prefix
    byte[] gnu = header("name", '0', GNU);
    put(gnu, 345, "12345670123");
    unsignedChecksum(gnu);
    assertThat(read(gnu)).extracting(Entry::name).containsExactly("name");
  }

  @Test
  void v7DirectoriesAreRegularEntriesWhoseNameEndsWithASlash() throws Exception {
    byte[] v7dir = header("d/", '\0', "\0\0\0\0\0\0\0\0");
    unsignedChecksum(v7dir);
    byte[] v7file = header("f", '\0', "\0\0\0\0\0\0\0\0");
    unsignedChecksum(v7file);
    byte[] ustarDir = header("e/", '0', POSIX);
    unsignedChecksum(ustarDir);
    byte[] contiguous = header("c/", '7', POSIX); // contiguous file: never a directory
    unsignedChecksum(contiguous);
    byte[] contiguousFile = header("c2", '7', POSIX);
    unsignedChecksum(contiguousFile);
    assertThat(read(v7dir, v7file, ustarDir, contiguous, contiguousFile))
        .extracting(e -> e.name() + " " + e.type())
        .containsExactly("d/ " + Type.DIRECTORY, "f " + Type.FILE, "e/ " + Type.DIRECTORY,
            "c/ " + Type.FILE, "c2 " + Type.FILE);
  }

  private static List<Entry> read(byte[]... headers) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] h : headers) {
      out.writeBytes(h);
    }
    out.writeBytes(new byte[1024]);
    TarReader r = new TarReader(new ByteArrayInputStream(out.toByteArray()), 512);
    List<Entry> entries = new ArrayList<>();
    for (Entry e; (e = r.next()) != null; ) {
      entries.add(e);
    }
    return entries;
  }

  /** An empty entry: mode 0644, owner 0:0, size 0, mtime 1600000000. */
  private static byte[] header(String name, char type, String magic) {
    byte[] h = new byte[512];
    put(h, 0, name);
    field(h, 100, 8, 0644);
    field(h, 108, 8, 0);
    field(h, 116, 8, 0);
    field(h, 124, 12, 0);
    field(h, 136, 12, 1_600_000_000L);
    h[156] = (byte) type;
    put(h, 257, magic);
    return h;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, b.length);
  }

  private static long sum(byte[] h, boolean signed) {
    byte[] c = h.clone();
    Arrays.fill(c, 148, 156, (byte) ' ');
    long s = 0;
    for (byte b : c) {
      s += signed ? b : b & 0xff;
    }
    return s;
  }

  private static void signedChecksum(byte[] h) {
    long s = sum(h, true);
    assertThat(s).as("the signed sum differs from the unsigned one").isNotEqualTo(sum(h, false));
    field(h, 148, 7, s);
  }

  private static void unsignedChecksum(byte[] h) {
    field(h, 148, 7, sum(h, false));
  }

  private static void field(byte[] h, int off, int len, long v) {
    put(h, off, String.format("%0" + (len - 1) + "o", v));
    h[off + len - 1] = 0;
  }
}
