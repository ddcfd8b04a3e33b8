package dev.containerj.namespaces.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link HelperProgram#goByAssembler()}: which programs get the assembler's go byte, and that the
 * swap keeps every step's index, name and payload (failures and fault plans address steps by index).
 * That the helper then starts containers is what every kernel test of a default root start shows.
 */
class GoByAssemblerTest {

  private static HelperProgram assembling(String uidMap) {
    HelperProgram p = new HelperProgram();
    p.unshare(0x00020000L, "mnt");
    p.cloneAssemble(0x10000000L, 0, "user", uidMap, uidMap);
    p.mkdir("/x", 0755, 0);
    p.assembled();
    p.waitForGo();
    p.chdir("/");
    return p;
  }

  @Test
  void aRootJvmsAssemblingProgramGetsTheAssemblersGoInPlace() {
    HelperProgram p = assembling("0 100000 65536\n");
    List<String> steps = steps(p);
    List<Integer> before = opcodes(p);

    assertThat(p.goByAssembler()).isTrue();

    assertThat(p.goesByAssembler()).isTrue();
    assertThat(steps(p)).isEqualTo(steps);
    List<Integer> after = opcodes(p);
    assertThat(after).hasSize(before.size());
    for (int i = 0; i < before.size(); i++) {
      int expected = i == p.cloneIndex() ? HelperProgram.OP_CLONE_ASSEMBLE_GO
          : i == 4 ? HelperProgram.OP_WAIT_ASSEMBLER : before.get(i);
      assertThat(after.get(i)).as("op %d (%s)", i, p.step(i)).isEqualTo(expected);
    }
    assertThat(before.get(p.cloneIndex())).isEqualTo(HelperProgram.OP_CLONE_ASSEMBLE);
    assertThat(before.get(4)).isEqualTo(HelperProgram.OP_WAIT);
    assertThat(p.goByAssembler()).as("idempotent").isTrue();
    assertThat(opcodes(p)).isEqualTo(after);
  }

  @Test
  void otherShapesKeepJavasGoByte() {
    // Java writes the maps: it must do so before the child goes on.
    HelperProgram javaMaps = assembling("");
    assertThat(javaMaps.goByAssembler()).isFalse();
    assertThat(javaMaps.goesByAssembler()).isFalse();

    // No assembler at all (rootless, or a plain clone).
    HelperProgram plain = new HelperProgram();
    plain.clone(0x10000000L, "user");
    plain.waitForGo();
    List<Integer> before = opcodes(plain);
    assertThat(plain.goByAssembler()).isFalse();
    assertThat(opcodes(plain)).isEqualTo(before);

    // A step between the assembly and the wait (a test's window): the byte stays Java's.
    HelperProgram gated = new HelperProgram();
    gated.cloneAssemble(0x10000000L, 0, "user", "0 1 1\n", "0 1 1\n");
    gated.assembled();
    gated.chdir("/");
    gated.waitForGo();
    List<Integer> gatedBefore = opcodes(gated);
    assertThat(gated.goByAssembler()).isFalse();
    assertThat(opcodes(gated)).isEqualTo(gatedBefore);
  }

  private static List<String> steps(HelperProgram p) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      out.add(p.step(i));
    }
    return out;
  }

  /** The opcodes of the wire format (HelperProgram#encode). */
  private static List<Integer> opcodes(HelperProgram p) {
    ByteBuffer b = ByteBuffer.wrap(p.encode()).order(ByteOrder.nativeOrder());
    b.getInt();
    int total = b.getInt();
    List<Integer> out = new ArrayList<>();
    int end = 8 + total;
    while (b.position() < end) {
      out.add((int) b.getShort());
      b.getShort();
      int len = b.getInt();
      b.position(b.position() + ((len + 7) & ~7));
    }
    return out;
  }
}
