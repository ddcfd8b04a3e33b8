package dev.containerj.namespaces;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a standard stream of a launched process goes: a pipe to Java, the JVM's own stream, a file,
 * or nowhere ({@code /dev/null}).
 */
public final class Redirect {
  /** The kind of a redirect. */
  public enum Type {
    /** A pipe; Java reads or writes it through the process handle's streams. */
    PIPE,
    /** The JVM's own stdin, stdout or stderr. */
    INHERIT,
    /** /dev/null. */
    DISCARD,
    /** A file on the host: read for stdin; created or truncated (or appended) for output. */
    FILE
  }

  public static final Redirect PIPE = new Redirect(Type.PIPE, null, false);
  public static final Redirect INHERIT = new Redirect(Type.INHERIT, null, false);
  public static final Redirect DISCARD = new Redirect(Type.DISCARD, null, false);

  private final Type type;
  private final @Nullable Path file;
  private final boolean append;

  private Redirect(Type type, @Nullable Path file, boolean append) {
    this.type = type;
    this.file = file;
    this.append = append;
  }

  /** A file on the host, truncated when used for output. */
  public static Redirect file(Path file) {
    return new Redirect(Type.FILE, file.toAbsolutePath(), false);
  }

  /** A file on the host that output is appended to. */
  public static Redirect appendTo(Path file) {
    return new Redirect(Type.FILE, file.toAbsolutePath(), true);
  }

  public Type type() {
    return type;
  }

  /** The file for {@link Type#FILE}, else null. */
  public @Nullable Path file() {
    return file;
  }

  public boolean append() {
    return append;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Redirect r && r.type == type && Objects.equals(r.file, file) && r.append == append;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, file, append);
  }

  @Override
  public String toString() {
    return type == Type.FILE ? (append ? "append:" : "file:") + file : type.name().toLowerCase(java.util.Locale.ROOT);
  }
}
