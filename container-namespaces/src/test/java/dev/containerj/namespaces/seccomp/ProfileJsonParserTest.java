package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.namespaces.seccomp.internal.KernelVersion;
import dev.containerj.namespaces.seccomp.internal.ProfileJsonParser;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProfileJsonParserTest {
  /** Recompile in every test: a cached program would hide a changed compiler from PIT. */
  @BeforeEach
  void clearSeccompCaches() {
    SeccompProfile.clearCachesForTests();
  }

  static final String OCI = """
      {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 38,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "flags": ["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls": [
          {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
          {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}]},
          {"names": ["kill"], "action": "SCMP_ACT_KILL"},
          {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
          {"names": ["getpid"], "action": "SCMP_ACT_ERRNO"},
          {"names": ["uname"], "action": "SCMP_ACT_NOTIFY", "comment": "ignored"}
        ]
      }
      """;

  @Test
  void parsesTheRuntimeSpecForm() {
    SeccompProfile p = SeccompProfile.fromOciJson(OCI);
    assertThat(p.defaultAction()).isEqualTo(SeccompAction.errno(38));
    assertThat(p.flags()).containsExactly(SeccompFlag.LOG);
    assertThat(p.rules()).containsExactly(
        SeccompRule.of("read", SeccompAction.ALLOW),
        SeccompRule.of("write", SeccompAction.ALLOW),
        SeccompRule.of("clone", SeccompAction.ALLOW, ArgCondition.maskedEq(0, 2114060288L, 0)),
        SeccompRule.of("personality", SeccompAction.ALLOW, ArgCondition.eq(0, -1L)),
        SeccompRule.of("kill", SeccompAction.KILL_THREAD),
        SeccompRule.of("getppid", SeccompAction.errno(13)),
        SeccompRule.of("getpid", SeccompAction.errno(1)),
        SeccompRule.of("uname", SeccompAction.USER_NOTIF));
    SeccompProgram program = p.compile(SeccompArch.X86_64);
    assertThat(program.installFlags()).isEqualTo(2 | 8);
    assertThat(program.needsListener()).isTrue();
  }

  @Test
  void reportsEveryInvalidFieldWithItsPath() {
    String bad = """
        {"defaultAction": "SCMP_ACT_MAYBE", "flags": ["SECCOMP_FILTER_FLAG_FAST"],
         "architectures": ["SCMP_ARCH_Z80"],
         "syscalls": [
           {"names": [], "action": "SCMP_ACT_ALLOW"},
           {"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1},
           {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5000},
           {"names": ["Read!"], "action": "SCMP_ACT_ALLOW"},
           {"names": ["read"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"},
                     {"index": 0, "value": -1, "op": "SCMP_CMP_EQ"},
                     {"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"},
                     {"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}
         ]}
        """;
    assertThatThrownBy(() -> SeccompProfile.fromOciJson(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defaultAction must be one of [SCMP_ACT_ALLOW, ")
        .hasMessageContaining(": SCMP_ACT_MAYBE")
        .hasMessageContaining("flags[0] must be one of [SECCOMP_FILTER_FLAG_LOG, ")
        .hasMessageContaining("architectures must name libseccomp architectures (SCMP_ARCH_X86_64, ...): SCMP_ARCH_Z80")
        .hasMessageContaining("syscalls[0].names must name at least one system call")
        .hasMessageContaining("syscalls[1].action: errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW")
        .hasMessageContaining("syscalls[2].errnoRet must be an errno in 0..4095: 5000")
        .hasMessageContaining("syscalls[3]: syscall must be a kernel system call name ([a-z_][a-z0-9_]*): Read!")
        .hasMessageContaining("syscalls[4].args[0].index must be an argument number 0..5: 6")
        .hasMessageContaining("syscalls[4].args[1].value must be an unsigned 64-bit integer (0..18446744073709551615): -1")
        .hasMessageContaining("syscalls[4].args[2].value must be an unsigned 64-bit integer (0..18446744073709551615): 18446744073709551616")
        .hasMessageContaining("syscalls[4].args[3].op must be one of [SCMP_CMP_EQ, ");
  }

  @Test
  void rejectsMalformedJson() {
    assertThatThrownBy(() -> SeccompProfile.fromOciJson("{\"defaultAction\": "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("seccomp profile must be valid JSON (");
    assertThatThrownBy(() -> SeccompProfile.fromOciJson("[]"))
        .hasMessageStartingWith("seccomp profile must be a JSON object: ");
    assertThatThrownBy(() -> SeccompProfile.fromOciJson("{}"))
        .hasMessage("seccomp profile is invalid: defaultAction is required");
  }

  static final String DOCKER = """
      {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
        "syscalls": [
          {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
          {"name": "getpid", "action": "SCMP_ACT_ALLOW"},
          {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
          {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
          {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]}},
          {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
           "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
          {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
          {"names": ["arch_prctl", "modify_ldt"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32", "x86"]}},
          {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
          {"names": ["openat"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["arm64"]}},
          {"names": ["oldcall"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.0"}}
        ]
      }
      """;

  @Test
  void parsesTheDockerFormatResolvingIncludesAndExcludes() {
    SeccompProfile plain = ProfileJsonParser.parseDocker(DOCKER, Set.of("CAP_CHOWN"), new KernelVersion(6, 1));
    assertThat(plain.rules()).containsExactly(
        SeccompRule.of("read", SeccompAction.ALLOW),
        SeccompRule.of("write", SeccompAction.ALLOW),
        SeccompRule.of("getpid", SeccompAction.ALLOW),
        SeccompRule.of("ptrace", SeccompAction.ALLOW),
        SeccompRule.of("clone", SeccompAction.ALLOW, ArgCondition.maskedEq(0, 2114060288L, 0)),
        SeccompRule.of("clone3", SeccompAction.errno(38)),
        SeccompRule.of("arch_prctl", SeccompAction.ALLOW).onlyOn(SeccompArch.X86_64),
        SeccompRule.of("modify_ldt", SeccompAction.ALLOW).onlyOn(SeccompArch.X86_64),
        SeccompRule.of("openat", SeccompAction.ALLOW).onlyOn(SeccompArch.X86_64));

    SeccompProfile admin = ProfileJsonParser.parseDocker(
        DOCKER, Set.of("CAP_SYS_ADMIN"), new KernelVersion(4, 4));
    List<String> names = admin.rules().stream().map(SeccompRule::syscall).toList();
    assertThat(names).contains("mount", "oldcall").doesNotContain("ptrace", "clone", "clone3", "bpf");
    assertThat(ProfileJsonParser.parseDocker(DOCKER, Set.of("CAP_SYS_ADMIN", "CAP_BPF"), new KernelVersion(6, 1))
        .rules().stream().map(SeccompRule::syscall)).contains("bpf");
  }

  @Test
  void dockerFormatChecksArchitectureNamesAndMinKernel() {
    String bad = """
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd46"], "minKernel": "four"}}
        ]}
        """;
    assertThatThrownBy(() -> SeccompProfile.fromDockerJson(bad, Set.of()))
        .hasMessageContaining("syscalls[0].includes.arches must name architectures (amd64, arm64, x86, ...): amd46")
        .hasMessageContaining("syscalls[0].includes.minKernel must look like 4.8: four");
  }

  @Test
  void theDockerFormatOfTheDefaultRulesGivesTheSameProgramAsTheBuiltin() {
    // The same rules written as a Docker profile and as Java compile to the same BPF.
    SeccompProfile json = SeccompProfile.fromDockerJson("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
        ]}
        """, Set.of());
    SeccompProfile java = SeccompProfile.builder(SeccompAction.errno(1))
        .allow("read", "write", "exit_group")
        .rule("personality", SeccompAction.ALLOW, ArgCondition.eq(0, 8))
        .build();
    assertThat(json).isEqualTo(java).hasSameHashCodeAs(java);
    assertThat(json.compile(SeccompArch.AARCH64).bytes()).isEqualTo(java.compile(SeccompArch.AARCH64).bytes());
  }
}
