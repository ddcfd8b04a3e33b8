package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The public values of the seccomp API: their text, equality, and the small rules they carry. */
class SeccompValuesTest {
  private static final long[] NO_ARGS = new long[6];

  /** Recompile in every test: a cached program would hide a changed compiler from PIT. */
  @BeforeEach
  void clearSeccompCaches() {
    SeccompProfile.clearCachesForTests();
  }

  @Test
  void conditionsPrintAsTheyTest() {
    assertThat(ArgCondition.eq(0, 10)).hasToString("arg0 == 0xa");
    assertThat(ArgCondition.ne(1, 11)).hasToString("arg1 != 0xb");
    assertThat(ArgCondition.lt(2, 12)).hasToString("arg2 < 0xc");
    assertThat(ArgCondition.le(3, 13)).hasToString("arg3 <= 0xd");
    assertThat(ArgCondition.gt(4, 14)).hasToString("arg4 > 0xe");
    assertThat(ArgCondition.ge(5, 15)).hasToString("arg5 >= 0xf");
    assertThat(ArgCondition.maskedEq(0, 0xff00, 0x100)).hasToString("(arg0 & 0xff00) == 0x100");
  }

  @Test
  void actionsKnowTheirKernelValuesAndWhetherTheyPermit() {
    assertThat(SeccompAction.Kind.ALLOW.ret()).isEqualTo(0x7fff0000);
    assertThat(SeccompAction.Kind.KILL_PROCESS.ret()).isEqualTo(0x80000000);
    assertThat(SeccompAction.ALLOW.permits()).isTrue();
    assertThat(SeccompAction.LOG.permits()).isTrue();
    assertThat(SeccompAction.errno(1).permits()).isFalse();
    assertThat(SeccompAction.KILL_PROCESS.permits()).isFalse();
    assertThat(SeccompAction.TRAP.permits()).isFalse();
    assertThat(SeccompAction.errno(1)).hasToString("ERRNO(1)");
    assertThat(SeccompAction.errno(0)).hasToString("ERRNO(0)");
    assertThat(SeccompAction.trace(7)).hasToString("TRACE(7)");
    assertThat(new SeccompAction(SeccompAction.Kind.TRAP, 3)).hasToString("TRAP(3)");
    assertThat(SeccompAction.TRAP).hasToString("TRAP");
    assertThat(SeccompAction.ALLOW).hasToString("ALLOW");
    // data limits, inclusive
    assertThat(SeccompAction.errno(SeccompAction.MAX_ERRNO).data()).isEqualTo(4095);
    assertThatThrownBy(() -> SeccompAction.errno(-1)).hasMessage("errno of an ERRNO action must be in 0..4095: -1");
    assertThat(SeccompAction.trace(0xffff).data()).isEqualTo(0xffff);
    assertThatThrownBy(() -> SeccompAction.trace(0x10000)).hasMessage("data of a TRACE action must be in 0..65535: 65536");
    assertThatThrownBy(() -> SeccompAction.trace(-1)).hasMessage("data of a TRACE action must be in 0..65535: -1");
    assertThatThrownBy(() -> new SeccompAction(SeccompAction.Kind.ALLOW, 1)).hasMessage("data of a ALLOW action must be 0 (it takes no data): 1");
    // what the kernel reads from a filter's return value
    assertThat(SeccompAction.fromRet(0x00050007)).isEqualTo(SeccompAction.errno(7));
    assertThat(SeccompAction.fromRet(0x0005ffff)).isEqualTo(SeccompAction.errno(4095));
    assertThat(SeccompAction.fromRet(0x7ff00009)).isEqualTo(SeccompAction.trace(9));
    assertThat(SeccompAction.fromRet(0x00030002)).isEqualTo(new SeccompAction(SeccompAction.Kind.TRAP, 2));
    assertThat(SeccompAction.fromRet(0x7fff0001)).isEqualTo(SeccompAction.ALLOW);
    assertThat(SeccompAction.fromRet(0x00000000)).isEqualTo(SeccompAction.KILL_THREAD);
    assertThat(SeccompAction.fromRet(0x12340000)).as("unknown action").isEqualTo(SeccompAction.KILL_PROCESS);
  }

  @Test
  void architecturesPrintTheirKernelName() {
    assertThat(SeccompArch.X86_64.kernelName()).isEqualTo("x86_64");
    assertThat(SeccompArch.AARCH64).hasToString("aarch64");
    assertThat(SeccompArch.X86_64.auditArch()).isEqualTo(0xC000003E);
  }

  @Test
  void rulesApplyToTheirArchitecturesAndPrint() {
    SeccompRule any = SeccompRule.of("read", SeccompAction.ALLOW);
    SeccompRule x86 = SeccompRule.of("ioctl", SeccompAction.errno(1), ArgCondition.eq(1, 0x5412)).onlyOn(SeccompArch.X86_64);
    assertThat(any.appliesTo(SeccompArch.AARCH64)).isTrue();
    assertThat(x86.appliesTo(SeccompArch.X86_64)).isTrue();
    assertThat(x86.appliesTo(SeccompArch.AARCH64)).isFalse();
    assertThat(any).hasToString("read -> ALLOW");
    assertThat(x86).hasToString("ioctl if [arg1 == 0x5412] -> ERRNO(1) on [x86_64]");
    // an arch-restricted rule is not applied on another architecture
    SeccompProfile p = SeccompProfile.builder(SeccompAction.ALLOW).rule(x86).build();
    long[] tiocsti = {0, 0x5412, 0, 0, 0, 0};
    assertThat(p.evaluate(SeccompArch.X86_64, "ioctl", tiocsti)).isEqualTo(SeccompAction.errno(1));
    assertThat(p.evaluate(SeccompArch.AARCH64, "ioctl", tiocsti)).isEqualTo(SeccompAction.ALLOW);
  }

  @Test
  void profilesAreValuesAndPrintTheirShape() {
    SeccompProfile a = SeccompProfile.builder(SeccompAction.errno(1)).allow("read", "write").build();
    SeccompProfile b = SeccompProfile.builder(SeccompAction.errno(1)).allow("read", "write").build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isEqualTo(a).isNotEqualTo("a profile").isNotEqualTo(null);
    assertThat(a).isNotEqualTo(SeccompProfile.builder(SeccompAction.errno(2)).allow("read", "write").build());
    assertThat(a).isNotEqualTo(SeccompProfile.builder(SeccompAction.errno(1)).allow("read").build());
    assertThat(a).isNotEqualTo(a.toBuilder().flag(SeccompFlag.LOG).build());
    assertThat(a.hashCode()).isNotEqualTo(SeccompProfile.builder(SeccompAction.errno(1)).allow("read").build().hashCode());
    assertThat(a).hasToString("SeccompProfile[default ERRNO(1), 2 rules]");
    assertThat(a.toBuilder().flag(SeccompFlag.LOG).build()).hasToString("SeccompProfile[default ERRNO(1), 2 rules, flags [LOG]]");
    assertThat(a.toBuilder().removeRules("write").build().rules()).extracting(SeccompRule::syscall).containsExactly("read");
    assertThat(a.toBuilder().removeRules("open").build()).isEqualTo(a);
  }

  @Test
  void keptCapabilitiesOpenTheirCallsInTheDefaultProfile() {
    SeccompProfile admin = SeccompProfile.defaultProfile(Set.of("CAP_SYS_ADMIN"));
    SeccompProfile none = SeccompProfile.defaultProfile(Set.of());
    assertThat(admin.evaluate(SeccompArch.X86_64, "mount", NO_ARGS)).isEqualTo(SeccompAction.ALLOW);
    assertThat(none.evaluate(SeccompArch.X86_64, "mount", NO_ARGS).permits()).isFalse();
    assertThat(SeccompProfile.defaultProfile(Set.of("CAP_SYS_BOOT")).evaluate(SeccompArch.X86_64, "reboot", NO_ARGS))
        .isEqualTo(SeccompAction.ALLOW);
    assertThatThrownBy(() -> SeccompProfile.defaultProfile(Set.of("sys_admin")))
        .hasMessage("capabilities must be named as in capabilities(7), like CAP_SYS_ADMIN: [sys_admin]");
  }

  @Test
  void programsAreValues() {
    SeccompProfile p = SeccompProfile.builder(SeccompAction.errno(1)).allow("read").build();
    SeccompProgram x = p.compile(SeccompArch.X86_64);
    SeccompProgram again = p.compileUncached(SeccompArch.X86_64);
    assertThat(x).isEqualTo(again).hasSameHashCodeAs(again).isNotEqualTo("x").isNotEqualTo(null);
    assertThat(x).isNotEqualTo(p.compileUncached(SeccompArch.AARCH64));
    SeccompProgram other = SeccompProfile.builder(SeccompAction.errno(1)).allow("write").build().compile(SeccompArch.X86_64);
    assertThat(x).isNotEqualTo(other);
    assertThat(x.hashCode()).isNotEqualTo(other.hashCode());
    SeccompProgram tsync = p.toBuilder().flag(SeccompFlag.TSYNC).build().compile(SeccompArch.X86_64);
    assertThat(x).as("same filter, other install flags").isNotEqualTo(tsync);
    assertThat(x).hasToString("SeccompProgram[x86_64, " + x.instructionCount() + " instructions]");
    assertThat(x.needsListener()).isFalse();
    assertThat(tsync.needsListener()).isFalse();
    SeccompProgram notif = p.toBuilder().rule("openat", SeccompAction.USER_NOTIF).build().compile(SeccompArch.X86_64);
    assertThat(notif.needsListener()).isTrue();
    assertThat(notif.installFlags() & 8).isEqualTo(8);
  }
}
