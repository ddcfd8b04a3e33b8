package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SeccompProfileTest {
  /** Recompile in every test: a cached program would hide a changed compiler from PIT. */
  @BeforeEach
  void clearSeccompCaches() {
    SeccompProfile.clearCachesForTests();
  }

  @Test
  void compiledProgramsAreCachedPerProfileAndArch() {
    SeccompProfile a = SeccompProfile.defaultProfile(SeccompCompilerTest.DOCKER_CAPS);
    SeccompProfile b = SeccompProfile.defaultProfile(SeccompCompilerTest.DOCKER_CAPS);
    assertThat(a.compile(SeccompArch.X86_64)).isSameAs(b.compile(SeccompArch.X86_64));
    SeccompProfile copy = a.toBuilder().build();
    assertThat(copy).isNotSameAs(a).isEqualTo(a);
    assertThat(copy.compile(SeccompArch.X86_64)).isSameAs(a.compile(SeccompArch.X86_64));
    assertThat(a.compile(SeccompArch.AARCH64)).isNotEqualTo(a.compile(SeccompArch.X86_64));
    SeccompProfile other = a.toBuilder().allow("keyctl").build();
    assertThat(other.compile(SeccompArch.X86_64)).isNotEqualTo(a.compile(SeccompArch.X86_64));
  }

  @Test
  void programBytesAreADefensiveCopyOfWholeSockFilters() {
    SeccompProgram p = SeccompProfile.hardened().compile(SeccompArch.X86_64);
    byte[] bytes = p.bytes();
    assertThat(bytes.length).isEqualTo(p.instructionCount() * 8);
    bytes[0] = 42;
    assertThat(p.bytes()[0]).isNotEqualTo((byte) 42);
  }

  @Test
  void capabilitiesMustBeKernelNames() {
    assertThatThrownBy(() -> SeccompProfile.defaultProfile(Set.of("sys_admin", "CAP_CHOWN", "NET_RAW")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("capabilities must be named as in capabilities(7), like CAP_SYS_ADMIN: [")
        .hasMessageContaining("sys_admin")
        .hasMessageContaining("NET_RAW")
        .message().doesNotContain("CAP_CHOWN");
  }

  @Test
  void unconfinedMeansNoFilterIsNeeded() {
    assertThat(SeccompProfile.unconfined().isUnconfined()).isTrue();
    assertThat(SeccompProfile.builder(SeccompAction.ALLOW).allow("read").build().isUnconfined()).isTrue();
    assertThat(SeccompProfile.builder(SeccompAction.ALLOW).rule("read", SeccompAction.LOG).build().isUnconfined()).isFalse();
    assertThat(SeccompProfile.defaultProfile(Set.of()).isUnconfined()).isFalse();
  }

  @Test
  void valuesAreCheckedWithExactMessages() {
    assertThatThrownBy(() -> SeccompAction.errno(4096))
        .hasMessage("errno of an ERRNO action must be in 0..4095: 4096");
    assertThatThrownBy(() -> new SeccompAction(SeccompAction.Kind.ALLOW, 3))
        .hasMessage("data of a ALLOW action must be 0 (it takes no data): 3");
    assertThatThrownBy(() -> ArgCondition.eq(6, 0)).hasMessage("argument index must be in 0..5: 6");
    assertThatThrownBy(() -> new ArgCondition(0, ArgCondition.Op.EQ, 1, 2))
        .hasMessage("mask is taken only by MASKED_EQ, not EQ: 2");
    assertThatThrownBy(() -> SeccompRule.of("Open", SeccompAction.ALLOW))
        .hasMessage("syscall must be a kernel system call name ([a-z_][a-z0-9_]*): Open");
    assertThatThrownBy(() -> SeccompProfile.builder(SeccompAction.USER_NOTIF).build())
        .hasMessage("defaultAction must not be USER_NOTIF: USER_NOTIF");
  }

  @Test
  void mostRestrictiveMatchingRuleWinsWhateverTheOrder() {
    long[] args = {5, 0, 0, 0, 0, 0};
    SeccompProfile p1 = SeccompProfile.builder(SeccompAction.ALLOW)
        .rule("read", SeccompAction.LOG)
        .rule("read", SeccompAction.errno(13), ArgCondition.eq(0, 5))
        .rule("read", SeccompAction.KILL_PROCESS, ArgCondition.eq(0, 6))
        .build();
    SeccompProfile p2 = SeccompProfile.builder(SeccompAction.ALLOW)
        .rules(List.of(p1.rules().get(2), p1.rules().get(1), p1.rules().get(0)))
        .build();
    for (SeccompProfile p : List.of(p1, p2)) {
      assertThat(p.evaluate(SeccompArch.X86_64, "read", args)).isEqualTo(SeccompAction.errno(13));
      BpfInterpreter bpf = new BpfInterpreter(p.compile(SeccompArch.X86_64).bytes());
      assertThat(bpf.run(0, SeccompArch.X86_64.auditArch(), args).action()).isEqualTo(SeccompAction.errno(13));
      assertThat(bpf.run(0, SeccompArch.X86_64.auditArch(), new long[] {6, 0, 0, 0, 0, 0}).action())
          .isEqualTo(SeccompAction.KILL_PROCESS);
      assertThat(bpf.run(0, SeccompArch.X86_64.auditArch(), new long[6]).action()).isEqualTo(SeccompAction.LOG);
    }
  }

  @Test
  void actionsRoundTripThroughTheirFilterReturnValues() {
    for (SeccompAction a : List.of(SeccompAction.ALLOW, SeccompAction.LOG, SeccompAction.KILL_PROCESS,
        SeccompAction.KILL_THREAD, SeccompAction.TRAP, SeccompAction.USER_NOTIF, SeccompAction.errno(1),
        SeccompAction.errno(4095), SeccompAction.trace(65535))) {
      assertThat(SeccompAction.fromRet(a.ret())).isEqualTo(a);
    }
    assertThat(SeccompAction.KILL_PROCESS.ret()).isEqualTo(0x80000000);
    assertThat(SeccompAction.errno(1).ret()).isEqualTo(0x00050001);
    assertThat(SeccompAction.fromRet(0x12340000)).as("unknown action").isEqualTo(SeccompAction.KILL_PROCESS);
  }
}
