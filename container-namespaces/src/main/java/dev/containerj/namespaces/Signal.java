package dev.containerj.namespaces;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The signals a container's processes are commonly sent (signal(7); x86_64 and aarch64 numbers). */
public enum Signal {
  SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGILL(4), SIGTRAP(5), SIGABRT(6), SIGBUS(7), SIGFPE(8),
  SIGKILL(9), SIGUSR1(10), SIGSEGV(11), SIGUSR2(12), SIGPIPE(13), SIGALRM(14), SIGTERM(15),
  SIGCHLD(17), SIGCONT(18), SIGSTOP(19), SIGTSTP(20), SIGTTIN(21), SIGTTOU(22), SIGURG(23),
  SIGXCPU(24), SIGXFSZ(25), SIGVTALRM(26), SIGPROF(27), SIGWINCH(28), SIGIO(29), SIGPWR(30),
  SIGSYS(31);

  private static final Signal[] BY_NUMBER = new Signal[32];

  static {
    for (Signal s : values()) {
      BY_NUMBER[s.number] = s;
    }
  }

  private final int number;

  Signal(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }

  /** The signal with this number, or null for a real-time or unknown one. */
  public static @Nullable Signal of(int number) {
    return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
  }

  /** {@code "TERM"}, {@code "SIGTERM"} or {@code "15"}. */
  public static Signal parse(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT);
    try {
      Signal s = of(Integer.parseInt(t));
      if (s != null) {
        return s;
      }
    } catch (NumberFormatException e) {
      try {
        return valueOf(t.startsWith("SIG") ? t : "SIG" + t);
      } catch (IllegalArgumentException ignored) {
        // fall through
      }
    }
    throw new IllegalArgumentException("unknown signal (see signal(7)): " + text);
  }
}
