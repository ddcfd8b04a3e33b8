package dev.containerj.core.internal;

import static dev.containerj.namespaces.internal.HelperProgram.IGNORE_EEXIST;
import static dev.containerj.namespaces.internal.HelperProgram.IGNORE_ENOENT;
import static dev.containerj.namespaces.internal.HelperProgram.MNT_DETACH;
import static dev.containerj.namespaces.internal.HelperProgram.MOUNT_ATTR_RDONLY;
import static dev.containerj.namespaces.internal.HelperProgram.MS_BIND;
import static dev.containerj.namespaces.internal.HelperProgram.MS_NODEV;
import static dev.containerj.namespaces.internal.HelperProgram.MS_NOEXEC;
import static dev.containerj.namespaces.internal.HelperProgram.MS_NOSUID;
import static dev.containerj.namespaces.internal.HelperProgram.MS_PRIVATE;
import static dev.containerj.namespaces.internal.HelperProgram.MS_RDONLY;
import static dev.containerj.namespaces.internal.HelperProgram.MS_REC;
import static dev.containerj.namespaces.internal.HelperProgram.MS_STRICTATIME;

import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.NetworkMode;
import dev.containerj.core.Rlimit;
import dev.containerj.linux.internal.Constants;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.IdMapping;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.ProgramSteps;
import dev.containerj.namespaces.seccomp.SeccompProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Translates a {@link ContainerSpec} into the native helper's program: every mount, the pivot_root,
 * credentials, capabilities and the exec, in the order the kernel requires. Pure Java, no kernel
 * calls, so its output can be inspected in unit tests.
 *
 * <p>The root is assembled at {@code rootDir} (an empty directory in the container's state
 * directory) inside the container's own mount namespace, so nothing of it is visible on the host and
 * nothing needs unmounting if the JVM dies: the namespace goes with its last process.
 */
public final class RootfsProgram {
  private static final String[] DEVICES = {"null", "zero", "full", "random", "urandom", "tty"};
  private static final int LAST_CAP = readLastCap();
  private static final java.util.concurrent.ConcurrentHashMap<String, Boolean> MASK_IS_DIRECTORY =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final boolean HAS_CGROUP2 =
      dev.containerj.linux.internal.KernelFeatures.cgroupLayout() == dev.containerj.linux.internal.KernelFeatures.CgroupLayout.UNIFIED
          || dev.containerj.linux.internal.KernelFeatures.cgroupLayout() == dev.containerj.linux.internal.KernelFeatures.CgroupLayout.HYBRID;

  private RootfsProgram() {}

  /**
   * The program for {@code spec}.
   *
   * @param rootDir where the new root is assembled (absolute, exists, empty)
   * @param stateRoot the state directory root, masked in the container
   * @param hostname the effective hostname
   * @param rootless whether the caller is an ordinary user
   * @param gidMappings the effective gid mappings (devpts needs gid 5 mapped for its gid option)
   */
  public static HelperProgram build(ContainerSpec spec, String stateDir, String stateRoot, String hostname,
      boolean rootless, List<IdMapping> gidMappings) {
    return build(spec, stateDir, stateRoot, hostname, rootless, gidMappings, null);
  }

  /**
   * As above, for an image root: {@code overlay} is the overlay of its prepared root, mounted on the
   * root directory inside the container's namespaces (rootless overlays need the user namespace).
   */
  public static HelperProgram build(ContainerSpec spec, String stateDir, String stateRoot, String hostname,
      boolean rootless, List<IdMapping> gidMappings, dev.containerj.layers.Mount.@org.jspecify.annotations.Nullable Call overlay) {
    HelperProgram p = new HelperProgram();
    String rootDir = stateDir + "/root";
    if (spec.network() == NetworkMode.CONTAINER) {
      // Java passes the other container's /proc/PID/ns/net as fd 3; joined before the clone, it is
      // the network namespace the container is born in.
      p.setns(3, Constants.CLONE_NEWNET, "net of container " + spec.networkContainer());
    }
    // overlayfs reads trusted.overlay.* (the opaque directories of root's layer store) only with its
    // mounter's privilege in the initial user namespace: mounted inside the container's user
    // namespace it would ignore them (the kernel logs "try mounting with 'userxattr' option"), and an
    // opaque directory's lower entries would show through. A root JVM therefore mounts the overlay
    // before the clone, in a private mount namespace of the helper's own that the clone copies; the
    // helper's copy goes when it exits. Rootless stores use user.overlay.* and userxattr instead.
    boolean overlayBeforeClone = overlay != null && !rootless && spec.namespaces().contains(Namespace.USER);
    if (overlayBeforeClone) {
      p.unshare(Constants.CLONE_NEWNS, "mnt, for the image's overlay");
      p.mount("", "/", "", MS_REC | MS_PRIVATE, "", 0); // nothing of it may propagate to the host
      p.mount(overlay.source(), rootDir, overlay.fstype(), overlay.flags(), overlay.data() == null ? "" : overlay.data(), 0);
    }
    ProgramSteps.cloneInto(p, spec.namespaces());
    if (spec.namespaces().contains(Namespace.USER)) {
      // Take the payload's ids at once: the clone kept the caller's host ids, which the default map
      // of a root JVM does not contain (files could then not even be created: EOVERFLOW). Moving
      // between non-root-of-the-namespace ids keeps every capability in the new namespace
      // (capabilities(7)), so the mounts below still work.
      // The namespace's root when the map has one (no capability is lost on the way to it), else
      // the payload's own ids (an ordinary user's single-id map).
      p.setresgid(gidMappings.stream().anyMatch(m -> m.coversContainerId(0)) ? 0 : spec.gid());
      p.setresuid(spec.uidMappings().isEmpty() ? (rootless ? spec.uid() : 0)
          : spec.uidMappings().stream().anyMatch(m -> m.coversContainerId(0)) ? 0 : spec.uid());
      // A change of credentials makes the process non-dumpable, and /proc/self then belongs to the
      // host's root, which the default map does not contain (oom_score_adj: EACCES). execve resets
      // it anyway for the payload (prctl(2), PR_SET_DUMPABLE).
      p.prctl(HelperProgram.PR_SET_DUMPABLE, 1, "PR_SET_DUMPABLE, 1");
    }
    // A session and process group of its own: the payload must not share the JVM's process group,
    // or kill(0, sig) inside would reach this JVM and its siblings (a process group ignores pid
    // namespaces, and with the identity id mapping the container's root may signal host root).
    p.setsid();
    // Even the host root is bind-mounted and pivoted into, rather than remounted in place: until the
    // pivot the host's own tree stays visible at "/", so the sources of the binds (/dev/null, the
    // user's volumes under /tmp, ...) are resolved on the host, not under the container's new mounts.
    String r = rootDir;

    // mount_namespaces(7): nothing we mount may propagate back to the host, and pivot_root(2)
    // refuses a shared old root.
    p.mount("", "/", "", MS_REC | MS_PRIVATE, "", 0);
    if (overlayBeforeClone) {
      // The copy of the overlay is locked in the less privileged mount namespace (mount_namespaces(7)),
      // and pivot_root(2) refuses a locked new root: bind it onto itself.
      p.mount(r, r, "", MS_BIND | MS_REC, "", 0);
    } else if (overlay != null) {
      p.mount(overlay.source(), r, overlay.fstype(), overlay.flags(), overlay.data() == null ? "" : overlay.data(), 0);
    } else {
      String source = spec.rootfs().isHost() ? "/" : String.valueOf(spec.rootfs().directory());
      p.mount(source, r, "", MS_BIND | MS_REC, "", 0);
    }
    boolean readOnly = spec.rootfs().isHost() || !spec.rootfs().writable();
    if (!readOnly || overlay != null) {
      // Mount points a root may lack (an image's upper layer takes them even when read-only later).
      for (String dir : new String[] {"/proc", "/dev", "/sys", "/tmp", "/etc"}) {
        p.mkdir(r + dir, 0755, IGNORE_EEXIST);
      }
      for (String file : new String[] {"/etc/hosts", "/etc/resolv.conf"}) {
        p.mkfile(r + file, 0644, IGNORE_EEXIST | IGNORE_ENOENT);
      }
    }
    if (readOnly) {
      // Recursive: with the host root, every submount (/boot, /home, ...) becomes read-only too.
      p.mountSetattr(r, MOUNT_ATTR_RDONLY, 0, true, 0);
    }

    if (spec.namespaces().contains(Namespace.PID)) {
      p.mount("proc", r + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", 0);
    } else {
      // A new procfs needs privilege over the pid namespace it shows; without a pid namespace of its
      // own the container sees the host's processes through a bind of the host's /proc.
      p.mount("/proc", r + "/proc", "", MS_BIND | MS_REC, "", 0);
    }
    dev(p, r, spec, rootless, gidMappings);
    sys(p, r, spec);
    if (spec.privateTmp()) {
      p.mount("tmpfs", r + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0);
    }
    if (spec.network() != NetworkMode.HOST) {
      // Generated by Java into the state directory before the go byte; a root without the file skips it.
      // The files belong to the host's root (mode 0644): the container may read, not change them.
      p.mount(stateDir + "/" + ContainerNetwork.HOSTS, r + "/etc/hosts", "", MS_BIND, "", IGNORE_ENOENT);
    }
    if (spec.network() == NetworkMode.BRIDGE) {
      p.mount(stateDir + "/" + ContainerNetwork.RESOLV_CONF, r + "/etc/resolv.conf", "", MS_BIND, "", IGNORE_ENOENT);
    }
    for (MountSpec m : spec.mounts()) {
      userMount(p, r, m);
    }
    for (String path : spec.maskedPaths()) {
      mask(p, r, path);
    }
    // The container must not see the state of other containers (its own lives there too).
    p.mount("tmpfs", r + stateRoot, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IGNORE_ENOENT);
    for (String path : spec.readonlyPaths()) {
      p.mount(r + path, r + path, "", MS_BIND | MS_REC, "", IGNORE_ENOENT);
      p.mountSetattr(r + path, MOUNT_ATTR_RDONLY, 0, true, IGNORE_ENOENT);
    }

    // pivot_root(2): new_root and put_old may be the same directory; the old root then sits on top
    // of the new one, and a lazy unmount of "." removes it.
    p.chdir(r);
    p.pivotRoot(".", ".", r);
    p.umount(".", MNT_DETACH);
    p.chdir("/");

    if (spec.namespaces().contains(Namespace.UTS)) {
      p.sethostname(hostname);
    }
    if (spec.network() == NetworkMode.LOOPBACK && spec.namespaces().contains(Namespace.NET)) {
      p.linkUp("lo");
    }
    if (spec.oomScoreAdj() != null) {
      p.writeFile("/proc/self/oom_score_adj", spec.oomScoreAdj().toString(), 0);
    }
    p.chdir(spec.workingDirectory());
    for (Rlimit l : spec.rlimits()) {
      p.setrlimit(l.resource().number(), l.resource().name().toLowerCase(Locale.ROOT), l.soft(), l.hard());
    }
    // capabilities(7): dropping from the bounding set needs CAP_SETPCAP, which we still have now.
    // A uid 0 payload gets exactly the bounding set at execve; any other uid gets no capabilities.
    for (int cap = 0; cap <= LAST_CAP; cap++) {
      if (!containsCap(spec, cap)) {
        p.prctl(HelperProgram.PR_CAPBSET_DROP, cap, "PR_CAPBSET_DROP, " + capName(cap));
      }
    }
    long[] groups = spec.supplementaryGroups().stream().mapToLong(Long::longValue).toArray();
    // setgroups(2) is denied in a user namespace whose gid_map an ordinary user wrote.
    boolean setGroups = !rootless || !spec.gidMappings().isEmpty() || !spec.namespaces().contains(Namespace.USER);
    SeccompProgram filter = Seccomp.program(spec);
    if (filter != null && !spec.noNewPrivileges()) {
      // Without no_new_privs, installing a filter needs CAP_SYS_ADMIN, which a non-root uid loses
      // at setresuid: install it first (seccomp(2)); the profile must then allow the calls below.
      p.seccomp(filter.installFlags(), filter.bytes(), Seccomp.describe(spec));
    }
    ProgramSteps.credentials(p, spec.uid(), spec.gid(), groups, setGroups);
    // The sets, computed here rather than left to execve's rules: root keeps exactly the allowed
    // capabilities (effective = permitted = bounding), any other uid none; inheritable and ambient
    // stay empty (CVE-2022-24769).
    long keep = 0;
    for (Capability c : spec.capabilities()) {
      keep |= 1L << c.number();
    }
    keep &= LAST_CAP >= 63 ? -1L : (1L << (LAST_CAP + 1)) - 1; // capset(2) rejects unknown bits
    if (!spec.namespaces().contains(Namespace.USER)) {
      // Without a user namespace the container can only keep what this process has itself
      // (capset(2) refuses more); the start checks that nothing explicitly asked for is missing.
      keep &= CallerCapabilities.permitted();
    }
    long sets = spec.uid() == 0 ? keep : 0;
    p.capset(sets, sets, 0);
    if (spec.noNewPrivileges()) {
      p.prctl(HelperProgram.PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS");
    }
    if (!spec.detached()) {
      // After the credential changes: they clear the parent-death signal (prctl(2)).
      p.prctl(HelperProgram.PR_SET_PDEATHSIG, Constants.SIGKILL, "PR_SET_PDEATHSIG, SIGKILL");
    }
    p.closeFrom(3);
    if (filter != null && spec.noNewPrivileges()) {
      // Last before execve, so the filter judges only the payload (and execve itself).
      p.seccomp(filter.installFlags(), filter.bytes(), Seccomp.describe(spec));
    }
    Map<String, String> env = new LinkedHashMap<>(spec.environment());
    env.putIfAbsent("PATH", ProgramSteps.DEFAULT_PATH);
    env.putIfAbsent("HOSTNAME", hostname);
    p.exec(ProgramSteps.candidates(spec.command().get(0), env), spec.command(), env);
    return p;
  }

  /** A minimal /dev as runc's: a tmpfs with the safe devices bound from the host, devpts, shm, mqueue. */
  private static void dev(HelperProgram p, String r, ContainerSpec spec, boolean rootless, List<IdMapping> gidMappings) {
    String d = r + "/dev";
    p.mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 0);
    for (String dev : DEVICES) {
      // mknod is not allowed in a user namespace: bind the host's nodes instead.
      p.mkfile(d + "/" + dev, 0666, 0);
      p.mount("/dev/" + dev, d + "/" + dev, "", MS_BIND, "", 0);
    }
    p.mkdir(d + "/pts", 0755, 0);
    p.mkdir(d + "/shm", 01777, 0);
    boolean gid5 = gidMappings.stream().anyMatch(m -> m.coversContainerId(5));
    p.mount("devpts", d + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620" + (gid5 ? ",gid=5" : ""), 0);
    p.mount("shm", d + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", 0);
    if (spec.namespaces().contains(Namespace.IPC)) {
      p.mkdir(d + "/mqueue", 0755, 0);
      p.mount("mqueue", d + "/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", 0);
    }
    p.symlink("/proc/self/fd", d + "/fd", 0);
    p.symlink("/proc/self/fd/0", d + "/stdin", 0);
    p.symlink("/proc/self/fd/1", d + "/stdout", 0);
    p.symlink("/proc/self/fd/2", d + "/stderr", 0);
    p.symlink("pts/ptmx", d + "/ptmx", 0);
  }

  private static void sys(HelperProgram p, String r, ContainerSpec spec) {
    if (spec.namespaces().contains(Namespace.NET) && spec.network() != NetworkMode.HOST) {
      // sysfs may be mounted only by the owner of the network namespace (a fresh one, here).
      p.mount("sysfs", r + "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", 0);
      if (spec.cgroup() && spec.namespaces().contains(Namespace.CGROUP) && HAS_CGROUP2) {
        // cgroup_namespaces(7): the container's own cgroup is the root of what it sees.
        p.mount("cgroup2", r + "/sys/fs/cgroup", "cgroup2", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", 0);
      }
    } else {
      p.mount("/sys", r + "/sys", "", MS_BIND | MS_REC, "", 0);
      p.mountSetattr(r + "/sys", MOUNT_ATTR_RDONLY, 0, true, 0);
    }
  }

  private static void userMount(HelperProgram p, String r, MountSpec m) {
    String target = r + m.target();
    if (m.type() == MountSpec.Type.TMPFS) {
      String data = "mode=1777" + (m.sizeBytes() > 0 ? ",size=" + m.sizeBytes() : "");
      p.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | (m.readOnly() ? MS_RDONLY : 0), data, 0);
      return;
    }
    p.mount(String.valueOf(m.source()), target, "", MS_BIND | MS_REC, "", 0);
    if (m.readOnly()) {
      // mount_setattr keeps the flags the kernel locked (nosuid, nodev, ...) in a user namespace,
      // where a plain MS_REMOUNT|MS_RDONLY that forgot one would fail with EPERM.
      p.mountSetattr(target, MOUNT_ATTR_RDONLY, 0, true, 0);
    }
  }

  /** A masked file gets /dev/null bound over it, a masked directory an empty read-only tmpfs. */
  private static void mask(HelperProgram p, String r, String path) {
    // /proc and /sys show the same kinds of entries in every container: look each up once per JVM.
    if (MASK_IS_DIRECTORY.computeIfAbsent(path, k -> Files.isDirectory(Path.of(k)))) {
      p.mount("tmpfs", r + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IGNORE_ENOENT);
    } else {
      p.mount("/dev/null", r + path, "", MS_BIND, "", IGNORE_ENOENT);
    }
  }

  private static boolean containsCap(ContainerSpec spec, int number) {
    for (Capability c : spec.capabilities()) {
      if (c.number() == number) {
        return true;
      }
    }
    return false;
  }

  private static String capName(int number) {
    for (Capability c : Capability.values()) {
      if (c.number() == number) {
        return c.name();
      }
    }
    return "cap " + number;
  }

  private static int readLastCap() {
    return (int) dev.containerj.linux.internal.ProcFiles.readLong("/proc/sys/kernel/cap_last_cap",
        Capability.values().length - 1);
  }
}
