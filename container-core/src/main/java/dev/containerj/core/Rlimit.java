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
    /** CPU time in seconds; SIGXCPU at the soft limit. */
    CPU(0),
    /** Largest file the process may create, in bytes; SIGXFSZ beyond. */
    FSIZE(1),
    /** Data segment and heap size in bytes. */
    DATA(2),
    /** Main thread stack size in bytes. */
    STACK(3),
    /** Largest core dump in bytes; 0 disables them. */
    CORE(4),
    /** Resident set size in bytes; ignored by Linux since 2.6. */
    RSS(5),
    /**
     * Processes and threads of the real user id (counted across the whole host user, not per
     * container).
     */
    NPROC(6),
    /** Highest file descriptor number plus one. */
    NOFILE(7),
    /** Memory that may be locked into RAM, in bytes. */
    MEMLOCK(8),
    /** Virtual address space in bytes. */
    AS(9),
    /** flock(2) and fcntl(2) leases; ignored by Linux since 2.4.25. */
    LOCKS(10),
    /** Signals that may be queued for the real user id. */
    SIGPENDING(11),
    /** Bytes of POSIX message queues of the real user id. */
    MSGQUEUE(12),
    /** Ceiling of the nice value, as 20 - nice. */
    NICE(13),
    /** Ceiling of the real-time priority. */
    RTPRIO(14),
    /** CPU time in microseconds a real-time task may use without a blocking call. */
    RTTIME(15);

    private final int number;

    Resource(int number) {
      this.number = number;
    }

    /** {@return the resource number of setrlimit(2)} */
    public int number() {
      return number;
    }
  }

  /**
   * A limit.
   *
   * @param resource the resource limited
   * @param soft the soft limit, or {@link #UNLIMITED}
   * @param hard the hard limit (at least the soft one), or {@link #UNLIMITED}
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

  /**
   * Parses {@code name=soft[:hard]} as Docker's {@code --ulimit} ({@code nofile=1024:2048}).
   *
   * @param text the {@code --ulimit} value; a value may be {@code unlimited} or {@code -1}
   * @return the limit
   * @throws IllegalArgumentException naming the text when the form, the name or a value is wrong
   */
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
