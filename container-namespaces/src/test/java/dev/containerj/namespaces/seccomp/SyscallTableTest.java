package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.Arch;
import dev.containerj.namespaces.seccomp.internal.SyscallTable;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyscallTableTest {

  @Test
  void x86_64NumbersAreTheKernelsOnes() {
    SyscallTable t = SyscallTable.of(SeccompArch.X86_64);
    assertThat(t.number("read")).isZero();
    assertThat(t.number("getpid")).isEqualTo(39);
    assertThat(t.number("clone")).isEqualTo(56);
    assertThat(t.number("keyctl")).isEqualTo(250);
    assertThat(t.number("open")).isEqualTo(2);
    assertThat(t.number("uretprobe")).isEqualTo(335);
    assertThat(t.number("no_such_call")).isEqualTo(-1);
    assertThat(t.numbers()).hasSizeGreaterThan(370);
  }

  @Test
  void aarch64UsesTheGenericTable() {
    SyscallTable t = SyscallTable.of(SeccompArch.AARCH64);
    assertThat(t.number("io_setup")).isZero();
    assertThat(t.number("getpid")).isEqualTo(172);
    assertThat(t.number("clone")).isEqualTo(220);
    assertThat(t.number("openat")).isEqualTo(56);
    assertThat(t.number("open")).as("aarch64 has no open(2)").isEqualTo(-1);
    assertThat(t.numbers()).hasSizeGreaterThan(310);
  }

  @Test
  void callsSince5_1ShareOneNumberAndEveryNumberHasOneName() {
    for (SeccompArch arch : SeccompArch.values()) {
      SyscallTable t = SyscallTable.of(arch);
      assertThat(t.number("pidfd_open")).isEqualTo(434);
      assertThat(t.number("clone3")).isEqualTo(435);
      assertThat(t.number("close_range")).isEqualTo(436);
      assertThat(t.number("io_uring_setup")).isEqualTo(425);
      assertThat(t.number("file_setattr")).isEqualTo(469);
      Set<Integer> seen = new HashSet<>();
      t.numbers().forEach((name, nr) -> assertThat(seen.add(nr)).as("%s %s=%d", arch, name, nr).isTrue());
    }
  }

  @Test
  void unifiedNumbersAgreeWithContainerLinux() {
    SyscallTable t = SyscallTable.of(SeccompArch.current());
    assertThat(t.number("pidfd_send_signal")).isEqualTo(Arch.SYS_PIDFD_SEND_SIGNAL);
    assertThat(t.number("pidfd_open")).isEqualTo(Arch.SYS_PIDFD_OPEN);
    assertThat(t.number("mount_setattr")).isEqualTo(Arch.SYS_MOUNT_SETATTR);
  }
}
