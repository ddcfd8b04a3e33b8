package dev.containerj.cgroups.internal;

import dev.containerj.cgroups.DeviceRule;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Assembles a device allow-list into a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program (the cgroup v2
 * device controller, Documentation/admin-guide/cgroup-v2.rst "Device controller"). The kernel runs
 * it on every open(2) and mknod(2) of a device node by a process of the cgroup, with a {@code struct
 * bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }} (include/uapi/linux/bpf.h) whose
 * access_type is {@code (access << 16) | type}; the program returns 1 to allow, 0 to deny (EPERM).
 *
 * <pre>
 *   r2 = ctx->access_type & 0xffff   type: 1 block, 2 char
 *   r3 = ctx->access_type >> 16      access: 1 mknod, 2 read, 4 write
 *   r4 = ctx->major; r5 = ctx->minor
 *   per rule:  if r2 != type goto next          (not for 'a')
 *              r1 = r3 & ~access; if r1 != 0 goto next
 *              if r4 != major goto next          (not for *)
 *              if r5 != minor goto next          (not for *)
 *              r0 = 1; exit
 *   r0 = 0; exit
 * </pre>
 *
 * Each instruction is 8 bytes in host (little-endian) order: opcode, dst_reg | src_reg &lt;&lt; 4,
 * s16 offset, s32 immediate (Documentation/bpf/standardization/instruction-set.rst).
 */
final class DeviceFilter {
  static final int BPF_DEVCG_DEV_BLOCK = 1;
  static final int BPF_DEVCG_DEV_CHAR = 2;
  static final int BPF_DEVCG_ACC_MKNOD = 1;
  static final int BPF_DEVCG_ACC_READ = 2;
  static final int BPF_DEVCG_ACC_WRITE = 4;

  // opcodes: class | operation | source
  static final int LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
  static final int ALU64_AND_K = 0x57; // BPF_ALU64 | BPF_AND | BPF_K
  static final int ALU64_RSH_K = 0x77; // BPF_ALU64 | BPF_RSH | BPF_K
  static final int ALU64_MOV_X = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
  static final int ALU64_MOV_K = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
  static final int JMP_JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
  static final int JMP_EXIT = 0x95; // BPF_JMP | BPF_EXIT

  private DeviceFilter() {}

  /** The program's instructions for {@code rules}; an empty list denies every device. */
  static byte[] assemble(List<DeviceRule> rules) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    insn(out, LDX_MEM_W, 2, 1, 0, 0);
    insn(out, ALU64_AND_K, 2, 0, 0, 0xffff);
    insn(out, LDX_MEM_W, 3, 1, 0, 0);
    insn(out, ALU64_RSH_K, 3, 0, 0, 16);
    insn(out, LDX_MEM_W, 4, 1, 4, 0);
    insn(out, LDX_MEM_W, 5, 1, 8, 0);
    for (DeviceRule r : rules) {
      boolean type = r.type() != 'a';
      boolean major = r.major() != DeviceRule.ANY;
      boolean minor = r.minor() != DeviceRule.ANY;
      int length = (type ? 1 : 0) + 3 + (major ? 1 : 0) + (minor ? 1 : 0) + 2;
      // A jump's offset counts from the next instruction: "next rule" is length - (index + 1).
      int at = 0;
      if (type) {
        insn(out, JMP_JNE_K, 2, 0, length - ++at, r.type() == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
      }
      insn(out, ALU64_MOV_X, 1, 3, 0, 0);
      insn(out, ALU64_AND_K, 1, 0, 0, ~access(r.access()) & 0xffff);
      at += 2;
      insn(out, JMP_JNE_K, 1, 0, length - ++at, 0);
      if (major) {
        insn(out, JMP_JNE_K, 4, 0, length - ++at, (int) r.major());
      }
      if (minor) {
        insn(out, JMP_JNE_K, 5, 0, length - ++at, (int) r.minor());
      }
      insn(out, ALU64_MOV_K, 0, 0, 0, 1);
      insn(out, JMP_EXIT, 0, 0, 0, 0);
    }
    insn(out, ALU64_MOV_K, 0, 0, 0, 0);
    insn(out, JMP_EXIT, 0, 0, 0, 0);
    return out.toByteArray();
  }

  /** The BPF_DEVCG_ACC_* mask of an access string of the v1 syntax ({@code "rwm"}). */
  static int access(String rwm) {
    return (rwm.indexOf('m') >= 0 ? BPF_DEVCG_ACC_MKNOD : 0) | (rwm.indexOf('r') >= 0 ? BPF_DEVCG_ACC_READ : 0)
        | (rwm.indexOf('w') >= 0 ? BPF_DEVCG_ACC_WRITE : 0);
  }

  private static void insn(ByteArrayOutputStream out, int code, int dst, int src, int off, int imm) {
    out.write(code);
    out.write(dst | src << 4);
    out.write(off & 0xff);
    out.write(off >> 8 & 0xff);
    out.write(imm & 0xff);
    out.write(imm >> 8 & 0xff);
    out.write(imm >> 16 & 0xff);
    out.write(imm >> 24 & 0xff);
  }
}
