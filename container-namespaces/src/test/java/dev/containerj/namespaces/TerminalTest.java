package dev.containerj.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.TtyLibC;
import org.junit.jupiter.api.Test;

/**
 * {@link Terminal} on a real pseudo-terminal (a master of /dev/ptmx, pts(4)) and on a descriptor
 * that is none.
 */
class TerminalTest {
  /** c_lflag of struct termios (after c_iflag, c_oflag, c_cflag); ICANON and ECHO of termios(3). */
  private static final int C_LFLAG = 12;
  private static final int ICANON = 0x2;
  private static final int ECHO = 0x8;
  private static final long TIOCSPTLCK = 0x40045431L;
  private static final long TIOCGPTPEER = 0x5441L;
  private static final int O_NOCTTY = 0400;

  @Test
  void rawModeIsEnteredAndGivenBack() {
    int master = LibC.open("/dev/ptmx", Constants.O_RDWR | Constants.O_CLOEXEC, 0);
    int pts = -1;
    try {
      Memory unlock = new Memory(4);
      unlock.setInt(0, 0);
      TtyLibC.ioctl(master, TIOCSPTLCK, unlock);
      // TIOCGPTPEER (ioctl_tty(2)) opens the master's peer: the terminal side a program sees.
      pts = TtyLibC.ioctl(master, TIOCGPTPEER, new Pointer(Constants.O_RDWR | O_NOCTTY | Constants.O_CLOEXEC));
      assertThat(Terminal.isTerminal(pts)).isTrue();
      TtyLibC.setWindowSize(master, 100, 30);
      assertThat(Terminal.size(pts)).contains(new Terminal.Size(100, 30));
      int before = lflag(pts);
      assertThat(before & (ICANON | ECHO)).as("a new pty is cooked").isEqualTo(ICANON | ECHO);
      try (Terminal.RawMode raw = Terminal.enterRawMode(pts).orElseThrow()) {
        assertThat(lflag(pts) & (ICANON | ECHO)).as("raw: no line editing, no echo").isZero();
        raw.close(); // idempotent: the second close at the end of the block changes nothing
      }
      assertThat(lflag(pts)).isEqualTo(before);
    } finally {
      if (pts >= 0) {
        LibC.close(pts);
      }
      LibC.close(master);
    }
  }

  @Test
  void aFileIsNoTerminal() {
    int fd = LibC.open("/proc/self/status", Constants.O_RDONLY | Constants.O_CLOEXEC, 0);
    try {
      assertThat(Terminal.isTerminal(fd)).isFalse();
      assertThat(Terminal.size(fd)).isEmpty();
      assertThat(Terminal.enterRawMode(fd)).isEmpty();
    } finally {
      LibC.close(fd);
    }
  }

  private static int lflag(int fd) {
    Memory termios = new Memory(TtyLibC.TERMIOS_SIZE);
    TtyLibC.tcgetattr(fd, termios);
    return termios.getInt(C_LFLAG);
  }
}
