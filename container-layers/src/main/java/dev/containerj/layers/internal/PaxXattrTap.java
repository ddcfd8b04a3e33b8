package dev.containerj.layers.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Watches the tar bytes on their way to commons-compress and keeps the raw bytes of
 * {@code SCHILY.xattr.*} PAX records, keyed by the name of the entry they belong to. commons-compress
 * decodes PAX values as UTF-8, which corrupts binary xattrs such as {@code security.capability}.
 *
 * <p>It follows the tar structure on its own (512-byte headers, sizes from the header or a PAX
 * {@code size} record, GNU long names and old sparse extension headers). On anything it does not
 * understand it stops and returns nothing; the caller then falls back to commons-compress' values.
 */
public final class PaxXattrTap extends FilterInputStream {
  private static final int MAX_PAX = 1 << 20;

  private enum State { HEADER, PAX, LONGNAME, SPARSE_EXT, SKIP }

  private State state = State.HEADER;
  private final byte[] header = new byte[512];
  private int headerFill;
  private long remaining;
  private long padding;
  private final ByteArrayOutputStream content = new ByteArrayOutputStream();
  private boolean disabled;

  private final Map<String, byte[]> pendingXattrs = new LinkedHashMap<>();
  private @Nullable String pendingPath;
  private @Nullable String pendingLongName;
  private long pendingSize = -1;
  private final Map<String, ArrayDeque<Map<String, byte[]>>> byName = new HashMap<>();

  public PaxXattrTap(InputStream in) {
    super(in);
  }

  /** The raw xattrs of the entry named {@code name} (the next one of that name), or null. */
  public @Nullable Map<String, byte[]> take(String name) {
    ArrayDeque<Map<String, byte[]>> q = byName.get(name);
    if (q == null) {
      return null;
    }
    Map<String, byte[]> m = q.pollFirst();
    if (q.isEmpty()) {
      byName.remove(name);
    }
    return m;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      feed(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      feed(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 8192)];
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

  private void feed(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end && !disabled) {
      switch (state) {
        case HEADER:
        case SPARSE_EXT: {
          int take = Math.min(512 - headerFill, end - i);
          System.arraycopy(b, i, header, headerFill, take);
          headerFill += take;
          i += take;
          if (headerFill == 512) {
            headerFill = 0;
            if (state == State.SPARSE_EXT) {
              if (header[504] == 0) {
                state = remaining + padding > 0 ? State.SKIP : State.HEADER;
              }
            } else {
              onHeader();
            }
          }
          break;
        }
        case PAX:
        case LONGNAME: {
          if (remaining > 0) {
            int take = (int) Math.min(remaining, end - i);
            content.write(b, i, take);
            remaining -= take;
            i += take;
          }
          if (remaining == 0) {
            if (state == State.PAX) {
              parsePax(content.toByteArray());
            } else {
              pendingLongName = trimNul(content.toByteArray());
            }
            content.reset();
            remaining = padding;
            padding = 0;
            state = remaining > 0 ? State.SKIP : State.HEADER;
          }
          break;
        }
        case SKIP: {
          long total = remaining + padding;
          int take = (int) Math.min(total, end - i);
          i += take;
          total -= take;
          remaining = total;
          padding = 0;
          if (total == 0) {
            state = State.HEADER;
          }
          break;
        }
        default:
          disabled = true;
      }
    }
  }

  private void onHeader() {
    boolean zero = true;
    for (byte x : header) {
      if (x != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return; // end-of-archive blocks
    }
    long size = parseSize();
    if (size < 0) {
      disabled = true;
      return;
    }
    byte type = header[156];
    if (type == 'x') {
      if (size > MAX_PAX) {
        disabled = true;
        return;
      }
      startContent(State.PAX, size);
    } else if (type == 'L') {
      if (size > MAX_PAX) {
        disabled = true;
        return;
      }
      startContent(State.LONGNAME, size);
    } else if (type == 'g' || type == 'K') {
      startContent(State.SKIP, size);
    } else {
      String name = pendingPath != null ? pendingPath : pendingLongName != null ? pendingLongName : ustarName();
      long dataSize = pendingSize >= 0 ? pendingSize : size;
      if (!pendingXattrs.isEmpty()) {
        byName.computeIfAbsent(name, k -> new ArrayDeque<>()).addLast(new LinkedHashMap<>(pendingXattrs));
      }
      pendingXattrs.clear();
      pendingPath = null;
      pendingLongName = null;
      pendingSize = -1;
      if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6') {
        dataSize = 0; // links, devices, directories and fifos carry no data
      }
      if (type == 'S' && header[482] != 0) {
        remaining = dataSize;
        padding = pad(dataSize);
        state = State.SPARSE_EXT;
        return;
      }
      startContent(State.SKIP, dataSize);
    }
  }

  private void startContent(State s, long size) {
    remaining = size;
    padding = pad(size);
    state = s == State.SKIP && size == 0 ? State.HEADER : s;
    if (s != State.SKIP && size == 0) {
      state = State.HEADER;
    }
  }

  private static long pad(long size) {
    return (512 - size % 512) % 512;
  }

  private long parseSize() {
    if ((header[124] & 0x80) != 0) { // base-256
      long v = 0;
      for (int i = 125; i < 136; i++) {
        v = (v << 8) | (header[i] & 0xff);
      }
      return v;
    }
    long v = 0;
    boolean any = false;
    for (int i = 124; i < 136; i++) {
      byte c = header[i];
      if (c >= '0' && c <= '7') {
        v = v * 8 + (c - '0');
        any = true;
      } else if (c == 0 || c == ' ') {
        if (any) {
          break;
        }
      } else {
        return -1;
      }
    }
    return v;
  }

  private String ustarName() {
    String name = trimNul(java.util.Arrays.copyOfRange(header, 0, 100));
    boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r';
    if (ustar) {
      String prefix = trimNul(java.util.Arrays.copyOfRange(header, 345, 500));
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static String trimNul(byte[] b) {
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  /** Records are {@code "LEN key=value\n"}; LEN counts the whole record. */
  private void parsePax(byte[] data) {
    int p = 0;
    while (p < data.length) {
      int sp = p;
      int len = 0;
      while (sp < data.length && data[sp] >= '0' && data[sp] <= '9') {
        len = len * 10 + (data[sp] - '0');
        sp++;
      }
      if (sp >= data.length || data[sp] != ' ' || len <= 0 || p + len > data.length) {
        disabled = true;
        return;
      }
      int eq = sp + 1;
      while (eq < p + len && data[eq] != '=') {
        eq++;
      }
      if (eq >= p + len) {
        disabled = true;
        return;
      }
      String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, p + len - 1);
      if (key.startsWith("SCHILY.xattr.")) {
        pendingXattrs.put(key.substring("SCHILY.xattr.".length()), value);
      } else if (key.equals("path")) {
        pendingPath = new String(value, StandardCharsets.UTF_8);
      } else if (key.equals("size")) {
        try {
          pendingSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
          disabled = true;
          return;
        }
      }
      p += len;
    }
  }
}
