package dev.containerj.namespaces.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams on the master of a container's pty ({@code Redirect.tty()}). The JDK cannot wrap a raw
 * descriptor number in a FileInputStream, and reopening {@code /proc/self/fd/N} of a ptmx descriptor
 * would open a new pty, so these call read(2) and write(2) themselves. The master belongs to the
 * process handle, which closes it; closing a stream only ends that stream.
 */
final class PtyStreams {
  /** EIO (errno-base.h): what read(2) on a master returns once every slave descriptor is closed. */
  private static final int EIO = 5;

  private PtyStreams() {}

  static InputStream input(Fd master) {
    return new InputStream() {
      private volatile boolean closed;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        byte[] buf = off == 0 ? b : new byte[len];
        while (true) {
          if (closed || !master.isOpen()) {
            return -1;
          }
          long n;
          try {
            n = LibC.read(master.get(), buf, len);
          } catch (LastErrorException e) {
            if (e.getErrorCode() == Constants.EINTR) {
              continue;
            }
            if (e.getErrorCode() == EIO) {
              return -1; // the payload and everything that had the terminal open are gone
            }
            throw new IOException("read(pty master) failed: " + dev.containerj.linux.Errno.describe(e.getErrorCode()));
          } catch (IllegalStateException e) {
            return -1; // the handle closed the master
          }
          if (n <= 0) {
            return -1;
          }
          if (buf != b) {
            System.arraycopy(buf, 0, b, off, (int) n);
          }
          return (int) n;
        }
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }

  static OutputStream output(Fd master) {
    return new OutputStream() {
      private volatile boolean closed;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
          if (closed) {
            throw new IOException("the terminal's stream is closed");
          }
          byte[] chunk = off + done == 0 ? b : java.util.Arrays.copyOfRange(b, off + done, off + len);
          try {
            done += (int) LibC.write(master.get(), chunk, len - done);
          } catch (LastErrorException e) {
            if (e.getErrorCode() != Constants.EINTR) {
              throw new IOException("write(pty master) failed: " + dev.containerj.linux.Errno.describe(e.getErrorCode()));
            }
          } catch (IllegalStateException e) {
            throw new IOException("the container's terminal is closed", e);
          }
        }
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }
}
