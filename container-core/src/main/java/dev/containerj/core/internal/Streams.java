package dev.containerj.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The streams a container or exec'd process hands out are never null: one that was not piped reads
 * end-of-file, and writing to a stdin that was not piped fails saying so (as a redirected
 * {@code Process.getOutputStream()} does).
 */
public final class Streams {
  private Streams() {}

  /** {@code in}, or a stream at end-of-file. */
  public static InputStream orEof(@Nullable InputStream in) {
    return in != null ? in : InputStream.nullInputStream();
  }

  /** {@code out}, or a stream whose writes fail naming {@code what}. */
  public static OutputStream orRefusing(@Nullable OutputStream out, String what) {
    if (out != null) {
      return out;
    }
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException(what + " is not piped: ask for Redirect.PIPE to write to it");
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        write(0);
      }
    };
  }
}
