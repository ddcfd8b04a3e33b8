package dev.containerj.namespaces;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The signals a container's processes are commonly sent (signal(7); x86_64 and aarch64 numbers). */
public enum Signal {
  /**
   * Hangup of the controlling terminal, or death of its controlling process; daemons reload on it.
   */
  SIGHUP(1),
  /** Interrupt from the keyboard (Ctrl-C). */
  SIGINT(2),
  /** Quit from the keyboard (Ctrl-\); dumps core. */
  SIGQUIT(3),
  /** Illegal instruction. */
  SIGILL(4),
  /** Trace or breakpoint trap. */
  SIGTRAP(5),
  /** Abort, as abort(3) raises it. */
  SIGABRT(6),
  /** Bus error (bad memory access). */
  SIGBUS(7),
  /** Arithmetic exception. */
  SIGFPE(8),
  /** Kill; cannot be caught, blocked or ignored. */
  SIGKILL(9),
  /** User-defined signal 1. */
  SIGUSR1(10),
  /** Invalid memory reference. */
  SIGSEGV(11),
  /** User-defined signal 2. */
  SIGUSR2(12),
  /** Write to a pipe or socket with no reader. */
  SIGPIPE(13),
  /** Timer signal from alarm(2). */
  SIGALRM(14),
  /** Termination request; what a stop sends first. */
  SIGTERM(15),
  /** A child stopped or ended. */
  SIGCHLD(17),
  /** Continue a stopped process. */
  SIGCONT(18),
  /** Stop; cannot be caught, blocked or ignored. */
  SIGSTOP(19),
  /** Stop typed at the terminal (Ctrl-Z). */
  SIGTSTP(20),
  /** Terminal input for a background process. */
  SIGTTIN(21),
  /** Terminal output for a background process. */
  SIGTTOU(22),
  /** Urgent condition on a socket. */
  SIGURG(23),
  /** CPU time limit (RLIMIT_CPU) exceeded. */
  SIGXCPU(24),
  /** File size limit (RLIMIT_FSIZE) exceeded. */
  SIGXFSZ(25),
  /** Virtual alarm clock. */
  SIGVTALRM(26),
  /** Profiling timer expired. */
  SIGPROF(27),
  /** The terminal window size changed. */
  SIGWINCH(28),
  /** I/O is possible on a descriptor. */
  SIGIO(29),
  /** Power failure. */
  SIGPWR(30),
  /** Bad system call; also what seccomp's TRAP action sends. */
  SIGSYS(31);

  private static final Signal[] BY_NUMBER = new Signal[32];

  static {
    for (Signal s : values()) {
      BY_NUMBER[s.number] = s;
    }
  }

  /** The signal's number on x86_64 and aarch64. */
  private final int number;

  Signal(int number) {
    this.number = number;
  }

  /** {@return the signal's number, as kill(2) takes it} */
  public int number() {
    return number;
  }

  /**
   * {@return the signal with this number, or null for a real-time or unknown one}
   *
   * @param number a signal number
   */
  public static @Nullable Signal of(int number) {
    return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
  }

  /**
   * {@return {@code "TERM"}, {@code "SIGTERM"} or {@code "15"}}
   *
   * @param text a name with or without {@code SIG}, in any case, or a number
   * @throws dev.containerj.linux.InvalidValueException naming the text when it is no signal of this enum
   */
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
    throw new dev.containerj.linux.InvalidValueException("signal", text, "must be a signal of signal(7), by name or number");
  }
}
