package dev.containerj.namespaces.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A classic-BPF interpreter for seccomp programs, written from linux/filter.h and the kernel's
 * checks (seccomp_check_filter, bpf_check_classic), to test the compiler without a kernel.
 *
 * <p>{@link #check(byte[])} rejects what the kernel would: empty or longer than 4096, an unknown
 * or (for seccomp) forbidden opcode, a load that is not an aligned 32-bit word inside
 * struct seccomp_data, a jump out of the program, a last instruction that is not a return.
 * {@link #run} executes, counting the instructions executed.
 */
final class BpfInterpreter {
  static final int LD_W_ABS = 0x20;
  static final int ALU_AND_K = 0x54;
  static final int JA = 0x05;
  static final int JEQ_K = 0x15;
  static final int JGT_K = 0x25;
  static final int JGE_K = 0x35;
  static final int JSET_K = 0x45;
  static final int RET_K = 0x06;

  /** The verdict and the number of instructions executed. */
  record Result(int ret, int steps) {
    SeccompAction action() {
      return SeccompAction.fromRet(ret);
    }
  }

  private final short[] code;
  private final int[] jt;
  private final int[] jf;
  private final int[] k;

  BpfInterpreter(byte[] program) {
    check(program);
    int n = program.length / 8;
    code = new short[n];
    jt = new int[n];
    jf = new int[n];
    k = new int[n];
    ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      code[i] = b.getShort();
      jt[i] = b.get() & 0xff;
      jf[i] = b.get() & 0xff;
      k[i] = b.getInt();
    }
  }

  int length() {
    return code.length;
  }

  /** Throws IllegalArgumentException naming the first problem the kernel would reject. */
  static void check(byte[] program) {
    if (program.length % 8 != 0) {
      throw new IllegalArgumentException("length " + program.length + " is not a multiple of 8");
    }
    int n = program.length / 8;
    if (n == 0 || n > 4096) {
      throw new IllegalArgumentException("program length " + n + " not in 1..4096");
    }
    ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      int c = b.getShort() & 0xffff;
      int t = b.get() & 0xff;
      int f = b.get() & 0xff;
      long kk = b.getInt() & 0xffffffffL;
      switch (c) {
        case LD_W_ABS:
          if (kk >= 64 || (kk & 3) != 0) {
            throw new IllegalArgumentException("insn " + i + ": load at " + kk + " outside seccomp_data or unaligned");
          }
          break;
        case ALU_AND_K:
        case RET_K:
          break;
        case JA:
          if (i + 1 + kk >= n) {
            throw new IllegalArgumentException("insn " + i + ": ja beyond the end");
          }
          break;
        case JEQ_K:
        case JGT_K:
        case JGE_K:
        case JSET_K:
          if (i + 1 + t >= n || i + 1 + f >= n) {
            throw new IllegalArgumentException("insn " + i + ": jump beyond the end");
          }
          break;
        default:
          throw new IllegalArgumentException("insn " + i + ": opcode 0x" + Integer.toHexString(c) + " not handled");
      }
      if (i == n - 1 && c != RET_K) {
        throw new IllegalArgumentException("last instruction is not a return");
      }
    }
  }

  /** Runs the program on a seccomp_data made of these values. */
  Result run(int nr, int arch, long[] args) {
    ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    data.putInt(0, nr).putInt(4, arch).putLong(8, 0x7f0011223344L);
    for (int i = 0; i < 6; i++) {
      data.putLong(16 + 8 * i, args[i]);
    }
    int a = 0;
    int pc = 0;
    int steps = 0;
    while (true) {
      steps++;
      int c = code[pc];
      switch (c) {
        case LD_W_ABS:
          a = data.getInt(k[pc]);
          pc++;
          break;
        case ALU_AND_K:
          a &= k[pc];
          pc++;
          break;
        case JA:
          pc += 1 + k[pc];
          break;
        case JEQ_K:
          pc += 1 + (a == k[pc] ? jt[pc] : jf[pc]);
          break;
        case JGT_K:
          pc += 1 + (Integer.compareUnsigned(a, k[pc]) > 0 ? jt[pc] : jf[pc]);
          break;
        case JGE_K:
          pc += 1 + (Integer.compareUnsigned(a, k[pc]) >= 0 ? jt[pc] : jf[pc]);
          break;
        case JSET_K:
          pc += 1 + ((a & k[pc]) != 0 ? jt[pc] : jf[pc]);
          break;
        case RET_K:
          return new Result(k[pc], steps);
        default:
          throw new AssertionError("opcode " + c);
      }
    }
  }

  /** The program as text, one instruction per line, for failure messages. */
  String disassemble() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < code.length; i++) {
      s.append(String.format("%4d: code=0x%02x jt=%d jf=%d k=0x%08x%n", i, code[i], jt[i], jf[i], k[i]));
    }
    return s.toString();
  }
}
