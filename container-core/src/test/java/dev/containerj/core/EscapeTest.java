package dev.containerj.core;

import static dev.containerj.core.EscapeProbe.ROOT;
import static dev.containerj.core.EscapeProbe.python;
import static dev.containerj.core.EscapeProbe.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.LastErrorException;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.StateStore;
import dev.containerj.linux.Errno;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.LaunchRequest;
import dev.containerj.namespaces.internal.LaunchedProcess;
import dev.containerj.namespaces.internal.Launcher;
import dev.containerj.namespaces.internal.NativeHelper;
import dev.containerj.namespaces.internal.ProgramSteps;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Escape regression tests on the real kernel: each known way out of a container is tried from inside
 * one, and the exact errno the kernel (or the seccomp filter) answers is asserted. Each is run a
 * second time with the protection that stops it explicitly turned off, and the outcome must then
 * differ: proof that the test can fail. The table in {@code container-core/README-security.md} lists
 * escape, method, errno and the protection turned off.
 *
 * <p>Runs as root and, in CI, as {@code nobody}. Where the "off" run needs real root (no user
 * namespace), it is a method of its own that an assumption skips, saying why.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class EscapeTest {
  private static final int F_GET_SEALS = 1034;
  private static final int O_DIRECTORY = 0200000;
  private static final long CLONE_NEWUSER = 0x10000000L;
  private static final long CLONE_NEWNS = 0x00020000L;
  private static final long CLONE_NEWCGROUP = 0x02000000L;
  private static final int SIGCHLD = 17;
  private static final int PTRACE_SEIZE = 0x4206;

  /** A directory under the host's /tmp: the container's private /tmp hides it. */
  private static Path hostDir;
  /** A file only the host has: reaching it from a container is an escape. */
  private static Path marker;

  @BeforeAll
  static void hostOnlyMarker() throws IOException {
    hostDir = Files.createTempDirectory(Path.of("/tmp"), "cj-escape-host-");
    marker = hostDir.resolve("marker");
    Files.writeString(marker, "host-only");
  }

  @AfterAll
  static void removeMarker() throws IOException {
    deleteTree(hostDir);
  }

  // ---------------------------------------------------------------------------------------------
  // Symbolic links in the root filesystem (as runc's CVE-2021-30465 and its mount-target kin): before
  // the pivot, "/" is still the host's, so a root whose /etc is a link to a host directory would get
  // the setup's files (/etc/hosts) created there, and its mounts placed on the host's tree.

  @Test
  void linksInTheRootCannotLeadTheSetupOutOfIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path victim = Files.createDirectories(dir.resolve("victim"));
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Files.writeString(volume.resolve("in.txt"), "volume");
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String tool : new String[] {"sh", "cat", "ls", "readlink"}) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    Files.createSymbolicLink(root.resolve("etc"), victim);      // /etc/hosts would be made in the victim
    Files.createSymbolicLink(root.resolve("mnt"), victim);      // and the volume mounted over it
    Files.createDirectories(root.resolve("proc"));
    Files.createDirectories(root.resolve("dev"));
    Files.createDirectories(root.resolve("sys"));
    Files.createDirectories(root.resolve("tmp"));
    for (Path p : new Path[] {dir, root, volume}) {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    ContainerSpec.Builder b = ImageIds.forDirectory(ContainerSpec.builder().rootfs(RootFs.writableDirectory(root)), root)
        .command("/bin/sh", "-c", "cat /mnt/in.txt; echo; readlink /etc")
        .mount(MountSpec.bindReadOnly(volume, "/mnt")).stdout(Redirect.PIPE).stderr(Redirect.PIPE);
    Run.Result r;
    try {
      r = Run.run(b.build());
    } catch (ContainerStartException e) {
      // Refusing is as good as containing: what matters is below.
      r = new Run.Result("", e.getMessage(), null, "");
    }
    // Inside the root, /mnt leads to a path that does not exist there: the mount fails rather than
    // landing on the host's directory, or lands inside the root; never in the victim.
    try (java.util.stream.Stream<Path> left = Files.list(victim)) {
      assertThat(left).as("files the setup made through the root's links: %s", r.err()).isEmpty();
    }
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(victim.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // CVE-2019-5736: overwrite the runtime binary through /proc/PID/exe

  @Test
  void cve2019_5736_helperRunsFromASealedMemfdThatCannotBeWritten() throws Exception {
    String helper = NativeHelper.get().path();
    int fd = Integer.parseInt(helper.substring(helper.lastIndexOf('/') + 1));
    assertThat(Files.readSymbolicLink(Path.of(helper)).toString()).startsWith("/memfd:containerj-helper");
    int seals = LibC.fcntl(fd, F_GET_SEALS, 0);
    int wanted = Constants.F_SEAL_SEAL | Constants.F_SEAL_SHRINK | Constants.F_SEAL_GROW | Constants.F_SEAL_WRITE;
    assertThat(seals & wanted).as("seals of the helper memfd: 0x%x", seals).isEqualTo(wanted);
    // The attack: reopen the image through /proc for writing and write to it. One byte, the same
    // as the ELF magic's first, so that a regression does not corrupt this JVM's helper.
    assertThat(writeFirstByte(helper)).isEqualTo("EPERM");

    // Protection off: the same image in an unsealed memfd can be overwritten.
    byte[] image = Files.readAllBytes(Path.of(helper));
    try (Fd plain = new Fd(LibC.memfd_create("unsealed-copy", Constants.MFD_CLOEXEC))) {
      LibC.write(plain.get(), image, image.length);
      assertThat(writeFirstByte("/proc/self/fd/" + plain.get())).isEqualTo("OK");
    }
  }

  @Test
  void cve2019_5736_aHandleOnTheHelperProcessCannotWriteItsImageAfterItExecs() throws Exception {
    // The runc attack: hold /proc/PID/exe of the runtime process (O_PATH), wait until it has exec'd
    // the payload, then reopen the image for writing. Here this JVM plays the attacker with the best
    // possible timing: it takes the handle while the helper runs, before it reads its program.
    // Inside, pid 1 (the payload) cannot open its own image or /proc/1/exe for writing either.
    ContainerSpec spec = python("""
        out('exe', os.readlink('/proc/1/exe'))
        out('write_proc_1_exe', os_call(os.open, '/proc/1/exe', os.O_WRONLY))
        out('write_proc_self_exe', os_call(os.open, '/proc/self/exe', os.O_WRONLY))
        """).build();
    int[] handle = {-1};
    Map<String, String> r;
    try {
      r = launch(spec, List.of(), helperPid -> {
        // posix_spawn may return a moment before /proc/PID/exe shows the new image (seen under QEMU
        // with Linux 6.1): take the handle once it does.
        for (int tries = 0; tries < 10_000; tries++) {
          int fd = LibC.open("/proc/" + helperPid + "/exe", Constants.O_PATH | Constants.O_CLOEXEC, 0);
          if (Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().startsWith("/memfd:")) {
            handle[0] = fd;
            return;
          }
          LibC.close(fd);
          Thread.yield();
        }
      }, null);
      assertThat(handle[0]).isNotNegative();
      assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + handle[0])).toString())
          .startsWith("/memfd:containerj-helper");
      assertThat(writeFirstByte("/proc/self/fd/" + handle[0])).isEqualTo("EPERM");
    } finally {
      if (handle[0] >= 0) {
        new Fd(handle[0]).close();
      }
    }
    assertThat(r.get("exe")).doesNotContain("memfd").contains("/python3");

    // Protection off: the same attack on a process run from an unsealed memfd (a copy of sleep)
    // rewrites the image once the process is gone.
    byte[] sleep = Files.readAllBytes(Path.of("/bin/sleep"));
    try (Fd image = new Fd(LibC.memfd_create("unsealed-runtime", Constants.MFD_CLOEXEC))) {
      LibC.write(image.get(), sleep, sleep.length);
      Process runtime = new ProcessBuilder("/proc/" + LibC.getpid() + "/fd/" + image.get(), "30").start();
      try (Fd exe = new Fd(LibC.open("/proc/" + runtime.pid() + "/exe", Constants.O_PATH | Constants.O_CLOEXEC, 0))) {
        assertThat(writeFirstByte("/proc/self/fd/" + exe.get())).as("while it runs").isEqualTo("open: ETXTBSY");
        runtime.destroyForcibly().waitFor();
        assertThat(writeFirstByte("/proc/self/fd/" + exe.get())).as("after it ended").isEqualTo("OK");
      } finally {
        runtime.destroyForcibly().waitFor();
      }
    }
    // As root the running image is busy (ETXTBSY); as an ordinary user the container's root does not
    // own the host's binaries and the permission check comes first (EACCES).
    // The container's root is an unprivileged host id (as root, by default), or the ordinary user:
    // the permission check refuses the write before the busy text would.
    String busy = "EACCES";
    assertThat(r).containsEntry("write_proc_1_exe", busy).containsEntry("write_proc_self_exe", busy);
  }

  // ---------------------------------------------------------------------------------------------
  // CVE-2024-21626: a leaked fd or a working directory outside the root

  @Test
  void cve2024_21626_noFdOfTheJvmReachesThePayload() throws Exception {
    List<Fd> held = holdNonCloexecFds();
    try {
      String script = """
          fds = []
          for fd in range(3, 4096):
              try:
                  os.fstat(fd)
                  fds.append(fd)
              except OSError:
                  pass
          out('fds', fds)
          out('marker', os.path.exists(MARKER))
          out('marker_via_fd3', os.path.exists('/proc/self/fd/3/marker'))
          """.replace("MARKER", "'" + marker + "'");
      Map<String, String> r = run(python(script));
      assertThat(r).containsEntry("fds", "[]").containsEntry("marker", "False").containsEntry("marker_via_fd3", "False");

      // Protection off: a helper program that skips the closing (no close_range, no pivot) and is
      // asked to pass the host directory: the payload then holds it as fd 3 and reaches the host.
      HelperProgram open = new HelperProgram();
      ProgramSteps.cloneInto(open, EnumSet.of(Namespace.USER, Namespace.MOUNT));
      List<String> argv = python(script).build().command();
      open.exec(ProgramSteps.candidates("python3", Map.of()), argv, Map.of("PATH", ProgramSteps.DEFAULT_PATH));
      Fd dir = new Fd(LibC.open(hostDir.toString(), Constants.O_RDONLY | O_DIRECTORY | Constants.O_CLOEXEC, 0));
      held.add(dir);
      Map<String, String> off = launch(open, List.of(dir.get()));
      assertThat(off.get("fds")).startsWith("[3");
      assertThat(off).containsEntry("marker_via_fd3", "True");
    } finally {
      held.forEach(Fd::close);
    }
  }

  @Test
  void cve2024_21626_workingDirectoryThroughAProcFdIsRefused() throws Exception {
    List<Fd> held = holdNonCloexecFds();
    try {
      // The helper has closed every fd of the JVM before it reads its program; at chdir time it holds
      // only stdio and its status pipe, so /proc/self/fd/N names nothing outside the container.
      for (int n = 3; n <= 8; n++) {
        String dir = "/proc/self/fd/" + n;
        ContainerSpec spec = python("out('cwd', os.getcwd())").workingDirectory(dir).build();
        assertThatThrownBy(() -> Run.run(spec)).as(dir)
            .isInstanceOfSatisfying(ContainerStartException.class, e -> {
              assertThat(e.call()).isEqualTo("chdir(" + dir + ")");
              assertThat(e.step()).isEqualTo(ContainerStartException.Step.ROOTFS);
              assertThat(e.error().orElseThrow()).isIn(Errno.ENOENT, Errno.ENOTDIR);
            });
      }
      // /proc/self/cwd and /proc/self/root of the payload are the container's root.
      Map<String, String> r = run("""
          out('cwd', os.readlink('/proc/self/cwd'))
          out('root', os.readlink('/proc/self/root'))
          out('marker_via_cwd', os.path.exists('/proc/self/cwd/' + 'MARKER'))
          out('marker_via_root', os.path.exists('/proc/1/root' + 'MARKER'))
          """.replace("MARKER", marker.toString()));
      assertThat(r).containsEntry("cwd", "/").containsEntry("root", "/")
          .containsEntry("marker_via_cwd", "False").containsEntry("marker_via_root", "False");

      // Protection off: the same program, but the helper is handed the host directory as fd 3.
      Fd dir = new Fd(LibC.open(hostDir.toString(), Constants.O_RDONLY | O_DIRECTORY | Constants.O_CLOEXEC, 0));
      held.add(dir);
      ContainerSpec leaky = python("""
          out('cwd', os.readlink('/proc/self/cwd'))
          out('read', open('marker').read())
          """).workingDirectory("/proc/self/fd/3").build();
      Map<String, String> off = launch(hostIds(leaky.toBuilder()).build(), List.of(dir.get()), null, null);
      assertThat(off).containsEntry("read", "host-only");
      assertThat(off.get("cwd")).isNotEqualTo("/").endsWith(hostDir.getFileName().toString());
    } finally {
      held.forEach(Fd::close);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // CVE-2022-0492: mount a cgroup v1 hierarchy and write release_agent

  @Test
  void cve2022_0492_cgroupV1MountAndReleaseAgent() throws Exception {
    String controller = v1ControllerAtRoot();
    String script = """
        os.mkdir('/tmp/cg')
        out('unshare', sc('unshare', CLONE_NEWCGROUP | CLONE_NEWNS))
        out('mount', sc('mount', 'cgroup', '/tmp/cg', 'cgroup', 0, 'CTRL'))
        out('sys_release_agent', os_call(os.open, '/sys/fs/cgroup/CTRL/release_agent', os.O_WRONLY))
        def write_release_agent():
            # Writes back what is there: even a kernel without the fix would change nothing.
            cur = open('/tmp/cg/release_agent').read()
            fd = os.open('/tmp/cg/release_agent', os.O_WRONLY)
            try:
                os.write(fd, cur.encode())
            finally:
                os.close(fd)
        out('release_agent', os_call(write_release_agent) if os.path.exists('/tmp/cg/release_agent') else 'ABSENT')
        """.replace("CTRL", controller).replace("CLONE_NEWCGROUP", Long.toString(CLONE_NEWCGROUP))
        .replace("CLONE_NEWNS", Long.toString(CLONE_NEWNS));
    assertThat(run(script)).containsEntry("unshare", "EPERM").containsEntry("mount", "EPERM")
        .containsEntry("sys_release_agent", "ENOENT").containsEntry("release_agent", "ABSENT");
    // Protection off (CAP_SYS_ADMIN, which also lets the seccomp profile allow mount): the mount
    // works; the write is still refused by the kernel's own fix (release_agent needs CAP_SYS_ADMIN
    // in the initial user namespace, since Linux 5.17).
    // As an ordinary user the file's owner (the host's root) is not mapped, and the permission check
    // refuses the open first (EACCES).
    assertThat(run(python(script).addCapability(Capability.CAP_SYS_ADMIN)))
        .containsEntry("unshare", "OK").containsEntry("mount", "OK").containsEntry("release_agent", "EACCES");
  }

  // ---------------------------------------------------------------------------------------------
  // Shocker: open_by_handle_at with a handle of a host file

  private static final String OPEN_BY_HANDLE = """
      class FH(ctypes.Structure):
          _fields_ = [('handle_bytes', ctypes.c_uint), ('handle_type', ctypes.c_int), ('f_handle', ctypes.c_ubyte * 128)]
      h = bytes.fromhex('HEX')
      fh = FH()
      fh.handle_bytes = len(h)
      fh.handle_type = TYPE
      for i, b in enumerate(h):
          fh.f_handle[i] = b
      mfd = os.open('/', os.O_RDONLY)
      r, e = sc_raw('open_by_handle_at', mfd, ctypes.byref(fh), os.O_RDONLY)
      out('open_by_handle_at', 'OK' if r != -1 else ename(e))
      if r != -1:
          out('content', os.read(r, 100).decode())
      out('marker_by_path', os.path.exists('MARKER'))
      """;

  @Test
  void shocker_openByHandleAtIsDenied() throws Exception {
    Map<String, String> r = run(OPEN_BY_HANDLE.replace("MARKER", marker.toString()).replace("HEX", handleOf(marker)[1])
        .replace("TYPE", handleOf(marker)[0]));
    assertThat(r).containsEntry("open_by_handle_at", "EPERM").containsEntry("marker_by_path", "False");
  }

  @Test
  void shocker_protectionOff_readsTheHostFile() throws Exception {
    assumeTrue(ROOT, "open_by_handle_at needs CAP_DAC_READ_SEARCH in the initial user namespace: "
        + "only real root without a user namespace can turn this protection off");
    assumeTrue(Files.getAttribute(marker, "unix:dev").equals(Files.getAttribute(Path.of("/"), "unix:dev")),
        "the host's /tmp is not on the root filesystem, so a handle from it cannot be opened through /");
    String[] h = handleOf(marker);
    Map<String, String> r = run(python(OPEN_BY_HANDLE.replace("MARKER", marker.toString()).replace("HEX", h[1])
        .replace("TYPE", h[0])).namespaces(withoutUser()).addCapability(Capability.CAP_DAC_READ_SEARCH)
        // The handle is of the host's root filesystem, so "/" must be that filesystem, not the overlay.
        .readOnlyRootfs());
    assertThat(r).containsEntry("open_by_handle_at", "OK").containsEntry("content", "host-only")
        .containsEntry("marker_by_path", "False");
  }

  // ---------------------------------------------------------------------------------------------
  // keyctl: the kernel keyring is not namespaced

  @Test
  void keyctlIsDenied() throws Exception {
    String script = """
        out('keyctl', sc('keyctl', 0, -3, 0))
        out('add_key', sc('add_key', 'user', 'cj-escape', 'x', 1, -3))
        out('request_key', sc('request_key', 'user', 'cj-escape', 0, 0))
        """;
    assertThat(run(script)).containsEntry("keyctl", "EPERM").containsEntry("add_key", "EPERM")
        .containsEntry("request_key", "EPERM");
    // Protection off (no seccomp filter): the keyring calls reach the kernel.
    Map<String, String> off = run(python(script).seccomp(SeccompProfile.unconfined()));
    assertThat(off).containsEntry("keyctl", "OK").containsEntry("add_key", "OK");
  }

  // ---------------------------------------------------------------------------------------------
  // ptrace of a process outside; ptrace of the container's own init in the hardened profile

  private static final String PTRACE_OUTSIDE = """
      out('kill0', os_call(os.kill, PID, 0))
      out('seize', sc('ptrace', SEIZE, PID, 0, 0))
      """;

  @Test
  void ptraceOfAHostProcessFindsNoSuchProcess() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      String script = PTRACE_OUTSIDE.replace("SEIZE", Integer.toString(PTRACE_SEIZE))
          .replace("PID", Long.toString(sleeper.pid()));
      // PTRACE_SEIZE takes the same permission checks as PTRACE_ATTACH (ptrace_attach()) but does
      // not stop the tracee, so a success in an "off" run leaves nothing stopped on the host.
      assertThat(run(script)).containsEntry("kill0", "ESRCH").containsEntry("seize", "ESRCH");
      // Protection off (no pid namespace): the host process is visible and can be signalled; ptrace
      // is still refused by the user namespace (no CAP_SYS_PTRACE over the host's namespace).
      assertThat(run(hostIds(python(script).namespaces(EnumSet.of(Namespace.USER, Namespace.MOUNT, Namespace.NET,
          Namespace.UTS, Namespace.IPC))))).containsEntry("kill0", "OK").containsEntry("seize", "EPERM");
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
  }

  @Test
  void ptraceOfAHostProcess_protectionOff_attaches() throws Exception {
    assumeTrue(ROOT, "attaching to a host process needs CAP_SYS_PTRACE in the initial user namespace: "
        + "only real root without user and pid namespaces can turn this protection off");
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      String script = PTRACE_OUTSIDE.replace("SEIZE", Integer.toString(PTRACE_SEIZE))
          .replace("PID", Long.toString(sleeper.pid()));
      Set<Namespace> ns = withoutUser();
      ns.remove(Namespace.PID);
      assertThat(run(python(script).namespaces(ns).addCapability(Capability.CAP_SYS_PTRACE)))
          .containsEntry("kill0", "OK").containsEntry("seize", "OK");
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
  }

  @Test
  void ptraceOfTheOwnInitIsDeniedByTheHardenedProfile() throws Exception {
    String script = """
        pid = os.fork()
        if pid == 0:
            out('seize_init', sc('ptrace', SEIZE, 1, 0, 0))
            os._exit(0)
        os.waitpid(pid, 0)
        """.replace("SEIZE", Integer.toString(PTRACE_SEIZE));
    assertThat(run(python(script).hardened().limits(ROOT ? ContainerSpec.Builder.HARDENED_LIMITS
        : dev.containerj.cgroups.CgroupLimits.none()))).containsEntry("seize_init", "EPERM");
    // Protection off (the default profile, which allows ptrace as Docker's does on kernels >= 4.8):
    // a process may trace its own container's init.
    assertThat(run(script)).containsEntry("seize_init", "OK");
  }

  // ---------------------------------------------------------------------------------------------
  // mount, umount, pivot_root without CAP_SYS_ADMIN

  @Test
  void mountUmountAndPivotRootAreDenied() throws Exception {
    String script = """
        os.mkdir('/tmp/m')
        out('mount', sc('mount', 'tmpfs', '/tmp/m', 'tmpfs', 0, 0))
        out('umount', sc('umount2', '/tmp/m', 0) if os.path.ismount('/tmp/m') else sc('umount2', '/proc', 2))
        out('pivot_root', sc('pivot_root', '/tmp/nope', '/tmp/nope'))
        out('open_tree', sc('open_tree', -100, '/dev/shm', 1))
        """;
    assertThat(run(script)).containsEntry("mount", "EPERM").containsEntry("umount", "EPERM")
        .containsEntry("pivot_root", "EPERM").containsEntry("open_tree", "EPERM");
    // Protection off (CAP_SYS_ADMIN): mount and umount work, pivot_root reaches the path lookup.
    assertThat(run(python(script).addCapability(Capability.CAP_SYS_ADMIN))).containsEntry("mount", "OK")
        .containsEntry("umount", "OK").containsEntry("pivot_root", "ENOENT").containsEntry("open_tree", "OK");
  }

  // ---------------------------------------------------------------------------------------------
  // A nested user namespace to regain capabilities

  @Test
  void nestedUserNamespaceIsDenied() throws Exception {
    String script = """
        def cap_eff():
            return [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]
        r, e = sc_raw('clone', CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)
        if r == 0:
            os._exit(0)
        if r > 0:
            os.waitpid(r, 0)
        out('clone', 'OK' if r != -1 else ename(e))
        out('unshare', sc('unshare', CLONE_NEWUSER))
        out('cap_eff', cap_eff())
        """.replace("CLONE_NEWUSER", Long.toString(CLONE_NEWUSER)).replace("SIGCHLD", Integer.toString(SIGCHLD));
    assertThat(run(script)).containsEntry("clone", "EPERM").containsEntry("unshare", "EPERM")
        .containsEntry("cap_eff", "00000000a80405fb");
    // Protection off (no seccomp filter): the payload becomes root of a new user namespace with every
    // capability in it.
    assertThat(run(python(script).seccomp(SeccompProfile.unconfined()))).containsEntry("clone", "OK")
        .containsEntry("unshare", "OK").containsEntry("cap_eff", fullCapMask());
  }

  // ---------------------------------------------------------------------------------------------
  // Writing /proc/sys and /proc/sysrq-trigger

  @Test
  void procSysIsReadOnly() throws Exception {
    // Both sysctls belong to the container's own namespaces (net, uts), so the "off" run changes
    // nothing on the host.
    String script = """
        def write(path, value):
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, value.encode())
            finally:
                os.close(fd)
        out('keepalive', os_call(write, '/proc/sys/net/ipv4/tcp_keepalive_time', '600'))
        out('keepalive_now', open('/proc/sys/net/ipv4/tcp_keepalive_time').read().strip())
        out('hostname', os_call(write, '/proc/sys/kernel/hostname', 'escaped'))
        out('hostname_now', open('/proc/sys/kernel/hostname').read().strip())
        """;
    // CAP_NET_ADMIN: without it only the host's uid 0 may write net sysctls (proc_sys_permission), so
    // as an ordinary user the permission check would refuse before the read-only mount is reached.
    Map<String, String> r = run(python(script).hostname("inside").addCapability(Capability.CAP_NET_ADMIN));
    assertThat(r).containsEntry("keepalive", "EROFS").containsEntry("keepalive_now", "7200");
    // kernel.hostname may be written only by the host's uid 0 (proc_sys_permission): the container's
    // root is not that, so the permission check refuses before the read-only mount is reached.
    assertThat(r).containsEntry("hostname", "EACCES").containsEntry("hostname_now", "inside");
    // Protection off (no read-only paths, and as root the identity map): the writes go through.
    Map<String, String> off = run(hostIds(python(script).hostname("inside").addCapability(Capability.CAP_NET_ADMIN)
        .readonlyPaths(List.of())));
    assertThat(off).containsEntry("keepalive", "OK").containsEntry("keepalive_now", "600");
    if (ROOT) {
      assertThat(off).containsEntry("hostname", "OK").containsEntry("hostname_now", "escaped");
    }
  }

  @Test
  void sysrqTriggerIsReadOnly() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/sysrq-trigger")),
        "this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ off): nothing to protect, not tested");
    // Only opened, never written: a write in an "off" run would act on the host.
    String script = "out('sysrq', os_call(lambda: os.close(os.open('/proc/sysrq-trigger', os.O_WRONLY))))";
    // As root with the identity map the permission check passes, so the read-only mount is what
    // refuses; otherwise the permission check refuses first (the container's root is not the host's).
    assertThat(run(hostIds(python(script)))).containsEntry("sysrq", ROOT ? "EROFS" : "EACCES");
    assertThat(run(script)).containsEntry("sysrq", "EACCES");
    if (ROOT) {
      assertThat(run(hostIds(python(script).readonlyPaths(List.of())))).containsEntry("sysrq", "OK");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading /proc/kcore and the other masked paths

  @Test
  void kcoreIsMasked() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/kcore")),
        "this kernel has no /proc/kcore (CONFIG_PROC_KCORE off): maskedFilesReadAsDevNull covers the mechanism");
    String script = """
        import stat
        st = os.stat('/proc/kcore')
        out('kind', 'chr %d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)) if stat.S_ISCHR(st.st_mode) else 'file')
        out('read', os_call(lambda: out('bytes', len(open('/proc/kcore', 'rb').read(4096)))))
        """;
    assertThat(run(script)).containsEntry("kind", "chr 1:3").containsEntry("bytes", "0");
    assertThat(run(python(script).maskedPaths(List.of()))).containsEntry("kind", "file");
  }

  @Test
  void maskedFilesReadAsDevNullAndMaskedDirectoriesAreEmpty() throws Exception {
    String script = """
        import stat
        for p in PATHS:
            if not os.path.lexists(p):
                out(p, 'absent')
            elif os.path.isdir(p):
                out(p, 'dir %d entries' % len(os.listdir(p)))
            else:
                st = os.stat(p)
                out(p, 'chr %d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)) if stat.S_ISCHR(st.st_mode) else 'file')
        """.replace("PATHS", pyList(ContainerSpec.DEFAULT_MASKED_PATHS));
    Map<String, String> on = run(script);
    Map<String, String> off = run(python(script).maskedPaths(List.of()));
    int checked = 0;
    for (String p : ContainerSpec.DEFAULT_MASKED_PATHS) {
      Path host = Path.of(p);
      if (!Files.exists(host)) {
        continue;
      }
      checked++;
      if (Files.isDirectory(host)) {
        assertThat(on).as(p).containsEntry(p, "dir 0 entries");
      } else {
        assertThat(on).as(p).containsEntry(p, "chr 1:3");
        assertThat(off).as(p).containsEntry(p, "file");
      }
    }
    assertThat(checked).as("masked paths present on this host").isPositive();
    assertThat(off.get("/sys/firmware")).isNotEqualTo("dir 0 entries");
  }

  // ---------------------------------------------------------------------------------------------
  // Raw sockets without CAP_NET_RAW

  @Test
  void rawSocketNeedsNetRaw() throws Exception {
    String script = """
        import socket
        out('raw', os_call(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()))
        out('packet', os_call(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()))
        out('icmpv6', os_call(lambda: socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6).close()))
        """;
    // NET_RAW is not in the default set (as with Podman): no raw IP, IPv6 or packet socket.
    assertThat(run(script)).containsEntry("raw", "EPERM").containsEntry("packet", "EPERM")
        .containsEntry("icmpv6", "EPERM");
    // Protection off: NET_RAW added back; it works inside the container's own netns.
    assertThat(run(python(script).addCapability(Capability.CAP_NET_RAW))).containsEntry("raw", "OK")
        .containsEntry("packet", "OK").containsEntry("icmpv6", "OK");
  }

  // ---------------------------------------------------------------------------------------------
  // A setuid binary under no_new_privs

  @Test
  void setuidBinaryGainsNothingUnderNoNewPrivs() throws Exception {
    assumeTrue(ROOT, "needs a setuid-root binary and a second uid in the container: as an ordinary user "
        + "the single-id user namespace maps neither root nor uid 1000 (NoNewPrivs itself: SecureDefaultsTest)");
    Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "cj-escape-suid-");
    try {
      Path id = dir.resolve("id");
      Files.copy(Path.of("/usr/bin/id"), id);
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      assertThat(new ProcessBuilder("chmod", "4755", id.toString()).start().waitFor()).isZero();
      // The identity map: a setuid-root file only works when its owner, the host's root, is mapped.
      ContainerSpec.Builder spec = hostIds(Run.sh("/mnt/id -u; grep NoNewPrivs /proc/self/status")
          .mount(MountSpec.bindReadOnly(dir, "/mnt")).user(1000, 1000));
      Run.Result on = Run.run(spec.build());
      // id -u prints the effective uid.
      assertThat(on.out()).as(on.err()).isEqualTo("1000\nNoNewPrivs:\t1\n");
      // Protection off: the setuid bit works and the payload gets euid 0.
      Run.Result off = Run.run(spec.noNewPrivileges(false).build());
      assertThat(off.out()).as(off.err()).isEqualTo("0\nNoNewPrivs:\t0\n");
    } finally {
      deleteTree(dir);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Module loading, reboot

  private static final String MODULES = """
      out('finit_module', sc('finit_module', -1, '', 0))
      out('init_module', sc('init_module', 0, 0, ''))
      out('delete_module', sc('delete_module', 'cj_no_such_module', 0))
      """;

  @Test
  void moduleLoadingIsDenied() throws Exception {
    assertThat(run(MODULES)).containsEntry("finit_module", "EPERM").containsEntry("init_module", "EPERM")
        .containsEntry("delete_module", "EPERM");
    if (!Files.exists(Path.of("/proc/modules"))) {
      // Protection off (no seccomp filter) on a kernel built without modules: the calls reach the
      // kernel, which answers ENOSYS. The EPERM above came from the filter.
      assertThat(run(python(MODULES).seccomp(SeccompProfile.unconfined())))
          .containsEntry("finit_module", "ENOSYS").containsEntry("init_module", "ENOSYS");
    }
  }

  @Test
  void moduleLoading_protectionOff_reachesTheLoader() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/modules")),
        "this kernel has no module support (no /proc/modules): moduleLoadingIsDenied shows ENOSYS instead");
    assumeTrue(ROOT, "module loading needs CAP_SYS_MODULE in the initial user namespace: only real root "
        + "without a user namespace can turn this protection off");
    // fd -1: the loader rejects the file before reading anything; nothing is loaded.
    assertThat(run(python(MODULES).namespaces(withoutUser()).addCapability(Capability.CAP_SYS_MODULE)))
        .containsEntry("finit_module", "EBADF");
  }

  @Test
  void rebootIsDenied() throws Exception {
    // LINUX_REBOOT_CMD_CAD_OFF: in a pid namespace other than the initial one the kernel refuses any
    // command but restart/halt/power-off (which end the namespace) with EINVAL: safe to turn on.
    String script = "out('reboot', sc('reboot', 0xfee1dead, 672274793, 0))";
    assertThat(run(script)).containsEntry("reboot", "EPERM");
    ContainerSpec.Builder off = python(script).addCapability(Capability.CAP_SYS_BOOT);
    assertThat(off.build().namespaces()).contains(Namespace.PID);
    assertThat(run(off)).containsEntry("reboot", "EINVAL");
  }

  // ---------------------------------------------------------------------------------------------
  // The rest of the default profile's deny list: calls whose kernel code is the attack surface

  @Test
  void otherDangerousCallsAreDeniedByTheDefaultProfile() throws Exception {
    String script = """
        out('bpf', sc('bpf', 0, 0, 0))
        out('perf_event_open', sc('perf_event_open', 0, 0, -1, -1, 0))
        out('userfaultfd', sc('userfaultfd', 0))
        out('io_uring_setup', sc('io_uring_setup', 1, 0))
        out('kexec_load', sc('kexec_load', 0, 0, 0, 0))
        out('swapon', sc('swapon', '/nonexistent', 0))
        out('setns', sc('setns', -1, 0))
        out('personality', sc('personality', 0x0400000))
        """;
    Map<String, String> on = run(script);
    for (String call : List.of("bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "kexec_load", "swapon",
        "setns", "personality")) {
      assertThat(on).as(call).containsEntry(call, "EPERM");
    }
    // Protection off (no seccomp filter): the kernel itself answers. Several of these the kernel also
    // refuses in a user namespace (bpf, kexec_load, swapon: EPERM again, defence in depth); these ones
    // reach their argument checks: a NULL params pointer, fd -1, or succeed (READ_IMPLIES_EXEC).
    Map<String, String> off = run(python(script).seccomp(SeccompProfile.unconfined()));
    assertThat(off).containsEntry("setns", "EBADF").containsEntry("personality", "OK");
    if (Files.exists(Path.of("/proc/sys/kernel/io_uring_disabled"))
        && dev.containerj.linux.internal.ProcFiles.readLong("/proc/sys/kernel/io_uring_disabled", 0) == 0) {
      assertThat(off).containsEntry("io_uring_setup", "EFAULT");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // chroot escape with a saved directory fd

  @Test
  void chrootEscapeEndsAtTheContainerRoot() throws Exception {
    String script = """
        os.makedirs('/dev/shm/jail/inner')
        saved = os.open('/', os.O_RDONLY)
        out('chroot', os_call(os.chroot, '/dev/shm/jail'))
        out('jailed', os.path.isdir('/inner'))
        os.fchdir(saved)
        for i in range(64):
            os.chdir('..')
        out('chroot_back', os_call(os.chroot, '.'))
        out('out_of_jail', os.path.isdir('/dev/shm/jail/inner'))
        out('host_marker', os.path.exists('MARKER'))
        """.replace("MARKER", marker.toString());
    // The classic escape works against chroot, but ends at the container's root: pivot_root left
    // nothing of the host above it.
    assertThat(run(script)).containsEntry("chroot", "OK").containsEntry("jailed", "True")
        .containsEntry("chroot_back", "OK").containsEntry("out_of_jail", "True").containsEntry("host_marker", "False");
    // Protection off (the host's /tmp is part of the container's root): the same check sees the host file.
    assertThat(run(hostIds(python(script).privateTmp(false)))).containsEntry("out_of_jail", "True")
        .containsEntry("host_marker", "True");
  }

  // ---------------------------------------------------------------------------------------------
  // Holes these tests found, fixed: the default id map of a root JVM (the container's root is an
  // unprivileged host id) and capability sets limited to what the caller has without a user namespace

  @Test
  void hostUnixSocketsAreNotReachable() throws Exception {
    assumeTrue(ROOT, "an ordinary user's container is the user itself and may use the user's own sockets; "
        + "the hole was a root JVM's container acting as the host's root");
    // A host service listening on a unix socket in a directory the container can see (not /tmp).
    Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "cj-escape-sock-");
    Path sock = dir.resolve("host.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      CompletableFuture<String> accepted = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel c = server.accept()) {
          ByteBuffer b = ByteBuffer.allocate(64);
          c.read(b);
          return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          return "accept failed: " + e.getMessage();
        }
      });
      String script = """
          import socket
          s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
          out('connect', os_call(s.connect, 'SOCKET_PATH'))
          out('send', os_call(s.sendall, b'from-container'))
          """.replace("SOCKET_PATH", sock.toString());
      Map<String, String> r;
      try {
        r = run(script);
      } finally {
        if (!accepted.isDone()) {
          // Wake the accept() if nothing connected.
          try (SocketChannel wake = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            wake.write(ByteBuffer.wrap("nothing".getBytes(StandardCharsets.UTF_8)));
          }
        }
      }
      assertThat(accepted.get()).as("what the host service received").isNotEqualTo("from-container");
      assertThat(r.get("connect")).isNotEqualTo("OK");
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void privilegedWithoutUserNamespaceStartsWhereRootLacksACapability() throws Exception {
    assumeTrue(ROOT, "without a user namespace the container has the caller's own capabilities: root only");
    String capBnd = Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow().split("\\s+")[1];
    assumeTrue(!capBnd.equals(fullCapMask()), "this process has every capability: the bug does not show here");
    Map<String, String> r = run(python("out('cap_bnd', [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapBnd')][0])")
        .privileged().namespaces(withoutUser()));
    assertThat(r).containsEntry("cap_bnd", capBnd);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /**
   * Turns off one more protection for the "off" runs of a root JVM: the identity id map, under which
   * the container's root is the host's root (by default it is an unprivileged host id). An ordinary
   * user's container is always mapped to the user itself.
   */
  private static ContainerSpec.Builder hostIds(ContainerSpec.Builder b) {
    if (ROOT) {
      b.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
    }
    return b;
  }

  /** Launches {@code spec}'s helper program directly, with host fds passed and hooks; returns the results. */
  private static Map<String, String> launch(ContainerSpec spec, List<Integer> passFds,
      LaunchRequest.PidHook afterSpawn, LaunchRequest.PidHook beforeGo) throws Exception {
    boolean rootless = !ROOT;
    Path rootDir = Files.createTempDirectory("cj-escape-root-");
    Files.setPosixFilePermissions(rootDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Files.createDirectories(rootDir.resolve("root"));
    Files.createDirectories(rootDir.resolve(dev.containerj.core.internal.RootfsProgram.HOST_UPPER));
    try {
      List<IdMapping> uids = ContainerStarter.uidMappings(spec, rootless);
      List<IdMapping> gids = ContainerStarter.gidMappings(spec, rootless);
      HelperProgram program = ContainerStarter.program(spec, "0123456789abcdef0123456789abcdef", rootDir.toString(),
          StateStore.forCurrentUser().root().toString(), rootless, gids);
      return launch(new LaunchRequest(program, spec.namespaces().contains(Namespace.USER), uids, gids,
          Redirect.DISCARD, Redirect.PIPE, Redirect.PIPE, passFds, afterSpawn, beforeGo));
    } finally {
      Files.deleteIfExists(rootDir.resolve("root"));
      Files.deleteIfExists(rootDir.resolve(dev.containerj.core.internal.RootfsProgram.HOST_UPPER));
      Files.deleteIfExists(rootDir);
    }
  }

  /** Launches a hand-made program in a new user namespace mapping the caller's ids to 0. */
  private static Map<String, String> launch(HelperProgram program, List<Integer> passFds) throws Exception {
    List<IdMapping> uids = List.of(ROOT ? IdMapping.identity() : IdMapping.single(0, LibC.geteuid()));
    List<IdMapping> gids = List.of(ROOT ? IdMapping.identity() : IdMapping.single(0, LibC.getegid()));
    return launch(new LaunchRequest(program, true, uids, gids, Redirect.DISCARD, Redirect.PIPE, Redirect.PIPE,
        passFds, null, null));
  }

  private static Map<String, String> launch(LaunchRequest req) throws Exception {
    try (LaunchedProcess p = Launcher.launch(req)) {
      CompletableFuture<String> err = Run.drain(p.stderr());
      CompletableFuture<String> out = Run.drain(p.stdout());
      int code = p.waitFor().code();
      assertThat(code).as("exit status; stdout:%n%s%nstderr:%n%s", out.get(), err.get()).isZero();
      return EscapeProbe.parse(out.get());
    }
  }

  /** Opens 24 fds without O_CLOEXEC, as a careless library in the JVM would: directories and files. */
  private static List<Fd> holdNonCloexecFds() {
    List<Fd> held = new ArrayList<>();
    for (String dir : new String[] {"/", hostDir.toString(), "/proc", "/sys/fs/cgroup"}) {
      held.add(new Fd(LibC.open(dir, Constants.O_RDONLY | O_DIRECTORY, 0)));
    }
    for (int i = 0; i < 20; i++) {
      held.add(new Fd(LibC.open(marker.toString(), Constants.O_RDONLY, 0)));
    }
    assertThat(LibC.fcntl(held.get(1).get(), Constants.F_GETFD, 0)).as("FD_CLOEXEC of a held fd").isZero();
    return held;
  }

  /** Writes one byte 0x7f at offset 0 through a fresh open of {@code path}: "OK" or the errno name. */
  private static String writeFirstByte(String path) {
    int fd;
    try {
      fd = LibC.open(path, Constants.O_WRONLY | Constants.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      return "open: " + name(e);
    }
    try (Fd f = new Fd(fd)) {
      LibC.write(f.get(), new byte[] {0x7f}, 1);
      return "OK";
    } catch (LastErrorException e) {
      return name(e);
    }
  }

  private static String name(LastErrorException e) {
    Errno n = Errno.of(e.getErrorCode());
    return n == null ? "errno " + e.getErrorCode() : n.name();
  }

  /** name_to_handle_at(2) of {@code file}, made on the host: {handle_type, handle hex}. */
  private static String[] handleOf(Path file) throws Exception {
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", String.join("\n",
        "import ctypes, sys",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "class FH(ctypes.Structure):",
        "    _fields_ = [('handle_bytes', ctypes.c_uint), ('handle_type', ctypes.c_int), ('f_handle', ctypes.c_ubyte * 128)]",
        "fh = FH(); fh.handle_bytes = 128; m = ctypes.c_int()",
        "if libc.name_to_handle_at(-100, sys.argv[1].encode(), ctypes.byref(fh), ctypes.byref(m), 0) != 0:",
        "    sys.exit('name_to_handle_at: errno %d' % ctypes.get_errno())",
        "print(fh.handle_type, bytes(fh.f_handle[:fh.handle_bytes]).hex())"), file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    // Some filesystems give no handles (9p and an overlay over it, as in the QEMU lane when the
    // checkout lies under /tmp): then there is nothing to test, and the skip says why.
    assumeTrue(p.waitFor() == 0, "name_to_handle_at is not supported for " + file
        + " on this host's filesystem: the Shocker attack has no handle to use here, not tested");
    return out.split(" ");
  }

  /**
   * A v1 hierarchy in which this JVM sits at the root, so that its release_agent is visible. Not
   * pids or devices: a root container has a cgroup of its own there (its defaults), which is the
   * root of what its cgroup namespace shows, and release_agent exists only at the hierarchy's root.
   */
  private static String v1ControllerAtRoot() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      if (!f[1].isEmpty() && !f[1].startsWith("name=") && f[2].equals("/") && !f[1].contains(",")
          && !f[1].equals("pids") && !f[1].equals("devices")) {
        return f[1];
      }
    }
    assumeTrue(false, "no cgroup v1 controller hierarchy on this host holds this JVM at its root "
        + "(cgroup v2 only?): CVE-2022-0492 needs a v1 hierarchy, not tested");
    return "";
  }

  /** The default namespaces without the user namespace (real root only). */
  private static Set<Namespace> withoutUser() {
    Set<Namespace> ns = EnumSet.copyOf(ContainerSpec.builder().command("true").build().namespaces());
    ns.remove(Namespace.USER);
    return ns;
  }

  /** CapEff of a process with every capability this kernel knows. */
  static String fullCapMask() throws IOException {
    // Not Files.readString: on JDK 17 it trusts the size /proc reports and can return a truncated value.
    long last = dev.containerj.linux.internal.ProcFiles.readLong("/proc/sys/kernel/cap_last_cap", -1);
    assertThat(last).as("/proc/sys/kernel/cap_last_cap").isBetween(30L, 62L);
    return String.format("%016x", (1L << (last + 1)) - 1);
  }

  private static String pyList(List<String> items) {
    StringBuilder s = new StringBuilder("[");
    for (String i : items) {
      s.append(s.length() > 1 ? ", " : "").append('\'').append(i).append('\'');
    }
    return s.append(']').toString();
  }

  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
