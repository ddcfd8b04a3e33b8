package dev.containerj.namespaces.seccomp;

import static dev.containerj.namespaces.seccomp.internal.BpfAssembler.BPF_JEQ;
import static dev.containerj.namespaces.seccomp.internal.BpfAssembler.BPF_JGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.namespaces.seccomp.internal.BpfAssembler;
import dev.containerj.namespaces.seccomp.internal.BpfAssembler.Label;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BpfAssemblerTest {
  /** Recompile in every test: a cached program would hide a changed compiler from PIT. */
  @BeforeEach
  void clearSeccompCaches() {
    SeccompProfile.clearCachesForTests();
  }

  @Test
  void encodesLittleEndianSockFilters() {
    BpfAssembler asm = new BpfAssembler();
    Label yes = new Label();
    Label no = new Label();
    asm.loadAbsolute(4).jump(BPF_JEQ, 0xC000003E, yes, no);
    asm.bind(yes).ret(0x7fff0000);
    asm.bind(no).ret(0x80000000);
    byte[] code = asm.assemble();
    ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(code).hasSize(32);
    assertThat(b.getShort(0)).isEqualTo((short) 0x20); // BPF_LD|BPF_W|BPF_ABS
    assertThat(b.getInt(4)).isEqualTo(4);
    assertThat(b.getShort(8)).isEqualTo((short) 0x15); // BPF_JMP|BPF_JEQ|BPF_K
    assertThat(code[10]).isEqualTo((byte) 0); // jt: next
    assertThat(code[11]).isEqualTo((byte) 1); // jf: skip one
    assertThat(b.getInt(12)).isEqualTo(0xC000003E);
    assertThat(b.getShort(16)).isEqualTo((short) 0x06);
    assertThat(b.getInt(20)).isEqualTo(0x7fff0000);
  }

  @Test
  void farBranchesGoThroughTrampolinesAndStillReachTheirTargets() {
    // A chain of 600 tests, each of which can jump to one of two returns at the very end.
    BpfAssembler asm = new BpfAssembler();
    Label hit = new Label();
    Label miss = new Label();
    asm.loadAbsolute(0);
    for (int i = 0; i < 600; i++) {
      Label next = new Label();
      asm.jump(BPF_JEQ, i * 3, hit, next);
      asm.bind(next);
      Label after = new Label();
      asm.jump(BPF_JGE, 0x7fffffff, miss, after);
      asm.bind(after);
    }
    asm.ret(1);
    asm.bind(hit).ret(2);
    asm.bind(miss).ret(3);
    byte[] code = asm.assemble();
    BpfInterpreter bpf = new BpfInterpreter(code); // checks every offset is inside the program
    assertThat(bpf.length()).isGreaterThan(1200);
    for (int nr : new int[] {0, 3, 300, 1797}) {
      assertThat(bpf.run(nr, 0, new long[6]).ret()).as("nr %d", nr).isEqualTo(2);
    }
    assertThat(bpf.run(1, 0, new long[6]).ret()).isEqualTo(1);
    assertThat(bpf.run(0x7fffffff, 0, new long[6]).ret()).isEqualTo(3);
  }

  @Test
  void rejectsUnboundLabelsAndBackwardJumps() {
    BpfAssembler asm = new BpfAssembler();
    Label nowhere = new Label();
    asm.jumpAlways(nowhere).ret(0);
    assertThatThrownBy(asm::assemble).hasMessage("jump to an unbound label at instruction 0");

    BpfAssembler back = new BpfAssembler();
    Label top = new Label();
    back.bind(top).loadAbsolute(0).jumpAlways(top).ret(0);
    assertThatThrownBy(back::assemble).hasMessage("backward jump at instruction 1 (BPF jumps forward only)");
  }
}
