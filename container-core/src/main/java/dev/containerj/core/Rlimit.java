package dev.containerj.core;

import java.util.Locale;

/**
 * A resource limit of the payload (setrlimit(2)), as {@code --ulimit nofile=1024:2048}.
 *
 * @param resource which limit
 * @param soft the soft limit, or {@link #UNLIMITED}
 * @param hard the hard limit (at least the soft one), or {@link #UNLIMITED}
 */
public record Rlimit(Resource resource, long soft, long hard) {
  /** RLIM_INFINITY. */
  public static final long UNLIMITED = -1L;

  /** The limits of setrlimit(2), with their Linux numbers. */
  public enum Resource {
    CPU(0), FSIZE(1), DATA(2), STACK(3), CORE(4), RSS(5), NPROC(6), NOFILE(7), MEMLOCK(8), AS(9),
    LOCKS(10), SIGPENDING(11), MSGQUEUE(12), NICE(13), RTPRIO(14), RTTIME(15);

    private final int number;

    Resource(int number) {
      this.number = number;
    }

    /** The resource number of setrlimit(2). */
    public int number() {
      return number;
    }
  }

  /**
   * A limit.
   *
   * @throws SpecValidationException when a value is negative (other than {@link #UNLIMITED}) or the
   *     soft limit exceeds the hard one
   */
  public Rlimit {
    if (soft < UNLIMITED || hard < UNLIMITED) {
      throw SpecValidationException.of("rlimit " + resource.name().toLowerCase(Locale.ROOT), soft + ":" + hard,
          "must be >= 0 or unlimited");
    }
    if (hard != UNLIMITED && (soft == UNLIMITED || soft > hard)) {
      throw SpecValidationException.of("rlimit " + resource.name().toLowerCase(Locale.ROOT), soft + ":" + hard,
          "soft limit must not exceed the hard limit");
    }
  }

  /** Parses {@code name=soft[:hard]} as Docker's {@code --ulimit} ({@code nofile=1024:2048}). */
  public static Rlimit parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0) {
      throw SpecValidationException.of("ulimit", text, "must be NAME=SOFT[:HARD]");
    }
    Resource r;
    try {
      r = Resource.valueOf(text.substring(0, eq).trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw SpecValidationException.of("ulimit", text, "must name a limit of setrlimit(2)");
    }
    String[] v = text.substring(eq + 1).split(":", -1);
    if (v.length > 2) {
      throw SpecValidationException.of("ulimit", text, "must be NAME=SOFT[:HARD]");
    }
    try {
      long soft = parseValue(v[0]);
      long hard = v.length == 2 ? parseValue(v[1]) : soft;
      return new Rlimit(r, soft, hard);
    } catch (NumberFormatException e) {
      throw SpecValidationException.of("ulimit", text, "values must be numbers or 'unlimited'");
    }
  }

  private static long parseValue(String s) {
    return s.equals("unlimited") || s.equals("-1") ? UNLIMITED : Long.parseLong(s);
  }
}
