package dev.containerj.oci;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One hook of a runtime-spec {@code config.json} ({@code hooks.prestart[i]}, ...): a program the
 * runtime runs in its own namespaces, with the container's state JSON on stdin.
 *
 * @param path the absolute path of the program, on the host
 * @param args its argv, the first being its name (empty: {@code [path]})
 * @param env its environment as {@code NAME=value} lines (empty: an empty environment)
 * @param timeoutSeconds seconds after which the runtime kills it and fails, or null for no limit
 */
public record OciHook(String path, List<String> args, List<String> env, @Nullable Integer timeoutSeconds) {
  /**
   * Copies the lists; checks that the path is absolute and the timeout positive, as the spec says.
   *
   * @param path the absolute path of the program, on the host
   * @param args its argv, the first being its name (empty: {@code [path]})
   * @param env its environment as {@code NAME=value} lines (empty: an empty environment)
   * @param timeoutSeconds seconds after which the runtime kills it and fails, or null for no limit
   * @throws IllegalArgumentException when the path is not absolute or the timeout is not positive
   */
  public OciHook {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("hook path must be absolute: " + path);
    }
    if (timeoutSeconds != null && timeoutSeconds <= 0) {
      throw new IllegalArgumentException("hook timeout must be > 0: " + timeoutSeconds);
    }
    args = List.copyOf(args);
    env = List.copyOf(env);
  }

  /** {@return the argv to execute: {@link #args()}, or the path alone when there are none} */
  public List<String> argv() {
    return args.isEmpty() ? List.of(path) : args;
  }
}
