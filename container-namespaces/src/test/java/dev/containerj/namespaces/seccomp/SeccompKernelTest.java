package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.namespaces.seccomp.NativeHarness.Run;
import dev.containerj.namespaces.seccomp.internal.SyscallTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compiled programs installed in the real kernel, without the container launcher: a small C
 * harness (src/test/c/seccomp-exec.c) sets no_new_privs, installs the program with seccomp(2) and
 * execs a probe that makes system calls and prints what the kernel answered. Every denial is
 * checked against a control run without the filter, so that a test fails if the filter does
 * nothing.
 */
@Tag("kernel")
@Tag("rootless")
class SeccompKernelTest {
  static final int SIGSYS_EXIT = 128 + 31; // SIGSYS is 31 on x86_64 and aarch64
  static final SeccompArch ARCH = SeccompArch.current();

  @TempDir static Path dir;
  static NativeHarness harness;
  static SeccompProgram defaultProgram;

  @BeforeAll
  static void buildHarness() throws Exception {
    String cc = NativeHarness.compiler();
    assumeTrue(cc != null,
        "no C compiler (gcc/cc) on PATH: the real-kernel seccomp tests build their harness from "
            + "src/test/c at test time, so the kernel verdicts are not tested here");
    harness = NativeHarness.build(cc, dir);
    defaultProgram = SeccompProfile.defaultProfile(SeccompCompilerTest.DOCKER_CAPS).compile(ARCH);
  }

  @Test
  void installedFilterShowsAsSeccompModeTwo() throws Exception {
    String own = Files.readString(Path.of("/proc/self/status"));
    int ownFilters = filters(own);
    Run filtered = harness.run(defaultProgram, "cat", "/proc/self/status");
    assertThat(filtered.exit()).as(filtered.output()).isZero();
    assertThat(filtered.output()).contains("Seccomp:\t2\n");
    assertThat(filters(filtered.output())).isEqualTo(ownFilters + 1);
    Run control = harness.run(null, "cat", "/proc/self/status");
    assertThat(filters(control.output())).isEqualTo(ownFilters);
  }

  @ParameterizedTest
  @ValueSource(strings = {"keyctl", "unshare-user", "clone-newuts", "io_uring"})
  void defaultProfileDeniesWithEperm(String op) throws Exception {
    Result control = result(harness.probe(null, op), op);
    assumeTrue(control.ret >= 0,
        op + " fails on this host even without a filter (" + control + "), so a denial by the "
            + "filter cannot be told apart: not tested here");
    assertThat(result(harness.probe(defaultProgram, op), op).errno).as(op).isEqualTo(1);
  }

  @Test
  void unshareToolFailsUnderTheDefaultProfile() throws Exception {
    Run control = harness.run(null, "unshare", "-U", "true");
    assumeTrue(control.exit() == 0,
        "unshare -U true fails here without a filter (" + control.output().strip()
            + "): user namespaces are not available to this user, the denial is not tested");
    Run filtered = harness.run(defaultProgram, "unshare", "-U", "true");
    assertThat(filtered.exit()).isNotZero();
    assertThat(filtered.output()).contains("Operation not permitted");
  }

  @Test
  void ordinaryProgramsAndCallsWorkUnderTheDefaultAndHardenedProfiles() throws Exception {
    for (SeccompProgram p : new SeccompProgram[] {defaultProgram, SeccompProfile.hardened().compile(ARCH)}) {
      Run sh = harness.run(p, "sh", "-c", "echo hello from $(uname -s) && ls / > /dev/null");
      assertThat(sh.exit()).as(sh.output()).isZero();
      assertThat(sh.output()).isEqualTo("hello from Linux\n");
      Run probe = harness.probe(p, "getpid", "clone-plain", "personality:0xffffffff", "socket:2");
      for (String op : new String[] {"getpid", "clone-plain", "personality:0xffffffff", "socket:2"}) {
        assertThat(result(probe, op).ret).as(op + " in " + probe.output()).isGreaterThanOrEqualTo(0);
      }
    }
  }

  @Test
  void clone3GetsEnosysAndUnsafePersonalityEperm() throws Exception {
    Run control = harness.probe(null, "clone3", "personality:0x0400000");
    assertThat(result(control, "clone3").errno).isNotEqualTo(38);
    assertThat(result(control, "personality:0x0400000").ret).isGreaterThanOrEqualTo(0);
    Run filtered = harness.probe(defaultProgram, "clone3", "personality:0x0400000");
    assertThat(result(filtered, "clone3").errno).isEqualTo(38);
    assertThat(result(filtered, "personality:0x0400000").errno).isEqualTo(1);
  }

  @Test
  void argumentsAreComparedOnAll64BitsByTheKernel() throws Exception {
    int getppid = SyscallTable.of(ARCH).number("getppid");
    SeccompProgram p = SeccompProfile.builder(SeccompAction.ALLOW)
        .rule("getppid", SeccompAction.errno(7), ArgCondition.eq(0, 0x1_0000_0000L))
        .rule("getppid", SeccompAction.errno(8), ArgCondition.gt(1, 0xffff_ffffL))
        .rule("getppid", SeccompAction.errno(9), ArgCondition.maskedEq(2, 0xff00_0000_0000_00ffL, 0x8000_0000_0000_0001L))
        .build().compile(ARCH);
    String[] ops = {
      "raw:" + getppid + ":0x100000000", "raw:" + getppid + ":0", "raw:" + getppid + ":1",
      "raw:" + getppid + ":0:0xffffffff", "raw:" + getppid + ":0:0x100000000",
      "raw:" + getppid + ":0:0:0x80ffff0000000001", "raw:" + getppid + ":0:0:0x0000000000000001"
    };
    Run r = harness.probe(p, ops);
    assertThat(result(r, ops[0]).errno).isEqualTo(7);
    assertThat(result(r, ops[1]).errno).isZero();
    assertThat(result(r, ops[2]).errno).isZero();
    assertThat(result(r, ops[3]).errno).isZero();
    assertThat(result(r, ops[4]).errno).isEqualTo(8);
    assertThat(result(r, ops[5]).errno).isEqualTo(9);
    assertThat(result(r, ops[6]).errno).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"KILL_PROCESS", "KILL_THREAD", "TRAP"})
  void killAndTrapActionsEndTheProcessWithSigsys(String kind) throws Exception {
    SeccompProgram p = SeccompProfile.builder(SeccompAction.ALLOW)
        .rule("getppid", new SeccompAction(SeccompAction.Kind.valueOf(kind), 0))
        .build().compile(ARCH);
    Run control = harness.probe(null, "getpid", "getppid");
    assertThat(control.exit()).isZero();
    Run r = harness.probe(p, "getpid", "getppid");
    assertThat(r.exit()).as(r.output()).isEqualTo(SIGSYS_EXIT);
    assertThat(r.output()).contains("getpid ret=").doesNotContain("getppid ret=");
  }

  @Test
  void foreignAbisAreKilledOnX86_64() throws Exception {
    assumeTrue(ARCH == SeccompArch.X86_64, "the i386 and x32 ABIs exist only on x86_64, this is " + ARCH);
    Run r = harness.probe(defaultProgram, "getpid", "x32");
    assertThat(r.exit()).as("x32 call: " + r.output()).isEqualTo(SIGSYS_EXIT);
    Run control = harness.probe(null, "int80");
    assumeTrue(control.exit() == 0 && control.output().contains("int80 ret="),
        "int $0x80 does not reach the kernel's i386 entry here (no IA32 emulation: "
            + control.output().strip() + "), the foreign-arch kill is not tested");
    Run i386 = harness.probe(defaultProgram, "int80");
    assertThat(i386.exit()).as("i386 call: " + i386.output()).isEqualTo(SIGSYS_EXIT);
  }

  @Test
  void hardenedProfileDeniesPtraceAndOtherSocketFamilies() throws Exception {
    SeccompProgram hardened = SeccompProfile.hardened().compile(ARCH);
    Run control = harness.probe(null, "ptrace-traceme", "socket:16", "socket:10", "socket:1");
    assertThat(result(control, "ptrace-traceme").ret).isZero();
    assertThat(result(control, "socket:16").ret).isGreaterThanOrEqualTo(0);
    Run r = harness.probe(hardened, "ptrace-traceme", "socket:16", "socket:10", "socket:1");
    assertThat(result(r, "ptrace-traceme").errno).isEqualTo(1);
    assertThat(result(r, "socket:16").errno).isEqualTo(1); // AF_NETLINK
    assertThat(result(r, "socket:1").ret).isGreaterThanOrEqualTo(0); // AF_UNIX
    // AF_INET6 may be compiled out of the host kernel; the filter must not be the reason.
    assertThat(result(r, "socket:10").errno).isEqualTo(result(control, "socket:10").errno);
  }

  // --- helpers ---

  record Result(long ret, int errno) {}

  static Result result(Run run, String op) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(op) + " ret=(-?\\d+) errno=(\\d+)$").matcher(run.output());
    assertThat(m.find()).as("no result for %s in output (exit %d): %s", op, run.exit(), run.output()).isTrue();
    return new Result(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)));
  }

  static int filters(String status) {
    Matcher m = Pattern.compile("(?m)^Seccomp_filters:\\s+(\\d+)$").matcher(status);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
