package dev.containerj.core.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The record of one live container, stored as a flat JSON object. Hand-written on purpose: it is
 * written on every start, and a JSON library's first use would cost more than the rest of the start.
 *
 * @param id container id
 * @param pid the container's pid 1 in the host's pid namespace
 * @param pidStartTime its start time (field 22 of /proc/PID/stat)
 * @param ownerPid the JVM that started it
 * @param ownerStartTime the JVM's start time
 * @param detached whether it outlives its owner
 * @param createdMillis when it started (epoch milliseconds)
 * @param command the payload's argv[0]
 * @param cgroup the container's cgroup relative to its owner's, or "" when it has none
 */
public record StateRecord(String id, int pid, long pidStartTime, int ownerPid, long ownerStartTime,
    boolean detached, long createdMillis, String command, String cgroup) {

  public String toJson() {
    return "{\"id\":" + quote(id) + ",\"pid\":" + pid + ",\"pidStartTime\":" + pidStartTime
        + ",\"ownerPid\":" + ownerPid + ",\"ownerStartTime\":" + ownerStartTime
        + ",\"detached\":" + detached + ",\"created\":" + createdMillis
        + ",\"command\":" + quote(command) + ",\"cgroup\":" + quote(cgroup) + "}\n";
  }

  /** Parses what {@link #toJson()} wrote. */
  public static StateRecord fromJson(String json) {
    Map<String, String> m = parseFlat(json.trim());
    try {
      return new StateRecord(req(m, "id"), Integer.parseInt(req(m, "pid")),
          Long.parseLong(req(m, "pidStartTime")), Integer.parseInt(req(m, "ownerPid")),
          Long.parseLong(req(m, "ownerStartTime")), Boolean.parseBoolean(req(m, "detached")),
          Long.parseLong(req(m, "created")), m.getOrDefault("command", ""), m.getOrDefault("cgroup", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad state record: " + json, e);
    }
  }

  private static String req(Map<String, String> m, String k) {
    String v = m.get(k);
    if (v == null) {
      throw new IllegalArgumentException("state record lacks " + k);
    }
    return v;
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** A flat object of strings, numbers and booleans. */
  static Map<String, String> parseFlat(String s) {
    Map<String, String> m = new HashMap<>();
    if (!s.startsWith("{") || !s.endsWith("}")) {
      throw new IllegalArgumentException("not a JSON object: " + s);
    }
    int i = 1;
    int n = s.length() - 1;
    while (i < n) {
      char c = s.charAt(i);
      if (c == ',' || Character.isWhitespace(c)) {
        i++;
        continue;
      }
      StringBuilder key = new StringBuilder();
      i = readString(s, i, key);
      while (s.charAt(i) != ':') {
        i++;
      }
      i++;
      while (Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      if (s.charAt(i) == '"') {
        StringBuilder v = new StringBuilder();
        i = readString(s, i, v);
        m.put(key.toString(), v.toString());
      } else {
        int j = i;
        while (j < n && s.charAt(j) != ',' && s.charAt(j) != '}') {
          j++;
        }
        m.put(key.toString(), s.substring(i, j).trim());
        i = j;
      }
    }
    return m;
  }

  private static int readString(String s, int i, StringBuilder out) {
    if (s.charAt(i) != '"') {
      throw new IllegalArgumentException("expected a string at " + i + ": " + s);
    }
    i++;
    while (s.charAt(i) != '"') {
      char c = s.charAt(i);
      if (c == '\\') {
        char e = s.charAt(i + 1);
        if (e == 'u') {
          out.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        out.append(e);
        i += 2;
        continue;
      }
      out.append(c);
      i++;
    }
    return i + 1;
  }
}
