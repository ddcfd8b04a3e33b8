package dev.containerj.namespaces.seccomp.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Assembles classic BPF ({@code struct sock_filter}, linux/filter.h) with symbolic forward jumps.
 *
 * <p>A conditional jump holds its targets as 8-bit offsets (0..255 instructions ahead); only
 * {@code BPF_JA} has a 32-bit offset. {@link #assemble()} lays the program out and, for every
 * conditional branch whose target is farther, inserts a {@code JA} trampoline right after the
 * jump and points the branch at it, repeating until every offset fits (insertions can push other
 * branches out of range). Classic BPF only jumps forward, so every label must be bound after the
 * jumps that use it.
 */
public final class BpfAssembler {
  // Instruction classes and fields (linux/bpf_common.h).
  public static final int BPF_LD = 0x00;
  public static final int BPF_ALU = 0x04;
  public static final int BPF_JMP = 0x05;
  public static final int BPF_RET = 0x06;
  public static final int BPF_W = 0x00;
  public static final int BPF_ABS = 0x20;
  public static final int BPF_AND = 0x50;
  public static final int BPF_JA = 0x00;
  public static final int BPF_JEQ = 0x10;
  public static final int BPF_JGT = 0x20;
  public static final int BPF_JGE = 0x30;
  public static final int BPF_JSET = 0x40;
  public static final int BPF_K = 0x00;
  /** The kernel's limit on the length of a classic BPF program (BPF_MAXINSNS). */
  public static final int BPF_MAXINSNS = 4096;

  /** A jump target: bound to the instruction emitted next after {@link #bind(Label)}. */
  public static final class Label {
    private @Nullable Insn target;
    private @Nullable Label alias;
    private boolean pending;

    private @Nullable Insn resolve() {
      Label l = this;
      while (l.alias != null) {
        l = l.alias;
      }
      return l.target;
    }
  }

  private static final class Insn {
    final int code;
    final int k;
    @Nullable Label jt;
    @Nullable Label jf;

    Insn(int code, int k, @Nullable Label jt, @Nullable Label jf) {
      this.code = code;
      this.k = k;
      this.jt = jt;
      this.jf = jf;
    }

    boolean conditional() {
      return (code & 0x07) == BPF_JMP && (code & 0xf0) != BPF_JA;
    }

    boolean jumpAlways() {
      return (code & 0x07) == BPF_JMP && (code & 0xf0) == BPF_JA;
    }
  }

  private final List<Insn> insns = new ArrayList<>();
  private final List<Label> pending = new ArrayList<>();

  /** Binds {@code label} to the next instruction emitted. */
  public BpfAssembler bind(Label label) {
    if (label.target != null || label.pending || label.alias != null) {
      throw new IllegalStateException("label bound twice");
    }
    label.pending = true;
    pending.add(label);
    return this;
  }

  /** Makes {@code label} stand for {@code target}, which may be bound before or after this call. */
  public BpfAssembler alias(Label label, Label target) {
    if (label.target != null || label.pending || label.alias != null) {
      throw new IllegalStateException("label bound twice");
    }
    if (target == label) {
      throw new IllegalArgumentException("a label cannot alias itself");
    }
    label.alias = target;
    return this;
  }

  private Insn emit(Insn insn) {
    for (Label l : pending) {
      l.target = insn;
      l.pending = false;
    }
    pending.clear();
    insns.add(insn);
    return insn;
  }

  /** {@code A = *(u32 *) (seccomp_data + offset)}. */
  public BpfAssembler loadAbsolute(int offset) {
    emit(new Insn(BPF_LD | BPF_W | BPF_ABS, offset, null, null));
    return this;
  }

  /** {@code A &= k}. */
  public BpfAssembler and(int k) {
    emit(new Insn(BPF_ALU | BPF_AND | BPF_K, k, null, null));
    return this;
  }

  /**
   * A conditional jump: {@code op} is BPF_JEQ, BPF_JGT, BPF_JGE or BPF_JSET, comparing A with
   * {@code k} (unsigned); to {@code ifTrue} if it holds, else to {@code ifFalse}.
   */
  public BpfAssembler jump(int op, int k, Label ifTrue, Label ifFalse) {
    if (op != BPF_JEQ && op != BPF_JGT && op != BPF_JGE && op != BPF_JSET) {
      throw new IllegalArgumentException("not a conditional jump: 0x" + Integer.toHexString(op));
    }
    emit(new Insn(BPF_JMP | op | BPF_K, k, ifTrue, ifFalse));
    return this;
  }

  /** An unconditional jump. */
  public BpfAssembler jumpAlways(Label target) {
    emit(new Insn(BPF_JMP | BPF_JA, 0, target, null));
    return this;
  }

  /** {@code return k}: the filter's verdict. */
  public BpfAssembler ret(int k) {
    emit(new Insn(BPF_RET | BPF_K, k, null, null));
    return this;
  }

  /** Instructions emitted so far (before trampolines). */
  public int size() {
    return insns.size();
  }

  /**
   * Lays out the program, adds trampolines for far branches, and encodes it.
   *
   * @throws IllegalStateException if a label is unbound or a jump goes backwards
   * @throws IllegalArgumentException if the program exceeds {@link #BPF_MAXINSNS}
   */
  public byte[] assemble() {
    if (!pending.isEmpty()) {
      throw new IllegalStateException("label bound after the last instruction");
    }
    List<Insn> layout = new ArrayList<>(insns);
    boolean changed = true;
    while (changed) {
      changed = false;
      Map<Insn, Integer> index = indexOf(layout);
      List<Insn> next = new ArrayList<>(layout.size() + 16);
      for (int i = 0; i < layout.size(); i++) {
        Insn insn = layout.get(i);
        next.add(insn);
        if (!insn.conditional()) {
          continue;
        }
        // A branch that is too far gets a JA right behind the jump; the JAs of one jump come in
        // the order jt, jf, so that they stay within 0..1 of it.
        if (offset(index, i, insn.jt) > 255) {
          Label far = insn.jt;
          Label tramp = new Label();
          Insn ja = new Insn(BPF_JMP | BPF_JA, 0, far, null);
          tramp.target = ja;
          insn.jt = tramp;
          next.add(ja);
          changed = true;
        }
        if (offset(index, i, insn.jf) > 255) {
          Label far = insn.jf;
          Label tramp = new Label();
          Insn ja = new Insn(BPF_JMP | BPF_JA, 0, far, null);
          tramp.target = ja;
          insn.jf = tramp;
          next.add(ja);
          changed = true;
        }
      }
      layout = next;
    }
    if (layout.size() > BPF_MAXINSNS) {
      throw new dev.containerj.linux.InvalidValueException("seccomp program", layout.size() + " instructions",
          "must have at most " + BPF_MAXINSNS + " instructions (BPF_MAXINSNS), as the kernel accepts");
    }
    Map<Insn, Integer> index = indexOf(layout);
    ByteBuffer out = ByteBuffer.allocate(layout.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < layout.size(); i++) {
      Insn insn = layout.get(i);
      int jt = 0;
      int jf = 0;
      int k = insn.k;
      if (insn.conditional()) {
        jt = offset(index, i, insn.jt);
        jf = offset(index, i, insn.jf);
      } else if (insn.jumpAlways()) {
        k = offset(index, i, insn.jt);
      }
      out.putShort((short) insn.code).put((byte) jt).put((byte) jf).putInt(k);
    }
    return out.array();
  }

  private static Map<Insn, Integer> indexOf(List<Insn> layout) {
    Map<Insn, Integer> index = new IdentityHashMap<>(layout.size() * 2);
    for (int i = 0; i < layout.size(); i++) {
      index.put(layout.get(i), i);
    }
    return index;
  }

  private static int offset(Map<Insn, Integer> index, int from, @Nullable Label to) {
    Insn insn = to == null ? null : to.resolve();
    if (insn == null) {
      throw new IllegalStateException("jump to an unbound label at instruction " + from);
    }
    Integer target = index.get(insn);
    if (target == null) {
      throw new IllegalStateException("jump to an instruction outside the program at " + from);
    }
    int off = target - from - 1;
    if (off < 0) {
      throw new IllegalStateException("backward jump at instruction " + from + " (BPF jumps forward only)");
    }
    return off;
  }
}
