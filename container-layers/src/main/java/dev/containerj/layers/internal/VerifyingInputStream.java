package dev.containerj.layers.internal;

import dev.containerj.layers.BlobVerificationException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Computes the sha256 and length of everything read through it; {@link #verify()} reads the rest
 * and compares both with the descriptor. Reading past the declared size fails at once, so a hostile
 * blob cannot make the reader consume without bound.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final String blob;
  private final String expectedHex;
  private final long expectedSize;
  private final MessageDigest sha256;
  private long count;

  /**
   * @param blob the name used in errors (the digest, or the file name in an archive)
   * @param expectedHex the sha256 in hex
   * @param expectedSize the size in bytes, or -1 if unknown
   */
  public VerifyingInputStream(InputStream in, String blob, String expectedHex, long expectedSize) {
    super(in);
    this.blob = blob;
    this.expectedHex = expectedHex;
    this.expectedSize = expectedSize;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      sha256.update(b, off, n);
      count += n;
      if (expectedSize >= 0 && count > expectedSize) {
        throw new BlobVerificationException(blob, "is larger than its declared size " + expectedSize);
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[8192];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Reads to the end and checks size and digest. */
  public void verify() throws IOException {
    byte[] buf = new byte[65536];
    while (read(buf, 0, buf.length) >= 0) {
      // drain
    }
    if (expectedSize >= 0 && count != expectedSize) {
      throw new BlobVerificationException(blob, "size " + count + " does not match the declared size " + expectedSize);
    }
    String actual = hex(sha256.digest());
    if (!actual.equals(expectedHex)) {
      throw new BlobVerificationException(blob, "content has digest sha256:" + actual + ", expected sha256:" + expectedHex);
    }
  }

  static String hex(byte[] d) {
    StringBuilder s = new StringBuilder(d.length * 2);
    for (byte x : d) {
      s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return s.toString();
  }

  /** sha256 of a byte array, in hex. */
  public static String sha256Hex(byte[] data) {
    try {
      return hex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
