package dev.containerj.cgroups.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.containerj.cgroups.CgroupException;
import dev.containerj.linux.Errno;
import dev.containerj.linux.internal.Arch;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The two bpf(2) commands the cgroup v2 device policy needs: load a {@code
 * BPF_PROG_TYPE_CGROUP_DEVICE} program and attach it to a cgroup directory. Once attached, the
 * cgroup holds the program until the cgroup is removed, so the program's fd is closed at once.
 */
final class Bpf {
  static final int BPF_PROG_LOAD = 5;
  static final int BPF_PROG_ATTACH = 8;
  static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
  static final int BPF_CGROUP_DEVICE = 6;
  /**
   * With ALLOW_MULTI the programs of the cgroup and of every ancestor all run and all must allow
   * (bpf(2), "BPF_F_ALLOW_MULTI"), so a policy can only narrow the parent's, and attaching works
   * below a parent that attached its own program the same way (as systemd does).
   */
  static final int BPF_F_ALLOW_MULTI = 2;

  private Bpf() {}

  /** bpf(2) is older than the unified syscall table: its number differs per architecture. */
  static long sysBpf() {
    return Arch.current() == Arch.X86_64 ? 321 : 280;
  }

  /** Loads {@code insns} as a device program and attaches it to the cgroup directory {@code dir}. */
  static void attachDeviceProgram(Path dir, byte[] insns) throws CgroupException {
    int prog = load(insns, dir);
    try (Fd p = new Fd(prog)) {
      int cg;
      try {
        cg = LibC.open(dir.toString(), Constants.O_RDONLY | Arch.current().oDirectory() | Constants.O_CLOEXEC, 0);
      } catch (LastErrorException e) {
        throw new CgroupException("cannot open " + dir + " to attach its device program: "
            + Errno.describe(e.getErrorCode()), e.getErrorCode());
      }
      try (Fd c = new Fd(cg); Memory attr = new Memory(20)) {
        // union bpf_attr for BPF_PROG_ATTACH: u32 target_fd, attach_bpf_fd, attach_type, attach_flags, replace_bpf_fd
        attr.clear();
        attr.setInt(0, c.get());
        attr.setInt(4, p.get());
        attr.setInt(8, BPF_CGROUP_DEVICE);
        attr.setInt(12, BPF_F_ALLOW_MULTI);
        LibC.syscall(sysBpf(), BPF_PROG_ATTACH, Pointer.nativeValue(attr), 20, 0, 0);
      } catch (LastErrorException e) {
        throw new CgroupException("bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE) to " + dir + " failed: "
            + Errno.describe(e.getErrorCode()), e.getErrorCode());
      }
    }
  }

  private static int load(byte[] insns, Path dir) throws CgroupException {
    try (Memory code = new Memory(insns.length); Memory license = new Memory(4); Memory log = new Memory(4096);
        Memory attr = new Memory(72)) {
      code.write(0, insns, 0, insns.length);
      license.setString(0, "GPL", StandardCharsets.US_ASCII.name());
      attr.clear();
      // union bpf_attr for BPF_PROG_LOAD: u32 prog_type, u32 insn_cnt, u64 insns, u64 license,
      // u32 log_level, u32 log_size, u64 log_buf, u32 kern_version, u32 prog_flags, char prog_name[16],
      // u32 prog_ifindex, u32 expected_attach_type
      attr.setInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
      attr.setInt(4, insns.length / 8);
      attr.setLong(8, Pointer.nativeValue(code));
      attr.setLong(16, Pointer.nativeValue(license));
      attr.setInt(68, BPF_CGROUP_DEVICE);
      try {
        return (int) LibC.syscall(sysBpf(), BPF_PROG_LOAD, Pointer.nativeValue(attr), 72, 0, 0);
      } catch (LastErrorException first) {
        if (first.getErrorCode() != Constants.EINVAL && first.getErrorCode() != Constants.EACCES) {
          throw loadError(dir, first.getErrorCode(), "");
        }
        // The verifier refused it: load again with its log, for the message.
        log.clear();
        attr.setInt(24, 1);
        attr.setInt(28, 4096);
        attr.setLong(32, Pointer.nativeValue(log));
        try {
          return (int) LibC.syscall(sysBpf(), BPF_PROG_LOAD, Pointer.nativeValue(attr), 72, 0, 0);
        } catch (LastErrorException e) {
          throw loadError(dir, e.getErrorCode(), log.getString(0, StandardCharsets.UTF_8.name()).strip());
        }
      }
    }
  }

  private static CgroupException loadError(Path dir, int errno, String log) {
    return new CgroupException("bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE) for " + dir + " failed: "
        + Errno.describe(errno) + (errno == Constants.EPERM ? " (loading a device program needs CAP_SYS_ADMIN or CAP_BPF)" : "")
        + (log.isEmpty() ? "" : "; verifier: " + log), errno);
  }
}
