package dev.containerj.layers.internal;

import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The registries configuration: a subset of containers-registries.conf(5) (TOML), enough for
 * insecure registries, blocked ones and mirrors:
 *
 * <pre>
 * [[registry]]
 * location = "registry.example:5000"
 * insecure = true          # plain HTTP, or HTTPS without verification
 * [[registry.mirror]]
 * location = "127.0.0.1:5001"
 * insecure = true
 * </pre>
 *
 * Anything else is refused with the file and line, so a typo does not silently change nothing.
 */
public final class RegistriesConf {
  /** One {@code [[registry]]} table. */
  public record Entry(String location, boolean insecure, boolean blocked, List<Mirror> mirrors) {}

  /** One {@code [[registry.mirror]]} table. */
  public record Mirror(String location, boolean insecure) {}

  private final List<Entry> entries;

  private RegistriesConf(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** No configuration: every registry over verified HTTPS, no mirrors. */
  public static final RegistriesConf EMPTY = new RegistriesConf(List.of());

  /** Where the configuration is read from by default (see PullOptions). */
  public static Path defaultPath(Map<String, String> env) {
    if (LibC.geteuid() == 0) {
      return Path.of("/etc/containerj/registries.conf");
    }
    return AuthFiles.xdgConfigHome(env).resolve("containerj").resolve("registries.conf");
  }

  /**
   * Reads {@code file}, else the one the system property {@code containerj.registriesConf} or the
   * environment variable {@code CONTAINERJ_REGISTRIES_CONF} names, else the default one; a missing
   * default file is an empty configuration.
   */
  public static RegistriesConf load(@Nullable Path file) throws IOException {
    if (file == null) {
      String named = System.getProperty("containerj.registriesConf", System.getenv("CONTAINERJ_REGISTRIES_CONF"));
      if (named != null && !named.isEmpty()) {
        file = Path.of(named);
      }
    }
    Path p = file != null ? file : defaultPath(System.getenv());
    if (!Files.isRegularFile(p)) {
      if (file != null) {
        throw new java.nio.file.NoSuchFileException(p.toString(), null, "registries configuration not found");
      }
      return EMPTY;
    }
    return parse(Files.readString(p), p.toString());
  }

  static RegistriesConf parse(String text, String name) throws IOException {
    List<Entry> out = new ArrayList<>();
    String table = null;
    String location = null;
    boolean insecure = false;
    boolean blocked = false;
    List<Mirror> mirrors = new ArrayList<>();
    String mLocation = null;
    boolean mInsecure = false;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i <= lines.length; i++) {
      String line = i < lines.length ? stripComment(lines[i]).trim() : "[[end]]";
      if (line.isEmpty()) {
        continue;
      }
      String where = name + ":" + (i + 1);
      if (line.startsWith("[")) {
        if ("registry.mirror".equals(table) && mLocation != null) {
          mirrors.add(new Mirror(mLocation, mInsecure));
        } else if ("registry.mirror".equals(table)) {
          throw new IOException(where + ": [[registry.mirror]] before it has no location");
        }
        boolean closesRegistry = !line.equals("[[registry.mirror]]");
        if (closesRegistry && table != null) {
          if (location == null) {
            throw new IOException(where + ": the [[registry]] before this line has no location");
          }
          out.add(new Entry(location, insecure, blocked, mirrors));
          location = null;
          insecure = false;
          blocked = false;
          mirrors = new ArrayList<>();
        }
        if (line.equals("[[end]]") && i == lines.length) {
          break;
        }
        if (line.equals("[[registry]]")) {
          table = "registry";
        } else if (line.equals("[[registry.mirror]]")) {
          if (table == null) {
            throw new IOException(where + ": [[registry.mirror]] outside a [[registry]]");
          }
          table = "registry.mirror";
          mLocation = null;
          mInsecure = false;
        } else {
          throw new IOException(where + ": unsupported table " + line + " (supported: [[registry]], [[registry.mirror]])");
        }
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0 || table == null) {
        throw new IOException(where + ": expected KEY = VALUE inside a [[registry]] table: " + line);
      }
      String key = line.substring(0, eq).trim();
      String value = line.substring(eq + 1).trim();
      if (table.equals("registry")) {
        switch (key) {
          case "location" -> location = string(value, where, key);
          case "insecure" -> insecure = bool(value, where, key);
          case "blocked" -> blocked = bool(value, where, key);
          default -> throw new IOException(where + ": unsupported key '" + key
              + "' in [[registry]] (supported: location, insecure, blocked)");
        }
      } else {
        switch (key) {
          case "location" -> mLocation = string(value, where, key);
          case "insecure" -> mInsecure = bool(value, where, key);
          default -> throw new IOException(where + ": unsupported key '" + key
              + "' in [[registry.mirror]] (supported: location, insecure)");
        }
      }
    }
    return new RegistriesConf(out);
  }

  private static String stripComment(String line) {
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '#' && !quoted) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private static String string(String v, String where, String key) throws IOException {
    if (v.length() < 2 || !v.startsWith("\"") || !v.endsWith("\"") || v.substring(1, v.length() - 1).contains("\"")) {
      throw new IOException(where + ": " + key + " must be a \"quoted string\": " + v);
    }
    return v.substring(1, v.length() - 1);
  }

  private static boolean bool(String v, String where, String key) throws IOException {
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new IOException(where + ": " + key + " must be true or false: " + v);
  }

  /** The entry for a registry host, if configured. */
  public @Nullable Entry find(String registry) {
    for (Entry e : entries) {
      if (e.location().equals(registry)) {
        return e;
      }
    }
    return null;
  }

  public List<Entry> entries() {
    return entries;
  }
}
