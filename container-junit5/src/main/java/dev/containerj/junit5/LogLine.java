package dev.containerj.junit5;

import java.util.Objects;

/**
 * One line that a container wrote, without its line terminator.
 *
 * @param source the stream it came from
 * @param text the line's text (decoded as UTF-8; malformed bytes become U+FFFD)
 */
public record LogLine(Source source, String text) {
  /** The stream of a line. */
  public enum Source {
    /** The payload's standard output. */
    STDOUT,
    /** The payload's standard error. */
    STDERR
  }

  /**
   * Checks that neither component is null.
   *
   * @param source the stream it came from
   * @param text the line's text (decoded as UTF-8; malformed bytes become U+FFFD)
   */
  public LogLine {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(text, "text");
  }

  /** {@code "STDOUT: text"}: the form of the lines in failure messages and test reports. */
  @Override
  public String toString() {
    return source + ": " + text;
  }
}
