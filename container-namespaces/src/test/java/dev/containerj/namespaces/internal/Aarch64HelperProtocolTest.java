package dev.containerj.namespaces.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.containerj.linux.internal.Arch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aarch64 helper that the jar carries (cross-compiled by build-helper.sh) speaks the same wire
 * protocol as the Java side: a program encoded by {@link HelperProgram} is decoded, run and reported
 * on. On an x86_64 host it runs under qemu-user ({@code qemu-aarch64-static}, package
 * qemu-user-static), called explicitly because binfmt_misc may not be registered. The helper gets
 * its config on fd 0 and reports on fd 1 ({@code helper 0 1 3}); an execve of a host program from
 * qemu-user runs that program natively, so the payload is the host's {@code /bin/sh}.
 */
class Aarch64HelperProtocolTest {
  private static final int ST_ERROR = 2;
  private static final int ENOENT = 2;
  private static final int ECANCELED = 125; // asm-generic/errno.h: the same number on aarch64

  private static Path helper;
  private static List<String> runner;

  @TempDir static Path tmp;

  @BeforeAll
  static void locateHelper() throws IOException {
    String resource = NativeHelper.resourceName(Arch.AARCH64);
    try (InputStream in = Aarch64HelperProtocolTest.class.getResourceAsStream(resource)) {
      Assumptions.assumeTrue(in != null, "no aarch64 helper in this build (no cross compiler:"
          + " install gcc-aarch64-linux-gnu and libc6-dev-arm64-cross; run-tests.sh does)");
      helper = tmp.resolve("containerj-helper-aarch64");
      Files.copy(in, helper);
    }
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
    runner = new ArrayList<>();
    if (Arch.current() != Arch.AARCH64) {
      Path qemu = Path.of("/usr/bin/qemu-aarch64-static");
      if (!Files.isExecutable(qemu)) {
        fail("the build carries an aarch64 helper but " + qemu + " is missing to test it:"
            + " install qemu-user-static (run-tests.sh does)");
      }
      runner.add(qemu.toString());
    }
    runner.add(helper.toString());
  }

  private record Outcome(int exitCode, byte[] stdout) {
    int[] record() {
      assertThat(stdout).as("one 16-byte status record").hasSize(16);
      ByteBuffer b = ByteBuffer.wrap(stdout).order(ByteOrder.LITTLE_ENDIAN);
      return new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
    }
  }

  private static Outcome run(byte[] config) throws Exception {
    Path cfg = Files.createTempFile(tmp, "config", ".bin");
    Files.write(cfg, config);
    List<String> cmd = new ArrayList<>(runner);
    cmd.addAll(List.of("0", "1", "3"));
    Process p = new ProcessBuilder(cmd)
        .redirectInput(cfg.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      fail("the aarch64 helper did not finish in 60 s");
    }
    return new Outcome(p.exitValue(), out);
  }

  @Test
  void decodesOpsAndExecsThePayload() throws Exception {
    // mkdir's payload (u32 mode + string) and exec's (counts + string vectors) decoded on aarch64:
    // the mode is exact (umask 0 in the helper) and argv and env reach the payload.
    Path dir = tmp.resolve("made-by-aarch64");
    HelperProgram program = new HelperProgram()
        .mkdir(dir.toString(), 0751, 0)
        .exec(List.of("/nonexistent/sh", "/bin/sh"),
            List.of("sh", "-c", "stat -c %a \"$1\"; echo \"$GREETING\"; exit 7", "sh", dir.toString()),
            Map.of("GREETING", "hello from aarch64", "PATH", "/usr/bin:/bin"));
    Outcome o = run(program.encode());
    assertThat(new String(o.stdout())).isEqualTo("751\nhello from aarch64\n");
    assertThat(o.exitCode()).isEqualTo(7);
  }

  @Test
  void reportsTheFailingStepAndErrno() throws Exception {
    HelperProgram program = new HelperProgram()
        .mkdir(tmp.toString(), 0700, HelperProgram.IGNORE_EEXIST)
        .exec(List.of("/nonexistent/program"), List.of("program"), Map.of());
    Outcome o = run(program.encode());
    assertThat(o.record()).containsExactly(ST_ERROR, 1, ENOENT, 0);
    assertThat(o.exitCode()).isEqualTo(127);
  }

  @Test
  void aFaultInjectedStepFailsWithEcanceled() throws Exception {
    HelperProgram program = new HelperProgram()
        .chdir("/")
        .exec(List.of("/bin/true"), List.of("true"), Map.of());
    program.injectFault(0);
    Outcome o = run(program.encode());
    assertThat(o.record()).containsExactly(ST_ERROR, 0, ECANCELED, 0);
  }

  @Test
  void aBadHeaderIsRefusedWithoutReport() throws Exception {
    Outcome o = run(new byte[] {'n', 'o', 't', ' ', 'C', 'J', 'H', '1'});
    assertThat(o.stdout()).isEmpty();
    assertThat(o.exitCode()).isEqualTo(125);
  }
}
