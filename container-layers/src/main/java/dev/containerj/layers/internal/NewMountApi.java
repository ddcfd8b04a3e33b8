package dev.containerj.layers.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The new mount API (fsopen(2), fsconfig(2), fsmount(2), move_mount(2); Linux 5.2). Each option is
 * its own call, so no option string has to fit in one page as mount(2)'s data does; overlayfs'
 * {@code lowerdir+} (Linux 6.8) appends one lower layer per call.
 */
public final class NewMountApi {
  private NewMountApi() {}

  // Unified syscall table (include/uapi/asm-generic/unistd.h): the same on x86_64 and aarch64.
  static final long SYS_MOVE_MOUNT = 429;
  static final long SYS_FSOPEN = 430;
  static final long SYS_FSCONFIG = 431;
  static final long SYS_FSMOUNT = 432;

  static final int FSOPEN_CLOEXEC = 1;
  static final int FSCONFIG_SET_FLAG = 0;
  static final int FSCONFIG_SET_STRING = 1;
  static final int FSCONFIG_CMD_CREATE = 6;
  static final int FSMOUNT_CLOEXEC = 1;
  static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
  static final int AT_FDCWD = -100;

  /** Whether fsopen(2) exists (and is not blocked). */
  public static boolean available() {
    return Holder.AVAILABLE;
  }

  private static final class Holder {
    static final boolean AVAILABLE = probe();

    private static boolean probe() {
      try {
        LibC.syscall(SYS_FSOPEN, 0, 0, 0, 0, 0);
        return true;
      } catch (LastErrorException e) {
        return e.getErrorCode() != Constants.ENOSYS && e.getErrorCode() != Constants.EPERM;
      }
    }
  }

  /**
   * Creates a filesystem and attaches it at {@code target}.
   *
   * @param strings key/value options in order; a key may repeat (as {@code lowerdir+})
   * @param flags boolean options (as {@code userxattr})
   * @param attrs MOUNT_ATTR_* flags for the mount
   * @param describe the text naming the mount in error messages
   */
  public static void mount(String fstype, String source, List<Map.Entry<String, String>> strings,
      List<String> flags, int attrs, String target, String describe) throws IOException {
    Fd fs;
    try {
      Memory name = cstr(fstype);
      fs = new Fd((int) LibC.syscall(SYS_FSOPEN, addr(name), FSOPEN_CLOEXEC, 0, 0, 0));
      Reference.reachabilityFence(name);
    } catch (LastErrorException e) {
      throw new dev.containerj.linux.SyscallException("fsopen", describe, e.getErrorCode());
    }
    try (fs) {
      config(fs, FSCONFIG_SET_STRING, "source", source, describe);
      for (Map.Entry<String, String> kv : strings) {
        config(fs, FSCONFIG_SET_STRING, kv.getKey(), kv.getValue(), describe);
      }
      for (String flag : flags) {
        config(fs, FSCONFIG_SET_FLAG, flag, null, describe);
      }
      try {
        LibC.syscall(SYS_FSCONFIG, fs.get(), FSCONFIG_CMD_CREATE, 0, 0, 0);
      } catch (LastErrorException e) {
        throw new dev.containerj.linux.SyscallException("fsconfig(create)", describe, e.getErrorCode());
      }
      Fd mnt;
      try {
        mnt = new Fd((int) LibC.syscall(SYS_FSMOUNT, fs.get(), FSMOUNT_CLOEXEC, attrs, 0, 0));
      } catch (LastErrorException e) {
        throw new dev.containerj.linux.SyscallException("fsmount", describe, e.getErrorCode());
      }
      try (mnt) {
        Memory empty = cstr("");
        Memory to = cstr(target);
        LibC.syscall(SYS_MOVE_MOUNT, mnt.get(), addr(empty), AT_FDCWD, addr(to),
            MOVE_MOUNT_F_EMPTY_PATH);
        Reference.reachabilityFence(empty);
        Reference.reachabilityFence(to);
      } catch (LastErrorException e) {
        throw new dev.containerj.linux.SyscallException("move_mount", describe, e.getErrorCode());
      }
    }
  }

  private static void config(Fd fs, int cmd, String key, @Nullable String value, String describe)
      throws IOException {
    Memory k = cstr(key);
    @Nullable Memory v = value == null ? null : cstr(value);
    try {
      LibC.syscall(SYS_FSCONFIG, fs.get(), cmd, addr(k), v == null ? 0 : addr(v), 0);
    } catch (LastErrorException e) {
      throw new dev.containerj.linux.SyscallException(
          "fsconfig(" + key + (value == null ? "" : "=" + value) + ")", describe, e.getErrorCode());
    } finally {
      Reference.reachabilityFence(k);
      Reference.reachabilityFence(v);
    }
  }

  private static Memory cstr(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    Memory m = new Memory(b.length + 1L);
    m.write(0, b, 0, b.length);
    m.setByte(b.length, (byte) 0);
    return m;
  }

  private static long addr(Memory m) {
    return Pointer.nativeValue(m);
  }
}
