package dev.containerj.layers.internal;

import dev.containerj.layers.UnpackException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a layer tar entry by entry, straight from the bytes: ustar, GNU (long names and link
 * names, base-256 numbers, old sparse headers) and POSIX pax (local and global records, GNU sparse
 * formats 0.0, 0.1 and 1.0), as described in GNU tar's manual ("Basic Tar Format", "Sparse
 * Formats") and POSIX.1-2017 pax(1). Pax values stay bytes, so binary xattrs such as
 * {@code security.capability} come out exactly as written.
 *
 * <p>Written for the unpacker's inner loop: one buffer, no stream per entry, no exception unless the
 * archive is broken. An entry's content is read in place: {@link #fill()} makes bytes available in
 * {@link #buffer()} from {@link #position()}, {@link #consume(int)} takes them. {@link #next()}
 * skips whatever content was not consumed.
 *
 * <p>Limits against hostile archives: a pax or long-name header over {@value #MAX_META} bytes and a
 * sparse map over {@value #MAX_SPARSE} regions are refused; every number is range-checked; sparse
 * maps must be sorted, must not overlap, and must account for exactly the entry's data.
 */
public final class TarReader {
  /** The kind of an entry, from its type flag. */
  public enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, OTHER }

  /** An extended attribute of an entry, its value as written in the archive. */
  public record Xattr(String name, byte[] value) {}

  static final int BLOCK = 512;
  static final int MAX_META = 8 << 20;
  static final int MAX_SPARSE = 1 << 20;
  private static final String SCHILY_XATTR = "SCHILY.xattr.";
  private static final String LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.";

  private final InputStream in;
  private final byte[] buf;
  private int pos;
  private int lim;
  /** Stream offset of {@code buf[0]}. */
  private long base;
  private boolean eof;
  private boolean ended;
  private @Nullable Entry current;
  private long contentLeft;
  private long paddingLeft;
  private Map<String, byte[]> globals = new LinkedHashMap<>();

  /** @param bufferSize bytes read from {@code in} at a time, a multiple of 512 */
  public TarReader(InputStream in, int bufferSize) {
    if (bufferSize < BLOCK || bufferSize % BLOCK != 0) {
      throw new IllegalArgumentException("bufferSize must be a positive multiple of 512: " + bufferSize);
    }
    this.in = in;
    this.buf = new byte[bufferSize];
  }

  /** One entry: its header fields after long names and pax records were applied. */
  public static final class Entry {
    private final String name;
    private final Type type;
    private final String linkName;
    private final int mode;
    private final long uid;
    private final long gid;
    private final long size;
    private final long mtimeSeconds;
    private final int mtimeNanos;
    private final long devMajor;
    private final long devMinor;
    private final List<Xattr> xattrs;
    private final long @Nullable [] sparseMap;
    private final long realSize;

    Entry(String name, Type type, String linkName, int mode, long uid, long gid, long size,
        long mtimeSeconds, int mtimeNanos, long devMajor, long devMinor, List<Xattr> xattrs,
        long @Nullable [] sparseMap, long realSize) {
      this.name = name;
      this.type = type;
      this.linkName = linkName;
      this.mode = mode;
      this.uid = uid;
      this.gid = gid;
      this.size = size;
      this.mtimeSeconds = mtimeSeconds;
      this.mtimeNanos = mtimeNanos;
      this.devMajor = devMajor;
      this.devMinor = devMinor;
      this.xattrs = xattrs;
      this.sparseMap = sparseMap;
      this.realSize = realSize;
    }

    /** The name as written (pax {@code path}, GNU long name, or ustar prefix + name), not yet checked. */
    public String name() {
      return name;
    }

    public Type type() {
      return type;
    }

    /** Target of a symlink or hard link, else "". */
    public String linkName() {
      return linkName;
    }

    /** Permission bits including setuid, setgid and sticky (07777). */
    public int mode() {
      return mode;
    }

    public long uid() {
      return uid;
    }

    public long gid() {
      return gid;
    }

    /** Bytes of content in the archive (for a sparse file: its data regions only). */
    public long size() {
      return size;
    }

    public long mtimeSeconds() {
      return mtimeSeconds;
    }

    public int mtimeNanos() {
      return mtimeNanos;
    }

    public long devMajor() {
      return devMajor;
    }

    public long devMinor() {
      return devMinor;
    }

    /** SCHILY.xattr and LIBARCHIVE.xattr records, in archive order. */
    public List<Xattr> xattrs() {
      return xattrs;
    }

    public boolean isSparse() {
      return sparseMap != null;
    }

    /**
     * For a sparse file, its data regions as offset, length pairs, sorted and not overlapping; the
     * content holds them one after another. Null for any other entry.
     */
    public long @Nullable [] sparseMap() {
      return sparseMap;
    }

    /** The file's size once unpacked: {@link #size()} unless sparse. */
    public long realSize() {
      return realSize;
    }

    @Override
    public String toString() {
      return type + " " + name;
    }
  }

  /**
   * The next entry, skipping what is left of the current one's content; null at the end of the
   * archive (a zero block, or the end of the stream between entries).
   */
  public @Nullable Entry next() throws IOException {
    if (ended) {
      return null;
    }
    if (current != null) {
      skip(contentLeft + paddingLeft, "the content of '" + current.name + "'");
      contentLeft = 0;
      paddingLeft = 0;
      current = null;
    }
    Map<String, byte[]> local = null;
    List<long[]> sparse00 = null;
    String longName = null;
    String longLink = null;
    while (true) {
      long headerAt = base + pos;
      if (!ensure(BLOCK)) {
        if (lim - pos > 0) {
          throw new EOFException("layer tar ends inside a header at byte " + headerAt);
        }
        if (local != null || longName != null || longLink != null) {
          throw new EOFException("layer tar ends after an extended header, at byte " + headerAt);
        }
        ended = true;
        return null;
      }
      int h = pos;
      if (isZeroBlock(h)) {
        pos += BLOCK;
        ended = true;
        return null;
      }
      checkChecksum(h, headerAt);
      byte flag = buf[h + 156];
      long size = number(h + 124, 12, "size", headerAt);
      pos += BLOCK;
      switch (flag) {
        case 'x': {
          if (local == null) {
            local = new LinkedHashMap<>();
          }
          List<long[]> pairs = parsePax(meta(size, "pax header", headerAt), local, headerAt);
          if (pairs != null) {
            sparse00 = pairs;
          }
          break;
        }
        case 'g': {
          Map<String, byte[]> g = new LinkedHashMap<>(globals);
          parsePax(meta(size, "global pax header", headerAt), g, headerAt);
          globals = g;
          break;
        }
        case 'L':
          longName = cString(meta(size, "GNU long name", headerAt));
          break;
        case 'K':
          longLink = cString(meta(size, "GNU long link name", headerAt));
          break;
        default:
          return entry(h, flag, size, local, sparse00, longName, longLink, headerAt);
      }
    }
  }

  /**
   * Content bytes of the current entry available in {@link #buffer()} from {@link #position()},
   * reading more when none are; 0 once the content is consumed.
   */
  public int fill() throws IOException {
    if (contentLeft == 0) {
      return 0;
    }
    if (pos == lim) {
      base += lim;
      pos = 0;
      lim = 0;
      if (!readSome()) {
        throw new EOFException("layer tar ends inside the content of '" + nameOfCurrent() + "'");
      }
    }
    return (int) Math.min(lim - pos, contentLeft);
  }

  /** The buffer holding the bytes {@link #fill()} made available. */
  public byte[] buffer() {
    return buf;
  }

  public int position() {
    return pos;
  }

  /** Takes {@code n} of the bytes {@link #fill()} reported. */
  public void consume(int n) {
    if (n < 0 || n > lim - pos || n > contentLeft) {
      throw new IllegalArgumentException("cannot consume " + n + " bytes");
    }
    pos += n;
    contentLeft -= n;
  }

  /** Content bytes of the current entry not consumed yet. */
  public long contentLeft() {
    return contentLeft;
  }

  private String nameOfCurrent() {
    return current == null ? "?" : current.name;
  }

  private Entry entry(int h, byte flag, long headerSize, @Nullable Map<String, byte[]> local,
      @Nullable List<long[]> sparse00, @Nullable String longName, @Nullable String longLink,
      long headerAt) throws IOException {
    Map<String, byte[]> pax = globals;
    if (local != null) {
      if (globals.isEmpty()) {
        pax = local;
      } else {
        pax = new LinkedHashMap<>(globals);
        pax.putAll(local);
      }
    }
    boolean ustar = buf[h + 257] == 'u' && buf[h + 258] == 's' && buf[h + 259] == 't'
        && buf[h + 260] == 'a' && buf[h + 261] == 'r';
    boolean posix = ustar && buf[h + 262] == 0;
    boolean gnu = ustar && buf[h + 262] == ' ';

    String name = string(pax, "path");
    if (name == null) {
      name = longName;
    }
    if (name == null) {
      name = cString(buf, h, 100);
      if (posix) {
        // star puts "tar\0" at 508 and keeps the prefix to 131 bytes
        boolean star = buf[h + 508] == 't' && buf[h + 509] == 'a' && buf[h + 510] == 'r' && buf[h + 511] == 0;
        String prefix = cString(buf, h + 345, star ? 131 : 155);
        if (!prefix.isEmpty()) {
          name = prefix + "/" + name;
        }
      }
    }
    String sparseName = string(pax, "GNU.sparse.name");
    if (sparseName != null) {
      name = sparseName;
    }
    String linkName = string(pax, "linkpath");
    if (linkName == null) {
      linkName = longLink;
    }
    if (linkName == null) {
      linkName = cString(buf, h + 157, 100);
    }

    Type type;
    switch (flag) {
      case '0':
      case 0:
      case '7':
        type = flag != '7' && name.endsWith("/") ? Type.DIRECTORY : Type.FILE; // old tars mark directories with a slash
        break;
      case 'S':
        type = Type.FILE;
        break;
      case '1':
        type = Type.HARDLINK;
        break;
      case '2':
        type = Type.SYMLINK;
        break;
      case '3':
        type = Type.CHAR_DEVICE;
        break;
      case '4':
        type = Type.BLOCK_DEVICE;
        break;
      case '5':
      case 'D': // GNU dumpdir: a directory whose content lists its names
        type = Type.DIRECTORY;
        break;
      case '6':
        type = Type.FIFO;
        break;
      default:
        type = Type.OTHER;
    }

    int mode = (int) (number(h + 100, 8, "mode", headerAt) & 07777);
    long uid = paxNumber(pax, "uid", name);
    if (uid < 0) {
      uid = number(h + 108, 8, "uid", headerAt);
    }
    long gid = paxNumber(pax, "gid", name);
    if (gid < 0) {
      gid = number(h + 116, 8, "gid", headerAt);
    }
    long size = paxNumber(pax, "size", name);
    if (size < 0) {
      size = headerSize;
    }
    if (size < 0) {
      throw new UnpackException(name, "negative size " + size);
    }
    long mtimeSeconds;
    int mtimeNanos = 0;
    byte[] paxMtime = pax.get("mtime");
    if (paxMtime != null && paxMtime.length > 0) {
      long[] t = parseTime(paxMtime, name);
      mtimeSeconds = t[0];
      mtimeNanos = (int) t[1];
    } else {
      mtimeSeconds = signedNumber(h + 136, 12, "mtime", headerAt);
    }
    long devMajor = 0;
    long devMinor = 0;
    if (type == Type.CHAR_DEVICE || type == Type.BLOCK_DEVICE) {
      devMajor = paxNumber(pax, "SCHILY.devmajor", name);
      if (devMajor < 0) {
        devMajor = ustar ? number(h + 329, 8, "devmajor", headerAt) : 0;
      }
      devMinor = paxNumber(pax, "SCHILY.devminor", name);
      if (devMinor < 0) {
        devMinor = ustar ? number(h + 337, 8, "devminor", headerAt) : 0;
      }
    }
    List<Xattr> xattrs = xattrs(pax, name);

    // Links, devices, directories and fifos carry no data, whatever the size field says.
    if (flag == '1' || flag == '2' || flag == '3' || flag == '4' || flag == '5' || flag == '6') {
      size = 0;
    }
    long[] sparseMap = null;
    long realSize = size;
    boolean mapInContent = false;
    if (flag == 'S') {
      // old GNU sparse: four regions in the header, more in extension blocks before the data
      realSize = number(h + 483, 12, "realsize", headerAt);
      List<long[]> regions = new ArrayList<>();
      oldGnuSparse(h + 386, 4, regions, name, headerAt);
      boolean extended = buf[h + 482] != 0;
      while (extended) {
        long at = base + pos;
        if (!ensure(BLOCK)) {
          throw new EOFException("layer tar ends inside the sparse map of '" + name + "'");
        }
        int x = pos;
        pos += BLOCK;
        oldGnuSparse(x, 21, regions, name, at);
        extended = buf[x + 504] != 0;
      }
      sparseMap = flatten(regions);
    } else if (pax.containsKey("GNU.sparse.major") || pax.containsKey("GNU.sparse.map")
        || pax.containsKey("GNU.sparse.numblocks") || sparse00 != null) {
      long major = paxNumber(pax, "GNU.sparse.major", name);
      long minor = paxNumber(pax, "GNU.sparse.minor", name);
      realSize = paxNumber(pax, "GNU.sparse.realsize", name);
      if (realSize < 0) {
        realSize = paxNumber(pax, "GNU.sparse.size", name);
      }
      if (realSize < 0) {
        throw new UnpackException(name, "sparse file without GNU.sparse.realsize or GNU.sparse.size");
      }
      if (major == 1 && minor == 0) {
        mapInContent = true;
      } else if (major > 0) {
        throw new UnpackException(name, "unknown GNU sparse format " + major + "." + minor);
      } else if (pax.containsKey("GNU.sparse.map")) {
        sparseMap = sparseList(pax.get("GNU.sparse.map"), name); // format 0.1
      } else {
        sparseMap = flatten(sparse00 == null ? List.of() : sparse00); // format 0.0
      }
    }
    if (sparseMap != null || mapInContent) {
      if (type != Type.FILE) {
        throw new UnpackException(name, "sparse map on an entry that is not a regular file");
      }
    }
    current = new Entry(name, type, linkName, mode, uid, gid, size, mtimeSeconds, mtimeNanos,
        devMajor, devMinor, xattrs, null, realSize);
    contentLeft = size;
    paddingLeft = pad(size);
    if (mapInContent) {
      sparseMap = sparse10(name); // format 1.0
      size = contentLeft;
    }
    if (sparseMap != null) {
      checkSparse(sparseMap, size, realSize, name);
      current = new Entry(name, type, linkName, mode, uid, gid, size, mtimeSeconds, mtimeNanos,
          devMajor, devMinor, xattrs, sparseMap, realSize);
    }
    return current;
  }

  /** GNU sparse 1.0: the map is at the start of the content, decimal numbers one per line, padded to a block. */
  private long[] sparse10(String name) throws IOException {
    long start = contentLeft;
    long count = mapNumber(name);
    if (count > MAX_SPARSE) {
      throw new UnpackException(name, "sparse map of " + count + " regions is larger than the limit " + MAX_SPARSE);
    }
    long[] map = new long[(int) count * 2];
    for (int i = 0; i < map.length; i++) {
      map[i] = mapNumber(name);
    }
    long used = start - contentLeft;
    long padding = pad(used);
    if (padding > contentLeft) {
      throw new UnpackException(name, "sparse map is larger than the entry");
    }
    skipContent(padding);
    return map;
  }

  private long mapNumber(String name) throws IOException {
    long v = 0;
    int digits = 0;
    while (true) {
      if (fill() == 0) {
        throw new UnpackException(name, "sparse map ends early");
      }
      byte c = buf[pos];
      consume(1);
      if (c == '\n') {
        if (digits == 0) {
          throw new UnpackException(name, "empty number in the sparse map");
        }
        return v;
      }
      if (c < '0' || c > '9' || ++digits > 18) {
        throw new UnpackException(name, "malformed number in the sparse map");
      }
      v = v * 10 + (c - '0');
    }
  }

  private void skipContent(long n) throws IOException {
    while (n > 0) {
      int a = fill();
      int take = (int) Math.min(a, n);
      consume(take);
      n -= take;
    }
  }

  private void oldGnuSparse(int off, int count, List<long[]> out, String name, long headerAt)
      throws IOException {
    for (int i = 0; i < count; i++) {
      int o = off + i * 24;
      if (buf[o] == 0) {
        return;
      }
      if (out.size() >= MAX_SPARSE) {
        throw new UnpackException(name, "sparse map is larger than the limit " + MAX_SPARSE);
      }
      out.add(new long[] {number(o, 12, "sparse offset", headerAt), number(o + 12, 12, "sparse size", headerAt)});
    }
  }

  private static long[] flatten(List<long[]> regions) {
    long[] map = new long[regions.size() * 2];
    for (int i = 0; i < regions.size(); i++) {
      map[2 * i] = regions.get(i)[0];
      map[2 * i + 1] = regions.get(i)[1];
    }
    return map;
  }

  private static long[] sparseList(byte[] value, String name) throws UnpackException {
    String list = new String(value, StandardCharsets.US_ASCII);
    String[] parts = list.split(",", -1);
    if (parts.length % 2 != 0 || parts.length / 2 > MAX_SPARSE) {
      throw new UnpackException(name, "malformed GNU.sparse.map");
    }
    long[] map = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      map[i] = decimal(parts[i].getBytes(StandardCharsets.US_ASCII), name, "GNU.sparse.map");
    }
    return map;
  }

  private static void checkSparse(long[] map, long dataSize, long realSize, String name)
      throws UnpackException {
    long end = 0;
    long sum = 0;
    for (int i = 0; i < map.length; i += 2) {
      long off = map[i];
      long len = map[i + 1];
      if (off < 0 || len < 0 || off > Long.MAX_VALUE - len) {
        throw new UnpackException(name, "sparse region " + off + "+" + len + " is invalid");
      }
      if (off < end) {
        throw new UnpackException(name, "sparse regions overlap or are not sorted at offset " + off);
      }
      if (off + len > realSize) {
        throw new UnpackException(name, "sparse region " + off + "+" + len + " ends beyond the file size " + realSize);
      }
      end = off + len;
      sum += len;
    }
    if (sum != dataSize) {
      throw new UnpackException(name, "sparse regions hold " + sum + " bytes but the entry has " + dataSize);
    }
  }

  private List<Xattr> xattrs(Map<String, byte[]> pax, String name) throws UnpackException {
    if (pax.isEmpty()) {
      return List.of();
    }
    List<Xattr> out = null;
    for (Map.Entry<String, byte[]> r : pax.entrySet()) {
      String key = r.getKey();
      Xattr x;
      if (key.startsWith(SCHILY_XATTR)) {
        x = new Xattr(key.substring(SCHILY_XATTR.length()), r.getValue());
      } else if (key.startsWith(LIBARCHIVE_XATTR)) {
        // libarchive: the name URL-encoded, the value base64
        try {
          x = new Xattr(URLDecoder.decode(key.substring(LIBARCHIVE_XATTR.length()), StandardCharsets.UTF_8),
              Base64.getDecoder().decode(new String(r.getValue(), StandardCharsets.US_ASCII).trim()));
        } catch (IllegalArgumentException e) {
          throw new UnpackException(name, "malformed pax record " + key + ": " + e.getMessage());
        }
      } else {
        continue;
      }
      if (x.name().isEmpty()) {
        throw new UnpackException(name, "pax record " + key + " names no xattr");
      }
      if (out == null) {
        out = new ArrayList<>();
      }
      out.add(x);
    }
    return out == null ? List.of() : out;
  }

  /**
   * Parses pax records ({@code "LEN key=value\n"}, LEN counting the whole record) into {@code into}.
   * An empty value deletes a keyword: it is kept, and read as absent (but as an empty xattr value,
   * which GNU tar writes that way). Returns the GNU sparse 0.0 offset/numbytes pairs, which
   * repeat their keywords, or null.
   */
  private static @Nullable List<long[]> parsePax(byte[] data, Map<String, byte[]> into, long headerAt)
      throws IOException {
    List<long[]> sparse = null;
    long pendingOffset = -1;
    int p = 0;
    while (p < data.length) {
      int sp = p;
      int len = 0;
      while (sp < data.length && data[sp] >= '0' && data[sp] <= '9' && sp - p < 9) {
        len = len * 10 + (data[sp] - '0');
        sp++;
      }
      if (sp == p || sp >= data.length || data[sp] != ' ' || len <= sp - p + 1 || len > data.length - p
          || data[p + len - 1] != '\n') {
        if (data[p] == 0) {
          break; // some writers pad the records with NULs
        }
        throw new IOException("malformed pax record in the header at byte " + headerAt);
      }
      int end = p + len - 1;
      int eq = sp + 1;
      while (eq < end && data[eq] != '=') {
        eq++;
      }
      if (eq >= end || eq == sp + 1) {
        throw new IOException("malformed pax record in the header at byte " + headerAt);
      }
      String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end);
      if (key.equals("GNU.sparse.offset")) {
        pendingOffset = paxDecimal(value, key, headerAt);
      } else if (key.equals("GNU.sparse.numbytes")) {
        if (pendingOffset < 0) {
          throw new IOException("GNU.sparse.numbytes without GNU.sparse.offset in the header at byte " + headerAt);
        }
        if (sparse == null) {
          sparse = new ArrayList<>();
        }
        if (sparse.size() >= MAX_SPARSE) {
          throw new IOException("sparse map in the header at byte " + headerAt + " is larger than the limit " + MAX_SPARSE);
        }
        sparse.add(new long[] {pendingOffset, paxDecimal(value, key, headerAt)});
        pendingOffset = -1;
      } else {
        into.put(key, value);
      }
      p += len;
    }
    return sparse;
  }

  private static long paxDecimal(byte[] v, String key, long headerAt) throws IOException {
    try {
      return decimal(v, "?", key);
    } catch (UnpackException e) {
      throw new IOException("pax record " + key + " in the header at byte " + headerAt + " is not a number in range");
    }
  }

  private static @Nullable String string(Map<String, byte[]> pax, String key) {
    byte[] v = pax.get(key);
    return v == null || v.length == 0 ? null : new String(v, StandardCharsets.UTF_8);
  }

  /** A pax decimal, or -1 when the keyword is absent. */
  private static long paxNumber(Map<String, byte[]> pax, String key, String name) throws UnpackException {
    byte[] v = pax.get(key);
    return v == null || v.length == 0 ? -1 : decimal(v, name, key);
  }

  private static long decimal(byte[] v, String name, String key) throws UnpackException {
    if (v.length == 0 || v.length > 18) {
      throw new UnpackException(name, "pax record " + key + " is not a number in range");
    }
    long n = 0;
    for (byte c : v) {
      if (c < '0' || c > '9') {
        throw new UnpackException(name, "pax record " + key + " is not a decimal number");
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** A pax time, {@code [-]SECONDS[.FRACTION]}: seconds and nanoseconds (0..999999999). */
  static long[] parseTime(byte[] v, String name) throws UnpackException {
    int i = 0;
    boolean negative = v[0] == '-';
    if (negative) {
      i++;
    }
    long seconds = 0;
    int digits = 0;
    while (i < v.length && v[i] != '.') {
      byte c = v[i++];
      if (c < '0' || c > '9' || ++digits > 18) {
        throw new UnpackException(name, "pax mtime is malformed");
      }
      seconds = seconds * 10 + (c - '0');
    }
    long nanos = 0;
    if (i < v.length) {
      i++; // '.'
      int fraction = 0;
      for (; i < v.length; i++) {
        byte c = v[i];
        if (c < '0' || c > '9') {
          throw new UnpackException(name, "pax mtime is malformed");
        }
        if (fraction++ < 9) {
          nanos = nanos * 10 + (c - '0');
        }
      }
      for (; fraction < 9; fraction++) {
        nanos *= 10;
      }
    }
    if (digits == 0) {
      throw new UnpackException(name, "pax mtime is malformed");
    }
    if (negative) {
      seconds = -seconds;
      if (nanos > 0) {
        seconds--;
        nanos = 1_000_000_000 - nanos;
      }
    }
    return new long[] {seconds, nanos};
  }

  private byte[] meta(long size, String what, long headerAt) throws IOException {
    if (size > MAX_META) {
      throw new IOException(what + " of " + size + " bytes at byte " + headerAt + " is larger than the limit " + MAX_META);
    }
    byte[] out = new byte[(int) size];
    int done = 0;
    while (done < out.length) {
      if (pos == lim) {
        base += lim;
        pos = 0;
        lim = 0;
        if (!readSome()) {
          throw new EOFException("layer tar ends inside the " + what + " at byte " + headerAt);
        }
      }
      int n = Math.min(lim - pos, out.length - done);
      System.arraycopy(buf, pos, out, done, n);
      pos += n;
      done += n;
    }
    skip(pad(size), "the " + what + " at byte " + headerAt);
    return out;
  }

  private static String cString(byte[] b) {
    return cString(b, 0, b.length);
  }

  private static String cString(byte[] b, int off, int len) {
    int n = 0;
    while (n < len && b[off + n] != 0) {
      n++;
    }
    return new String(b, off, n, StandardCharsets.UTF_8);
  }

  private boolean isZeroBlock(int h) {
    for (int i = h; i < h + BLOCK; i += 8) {
      if (buf[i] != 0 || buf[i + 1] != 0 || buf[i + 2] != 0 || buf[i + 3] != 0 || buf[i + 4] != 0
          || buf[i + 5] != 0 || buf[i + 6] != 0 || buf[i + 7] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The checksum counts the header with its own field as spaces; old tars summed signed bytes. */
  private void checkChecksum(int h, long headerAt) throws IOException {
    long unsigned = 8 * ' ';
    long signed = 8 * ' ';
    for (int i = h; i < h + 148; i++) {
      unsigned += buf[i] & 0xff;
      signed += buf[i];
    }
    for (int i = h + 156; i < h + BLOCK; i++) {
      unsigned += buf[i] & 0xff;
      signed += buf[i];
    }
    long stored = number(h + 148, 8, "checksum", headerAt);
    if (stored != unsigned && stored != signed) {
      throw new IOException("layer tar is corrupt: header checksum mismatch at byte " + headerAt);
    }
  }

  private long number(int off, int len, String field, long headerAt) throws IOException {
    long v = signedNumber(off, len, field, headerAt);
    if (v < 0) {
      throw new IOException("layer tar header at byte " + headerAt + " has a negative " + field);
    }
    return v;
  }

  /**
   * An octal field (leading spaces, digits, then NULs or spaces), or GNU's base-256 form: the first
   * byte 0x80 (positive) or 0xff (negative), the rest big-endian two's complement.
   */
  private long signedNumber(int off, int len, String field, long headerAt) throws IOException {
    int first = buf[off] & 0xff;
    if (first == 0x80 || first == 0xff) {
      long v = first == 0xff ? -1 : 0;
      for (int i = off + 1; i < off + len; i++) {
        if ((v >> 55) != 0 && (v >> 55) != -1) {
          throw new IOException("layer tar header at byte " + headerAt + " has a " + field + " out of range");
        }
        v = (v << 8) | (buf[i] & 0xff);
      }
      return v;
    }
    int i = off;
    int end = off + len;
    while (i < end && buf[i] == ' ') {
      i++;
    }
    long v = 0;
    while (i < end && buf[i] >= '0' && buf[i] <= '7') {
      if ((v >>> 60) != 0) {
        throw new IOException("layer tar header at byte " + headerAt + " has a " + field + " out of range");
      }
      v = (v << 3) | (buf[i] - '0');
      i++;
    }
    for (; i < end; i++) {
      if (buf[i] != 0 && buf[i] != ' ') {
        throw new IOException("layer tar header at byte " + headerAt + " has a malformed " + field + " field");
      }
    }
    return v;
  }

  private static long pad(long size) {
    return (BLOCK - (size & (BLOCK - 1))) & (BLOCK - 1);
  }

  /** Makes {@code n} bytes (at most a block) available from {@code pos}; false at the end of the stream. */
  private boolean ensure(int n) throws IOException {
    if (lim - pos >= n) {
      return true;
    }
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, lim - pos);
      base += pos;
      lim -= pos;
      pos = 0;
    }
    while (lim < n) {
      if (!readSome()) {
        return false;
      }
    }
    return true;
  }

  /** Reads what the stream gives into the free end of the buffer; false at its end. */
  private boolean readSome() throws IOException {
    if (eof) {
      return false;
    }
    int r;
    do {
      r = in.read(buf, lim, buf.length - lim);
    } while (r == 0);
    if (r < 0) {
      eof = true;
      return false;
    }
    lim += r;
    return true;
  }

  /** Discards {@code n} bytes of the stream, which are part of {@code what}. */
  private void skip(long n, String what) throws IOException {
    while (n > 0) {
      if (pos == lim) {
        base += lim;
        pos = 0;
        lim = 0;
        if (!readSome()) {
          throw new EOFException("layer tar ends inside " + what);
        }
      }
      int take = (int) Math.min(lim - pos, n);
      pos += take;
      n -= take;
    }
  }
}
