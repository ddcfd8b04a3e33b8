package dev.containerj.cgroups.internal;

import dev.containerj.linux.InvalidValueException;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** Checks a cgroup name given to a manager: relative, below the parent, plain characters. */
final class Names {
  private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_@:+=,.-]+");

  private Names() {}

  /**
   * The components of {@code name}.
   *
   * @throws InvalidValueException naming the value and the rule it breaks
   */
  static List<String> components(String name) {
    if (name.isEmpty()) {
      throw new InvalidValueException("cgroup name", "\"\"", "must not be empty");
    }
    if (name.startsWith("/")) {
      throw new InvalidValueException("cgroup name", "\"" + name + "\"", "must be relative to the parent, not absolute");
    }
    List<String> parts = Arrays.asList(name.split("/", -1));
    for (String p : parts) {
      if (p.equals("..") || p.equals(".")) {
        throw new InvalidValueException("cgroup name", "\"" + name + "\"",
            "must stay below the parent (no \".\" or \"..\" component)");
      }
      if (p.isEmpty()) {
        throw new InvalidValueException("cgroup name", "\"" + name + "\"", "must not have empty components");
      }
      if (!COMPONENT.matcher(p).matches()) {
        throw new InvalidValueException("cgroup name", "\"" + name + "\"", "must use only letters, digits and _@:+=,.-");
      }
    }
    return parts;
  }
}
