package dev.containerj.namespaces.seccomp;

import static dev.containerj.namespaces.seccomp.internal.BpfAssembler.BPF_JEQ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.namespaces.seccomp.internal.BpfAssembler;
import dev.containerj.namespaces.seccomp.internal.BpfAssembler.Label;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The kernel's length limit (BPF_MAXINSNS, 4096) exactly, trampolines included. */
class BpfProgramLimitTest {
  @Test
  void exactly4096InstructionsAssembleAnd4097AreRefused() {
    BpfAssembler ok = new BpfAssembler();
    for (int i = 0; i < BpfAssembler.BPF_MAXINSNS; i++) {
      ok.ret(i);
    }
    byte[] code = ok.assemble();
    assertThat(code).hasSize(4096 * 8);
    BpfInterpreter.check(code); // what the kernel would refuse: longer than 4096, bad jumps
    ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt(4095 * 8 + 4)).isEqualTo(4095);

    BpfAssembler tooLong = new BpfAssembler();
    for (int i = 0; i <= BpfAssembler.BPF_MAXINSNS; i++) {
      tooLong.ret(i);
    }
    assertThat(tooLong.size()).isEqualTo(4097);
    assertThatThrownBy(tooLong::assemble).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seccomp program must have at most 4096 instructions (BPF_MAXINSNS), as the kernel accepts: 4097 instructions");
  }

  @Test
  void trampolinesCountTowardsTheLimit() {
    // 4095 instructions as written; the first jump's target lies more than 255 ahead, so the
    // assembler adds a JA: 4096, still accepted. One more far jump makes 4097 after layout.
    assertThat(programWithFarJumps(1, 4093 - 1)).hasSize(4096 * 8);
    assertThatThrownBy(() -> programWithFarJumps(2, 4093 - 2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seccomp program must have at most 4096 instructions (BPF_MAXINSNS), as the kernel accepts: 4097 instructions");
  }

  /** load, {@code jumps} far jumps to the last instruction, {@code fill} returns, the target. */
  private static byte[] programWithFarJumps(int jumps, int fill) {
    BpfAssembler asm = new BpfAssembler();
    Label end = new Label();
    asm.loadAbsolute(0);
    for (int j = 0; j < jumps; j++) {
      Label next = new Label();
      asm.jump(BPF_JEQ, j, end, next);
      asm.bind(next);
    }
    for (int i = 0; i < fill; i++) {
      asm.ret(i);
    }
    asm.bind(end).ret(-1);
    assertThat(asm.size()).isEqualTo(1 + jumps + fill + 1);
    return asm.assemble();
  }
}
