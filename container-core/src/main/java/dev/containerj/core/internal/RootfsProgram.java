package dev.containerj.core.internal;

import static dev.containerj.namespaces.internal.HelperProgram.IGNORE_EEXIST;
import static dev.containerj.namespaces.internal.HelperProgram.IGNORE_ENOENT;
import static dev.containerj.namespaces.internal.HelperProgram.IN_ROOT;
import static dev.containerj.namespaces.internal.HelperProgram.SRC_IN_ROOT;
import static dev.containerj.namespaces.internal.HelperProgram.MNT_DETACH;
import static dev.containerj.namespaces.internal.HelperProgram.MOUNT_ATTR_NODEV;
import static dev.containerj.namespaces.internal.HelperProgram.MOUNT_ATTR_NOEXEC;
import static dev.containerj.namespaces.internal.HelperProgram.MOUNT_ATTR_NOSUID;
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
import dev.containerj.core.Rlimit;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.Constants;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Namespace;
import dev.containerj.namespaces.internal.HelperProgram;
import dev.containerj.namespaces.internal.ProgramSteps;
import dev.containerj.namespaces.seccomp.SeccompProgram;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Translates a {@link ContainerSpec} into the native helper's program: every mount, the pivot_root,
 * credentials, capabilities and the exec, in the order the kernel requires. A pure planner: what
 * it knows of the host comes in a {@link PlanHost} (no euid, mountinfo or capability is read here),
 * and it is made of named stages ({@link ProgramPlan.Stage}: root, dev, network files, mounts, masks,
 * pivot, credentials, seccomp, exec) whose operations golden tests check on made-up hosts.
 *
 * <p>The root is assembled at {@code rootDir} (an empty directory in the container's state
 * directory) inside the container's own mount namespace, so nothing of it is visible on the host and
 * nothing needs unmounting if the JVM dies: the namespace goes with its last process.
 */
public final class RootfsProgram {
  private static final String[] DEVICES = {"null", "zero", "full", "random", "urandom", "tty"};

  private RootfsProgram() {}

  /**
   * The program for {@code spec}.
   *
   * @param rootDir where the new root is assembled (absolute, exists, empty)
   * @param stateRoot the state directory root, masked in the container
   * @param hostname the effective hostname
   * @param rootless whether the caller is an ordinary user
   * @param uidMappings the effective uid mappings (the owners of the host root's upper directories)
   * @param gidMappings the effective gid mappings (devpts needs gid 5 mapped for its gid option)
   */
  public static HelperProgram build(ContainerSpec spec, String stateDir, String stateRoot, String hostname,
      boolean rootless, List<IdMapping> uidMappings, List<IdMapping> gidMappings) {
    return build(spec, stateDir, stateRoot, hostname, rootless, uidMappings, gidMappings, null);
  }

  /**
   * As above, for an image root: {@code overlay} is the overlay of its prepared root, mounted on the
   * root directory inside the container's namespaces (rootless overlays need the user namespace).
   */
  public static HelperProgram build(ContainerSpec spec, String stateDir, String stateRoot, String hostname,
      boolean rootless, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
      dev.containerj.layers.@org.jspecify.annotations.Nullable Mount overlay) {
    return build(spec, stateDir, stateRoot, hostname, rootless, uidMappings, gidMappings, overlay, Map.of());
  }

  /**
   * As above, for a container whose cgroup has the directories {@code cgroupPaths}
   * ({@code Cgroup.paths()}; empty without a cgroup): the hierarchies it shows under /sys/fs/cgroup.
   * This process's host, detected now ({@link PlanHost#detect}); a start gives the runtime's through {@link #plan}.
   */
  public static HelperProgram build(ContainerSpec spec, String stateDir, String stateRoot, String hostname,
      boolean rootless, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
      dev.containerj.layers.@org.jspecify.annotations.Nullable Mount overlay, Map<String, Path> cgroupPaths) {
    return plan(PlanHost.detect(LibC.geteuid(), LibC.getegid()), spec, ProcessStages.of(spec), stateDir, stateRoot,
        hostname, rootless, uidMappings, gidMappings, overlay, cgroupPaths).program();
  }

  /**
   * The planner: {@code (host, container spec, first process) -> helper program}, made of named
   * stages ({@link ProgramPlan.Stage}). It reads nothing of the host but what {@code host} says, so
   * golden tests run it on made-up hosts.
   */
  public static ProgramPlan plan(PlanHost host, ContainerSpec spec, ProcessStages proc, String stateDir,
      String stateRoot, String hostname, boolean rootless, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
      dev.containerj.layers.@org.jspecify.annotations.Nullable Mount overlay, Map<String, Path> cgroupPaths) {
    Planner planner = new Planner(host, spec, stateDir, stateRoot, rootless, uidMappings, gidMappings, overlay,
        cgroupPaths);
    planner.root();
    planner.plan.mark(ProgramPlan.Stage.ROOT);
    planner.dev();
    planner.plan.mark(ProgramPlan.Stage.DEV);
    planner.networkFiles();
    planner.plan.mark(ProgramPlan.Stage.NETWORK_FILES);
    planner.mounts();
    planner.plan.mark(ProgramPlan.Stage.MOUNTS);
    planner.masks();
    planner.plan.mark(ProgramPlan.Stage.MASKS);
    planner.pivot(hostname);
    planner.plan.mark(ProgramPlan.Stage.PIVOT);
    process(planner.plan, host, spec, rootless, hostname, proc);
    return planner.plan;
  }

  /** One planning: the spec's choices worked out once, then used by each stage. */
  private static final class Planner {
    final PlanHost host;
    final ContainerSpec spec;
    final ProgramPlan plan;
    final HelperProgram p;
    final String stateDir;
    final String stateRoot;
    final boolean rootless;
    final List<IdMapping> uidMappings;
    final List<IdMapping> gidMappings;
    final dev.containerj.layers.@org.jspecify.annotations.Nullable Mount overlay;
    final Map<String, Path> cgroupPaths;
    final String r;
    final boolean readOnly;
    final boolean hostOverlay;
    final boolean overlayFirst;
    final boolean userns;
    final boolean imageFirst;
    final boolean idmap;
    final boolean dirFirst;
    final boolean locked;
    final boolean first;
    final boolean imagePre;
    final boolean dirPre;
    final boolean nonDumpableFromStart;
    long helperUid;
    long helperGid;
    String owner = "";
    boolean createTargets;

    Planner(PlanHost host, ContainerSpec spec, String stateDir, String stateRoot, boolean rootless,
        List<IdMapping> uidMappings, List<IdMapping> gidMappings,
        dev.containerj.layers.@org.jspecify.annotations.Nullable Mount overlay, Map<String, Path> cgroupPaths) {
      this.host = host;
      this.spec = spec;
      this.p = new HelperProgram();
      this.plan = new ProgramPlan(p);
      this.stateDir = stateDir;
      this.stateRoot = stateRoot;
      this.rootless = rootless;
      this.uidMappings = uidMappings;
      this.gidMappings = gidMappings;
      this.overlay = overlay;
      this.cgroupPaths = cgroupPaths;
      this.r = stateDir + "/root";
      this.readOnly = !spec.rootfs().writable();
      this.hostOverlay = spec.rootfs().isHost() && !readOnly;
      // A root JVM mounts its overlay before the user namespace exists, as the host's root, in a
      // private mount namespace of the helper's own that the clone copies (the helper's copy goes when
      // it exits). For the host root: one overlay of "/" then does (no locked submounts yet), and
      // overlayfs copies files up with the credentials of whoever mounted it, so a file the container
      // may change is copied up even when its directories belong to ids the container's map lacks
      // (which fails in a user namespace: EOVERFLOW); rootless, the overlays are made inside (see
      // hostOverlay). For an image: overlayfs reads trusted.overlay.* (the opaque directories of root's
      // layer store) only with its mounter's privilege in the initial user namespace; mounted inside the
      // container's user namespace it would ignore them, and an opaque directory's lower entries would
      // show through. Rootless stores use user.overlay.* and userxattr instead.
      this.overlayFirst = hostOverlay && !rootless;
      this.userns = spec.namespaces().contains(Namespace.USER);
      this.imageFirst = overlay != null && !rootless && userns;
      // An image or directory root whose ids are not the host's own (the default range of a root JVM):
      // its files, owned by host ids, are shown to the container through idmapped mounts
      // (mount_setattr(2) MOUNT_ATTR_IDMAP) that the host's root makes (the assembler, see "locked"),
      // with a user namespace that carries the container's map. The layers are idmapped one by one, the
      // overlay goes on top of them.
      this.idmap = !rootless && userns && !spec.rootfs().isHost() && !isIdentity(uidMappings, gidMappings);
      this.dirFirst = idmap && overlay == null;
      // Locked mounts (root JVM with a user namespace): the whole tree is assembled in a mount namespace
      // of the host's root, and the container process copies it into a namespace of its own user
      // namespace only after the pivot. That copy locks every mount (mount_namespaces(7)): the
      // container's root, whatever its capabilities, cannot unmount a mask or a read-only bind to see or
      // write what it covers. (HelperProgram#cloneAssemble: an assembler does it in the child's pid,
      // net, ipc and cgroup namespaces.)
      this.locked = !rootless && userns && !ProtectionsOff.unlockedMounts;
      this.first = overlayFirst || imageFirst || dirFirst || locked;
      // With the locked assembly, the image's overlay and an idmapped directory root are made by the
      // assembler, with the container's own user namespace carrying the idmap; the old assembly makes
      // them here, with a throwaway user namespace of the same map.
      this.imagePre = imageFirst && !locked;
      this.dirPre = dirFirst && !locked;
      this.nonDumpableFromStart = nonDumpableFromStart(host, spec, rootless);
    }

    /** Stage ROOT: the namespaces, and the root filesystem at {@code r}, read-only and nodev as asked. */
    void root() {
      if (nonDumpableFromStart) {
        // Before the joins and the clone: the container process inherits it (fork(2) copies the
        // dumpable flag of the memory map), so it is non-dumpable from its first instruction in the
        // shared pid namespace; see nonDumpableFromStart.
        p.prctl(HelperProgram.PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE, 0");
      }
      String joined = SharedUserNetwork.joinedUserns(spec, rootless);
      if (joined != null) {
        // Joined first: the container's namespaces are then the shared network's user namespace's,
        // whose holder may link them to its bridge (SharedUserNetwork); the clone makes no user namespace.
        p.setnsPath(joined, Constants.CLONE_NEWUSER);
      }
      if (NetKind.of(spec) == NetKind.CONTAINER) {
        // Java passes the other container's /proc/PID/ns/net as fd 3; joined before the clone, it is
        // the network namespace the container is born in.
        p.setns(3, Constants.CLONE_NEWNET, "net of container " + NetKind.sharedWith(spec));
      }
      JoinedNamespaces.join(p, spec, 3 + (NetKind.of(spec) == NetKind.CONTAINER ? 1 : 0));
      if (first) {
        p.unshare(Constants.CLONE_NEWNS, "mnt, for the root's assembly");
        p.mount("", "/", "", MS_REC | MS_PRIVATE, "", 0); // nothing of it may propagate to the host
        if (idmap && !locked) {
          p.idmapUserns(IdMapping.toMapText(uidMappings), IdMapping.toMapText(gidMappings));
        }
        if (overlayFirst) {
          hostOverlayFirst(p, host, r, stateDir + "/" + HOST_UPPER, spec, uidMappings, gidMappings);
        } else if (imagePre && overlay != null) { // imagePre: an image root, so there is an overlay
          if (idmap) {
            idmapLayers(p, overlay, IdMapping.toHost(uidMappings, 0), IdMapping.toHost(gidMappings, 0));
          }
          imageOverlay(p, r, overlay);
        } else if (dirPre) {
          p.idmapMount(String.valueOf(spec.rootfs().directory()), r, true, "the root directory");
        }
      }
      helperUid = host.euid();
      helperGid = host.egid();
      if (userns) {
        helperGid = gidMappings.stream().anyMatch(m -> m.coversContainerId(0)) ? 0 : spec.gid();
        helperUid = uidMappings.stream().anyMatch(m -> m.coversContainerId(0)) ? 0 : spec.uid();
      }
      if (locked) {
        // The helper, the host's root, writes the maps Java chose: the assembler's idmapped mounts
        // then use the container's own user namespace.
        ProgramSteps.cloneAssembling(p, spec.namespaces(), IdMapping.toMapText(uidMappings), IdMapping.toMapText(gidMappings));
        // The assembler has the host's ids: what it creates for the container is given to the ids the
        // container's root (or payload) has on the host, as if the container had made it.
        long uid = IdMapping.toHost(uidMappings, helperUid);
        long gid = IdMapping.toHost(gidMappings, helperGid);
        if (uid > 0 && gid >= 0 || uid >= 0 && gid > 0) {
          p.createOwner(uid, gid);
        }
      } else {
        ProgramSteps.cloneInto(p, joined == null ? spec.namespaces() : withoutUser(spec.namespaces()));
        idChange();
      }
      // The owner, on the host, of the tmpfs mounts that the container's root would have made itself.
      long ownerUid = IdMapping.toHost(uidMappings, helperUid);
      long ownerGid = IdMapping.toHost(gidMappings, helperGid);
      owner = !locked || ownerUid < 0 || ownerGid < 0 ? "" : ",uid=" + ownerUid + ",gid=" + ownerGid;
      // Even the host root is bind-mounted and pivoted into, rather than remounted in place: until the
      // pivot the host's own tree stays visible at "/", so the sources of the binds (/dev/null, the
      // user's volumes under /tmp, ...) are resolved on the host, not under the container's new mounts.

      // mount_namespaces(7): nothing we mount may propagate back to the host, and pivot_root(2)
      // refuses a shared old root. (Made so before the clone when the root came first.)
      if (!first) {
        p.mount("", "/", "", MS_REC | MS_PRIVATE, "", 0);
      }
      if (overlayFirst || imagePre || dirPre) {
        if (!locked) {
          // Made before the clone: the new mount namespace is a copy of the helper's, root included,
          // but a copy into a user namespace locks it, and pivot_root(2) refuses to move a locked mount
          // (EINVAL): a bind onto itself is a mount of this namespace's own.
          p.mount(r, r, "", MS_BIND | MS_REC, "", 0);
        }
      } else if (overlay != null) {
        if (idmap) {
          idmapLayers(p, overlay, IdMapping.toHost(uidMappings, 0), IdMapping.toHost(gidMappings, 0));
        }
        imageOverlay(p, r, overlay);
      } else if (dirFirst) {
        p.idmapMount(String.valueOf(spec.rootfs().directory()), r, true, "the root directory");
      } else if (hostOverlay) {
        hostOverlay(p, host, r, stateDir + "/" + HOST_UPPER, spec, uidMappings, gidMappings, helperUid, helperGid);
      } else {
        String source = spec.rootfs().isHost() ? "/" : String.valueOf(spec.rootfs().directory());
        p.mount(source, r, "", MS_BIND | MS_REC, "", 0);
      }
      // From here on the container's paths are resolved beneath its root (openat2 RESOLVE_IN_ROOT): a
      // directory root or an image may hold symbolic links such as /etc -> /root/.ssh, which followed
      // before the pivot would lead the mkdir and the mounts below to the host's own files.
      p.openRoot(r);
      if ((!readOnly && !hostOverlay) || overlay != null) {
        // Mount points a root may lack (an image's upper layer takes them even when read-only later).
        for (String dir : new String[] {"/proc", "/dev", "/sys", "/tmp", "/etc"}) {
          p.mkdir(dir, 0755, IN_ROOT | IGNORE_EEXIST);
        }
        for (String file : new String[] {"/etc/hosts", "/etc/resolv.conf"}) {
          p.mkfile(file, 0644, IN_ROOT | IGNORE_EEXIST | IGNORE_ENOENT);
        }
      }
      // Missing mount targets are created, as docker creates them, where that writes to no host file:
      // in an image's upper layer (before it is made read-only), in the writable host root's overlay
      // (made as root before the clone), and in a directory root given as writable.
      createTargets = overlay != null || (hostOverlay && !overlayFirst)
          || (!spec.rootfs().isHost() && spec.rootfs().writable());
      if (createTargets) {
        for (MountSpec m : spec.mounts()) {
          createTarget(p, host, m);
        }
      }
      if (readOnly) {
        // Recursive: with the host root, every submount (/boot, /home, ...) becomes read-only too.
        p.mountSetattr(r, MOUNT_ATTR_RDONLY, 0, true, 0);
      }
      if (!spec.privileged()) {
        // Device nodes in the root (an image's, a directory's, the host's) open nothing: the root and
        // every mount below it so far are nodev (mount_setattr(2)). The nodes ContainerJ binds into
        // /dev below are mounts of their own, made after this, and keep working.
        p.mountSetattr(r, MOUNT_ATTR_NODEV, 0, true, 0);
      }
    }

    /** Stage DEV: /proc, a minimal /dev, /sys with the container's cgroup view, the private /tmp. */
    void dev() {
      if (JoinedNamespaces.hasPidNamespace(spec)) { // a joined one: its procfs, never the host's
        p.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IN_ROOT);
      } else {
        // A new procfs needs privilege over the pid namespace it shows; without a pid namespace of its
        // own the container sees the host's processes through a bind of the host's /proc.
        p.mount("/proc", "/proc", "", MS_BIND | MS_REC, "", IN_ROOT);
      }
      RootfsProgram.dev(p, spec, gidMappings, locked, owner);
      sys(p, host, spec, cgroupPaths, !userns || locked, owner);
      if (spec.privateTmp()) {
        p.mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" + sizeOption(spec) + owner, IN_ROOT);
        if ((createTargets || overlayFirst) && !readOnly) {
          // A target reached through a link into /tmp (/data -> /tmp/data) was made in the root's own
          // /tmp, which the private one now hides: make it again in the private one.
          for (MountSpec m : spec.mounts()) {
            createTarget(p, host, m);
          }
        }
      }
    }

    /**
     * Stage NETWORK_FILES: /etc/hosts and resolv.conf, generated by Java into the state directory
     * before the go byte; a root without the file skips it. Bound read-only: a writable bind would let
     * the container fill the host's disk through the file (its root may own it: the identity map);
     * mount_setattr keeps the locked flags.
     */
    void networkFiles() {
      if (NetKind.of(spec) != NetKind.HOST) {
        p.mount(stateDir + "/" + ContainerNetwork.HOSTS, "/etc/hosts", "", MS_BIND, "", IN_ROOT | IGNORE_ENOENT);
        generatedFileReadOnly(p, "/etc/hosts");
      }
      if (NetKind.of(spec) == NetKind.BRIDGE || NetKind.of(spec) == NetKind.USER_MODE) {
        p.mount(stateDir + "/" + ContainerNetwork.RESOLV_CONF, "/etc/resolv.conf", "", MS_BIND, "",
            IN_ROOT | IGNORE_ENOENT);
        generatedFileReadOnly(p, "/etc/resolv.conf");
      }
    }

    /** Stage MOUNTS: the user's binds and tmpfs mounts. */
    void mounts() {
      for (MountSpec m : spec.mounts()) {
        userMount(p, m, owner, !spec.privileged());
      }
    }

    /** Stage MASKS: masked paths, the state directory hidden, read-only paths. */
    void masks() {
      // Kernel parameters (ContainerSpec.sysctl), before /proc/sys turns read-only below. The kernel
      // picks the table of the writer's own namespaces (proc_sys's lookup of current->nsproxy); this
      // process is in the container's network and ipc namespaces already (an assembler joins those,
      // not the uts one: Sysctl allows no uts parameter), and Sysctl allows only those namespaces'.
      spec.sysctls().forEach((name, value) -> writeProc(p, dev.containerj.core.Sysctl.file(name), value));
      for (String path : spec.maskedPaths()) {
        mask(p, host, path);
      }
      // The container must not see the state of other containers (its own lives there too).
      p.mount("tmpfs", stateRoot, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IN_ROOT | IGNORE_ENOENT);
      for (String path : spec.readonlyPaths()) {
        p.mount(path, path, "", MS_BIND | MS_REC, "", SRC_IN_ROOT | IN_ROOT | IGNORE_ENOENT);
        p.mountSetattr(path, MOUNT_ATTR_RDONLY, 0, true, IN_ROOT | IGNORE_ENOENT);
      }
    }

    /**
     * The stop for {@link ContainerSpec#beforePivot} (an OCI runtime's createRuntime and createContainer
     * hooks), in the process that pivots (the assembler, or the container process itself), so in the
     * mount namespace where the tree is complete and the host's root is still "/". A directory root's
     * own path shows the assembled tree meanwhile: the root, made shared for the stop, is bound there
     * as its peer (mount_namespaces(7), "Shared subtrees"), so what a hook mounts on it (runc's hooks
     * find the root at the bundle's root.path) propagates into the root. Made private again before the
     * bind goes: its unmount then propagates nothing back, and every mount of this namespace stays
     * private to it (the helper's first step made "/" private recursively).
     */
    void beforePivot() {
      java.nio.file.Path dir = spec.rootfs().isHost() || spec.rootfs().image() != null ? null
          : spec.rootfs().directory();
      String view = dir == null ? null : dir.toString();
      if (view != null) {
        p.mount("", r, "", Constants.MS_SHARED, "", 0);
        p.mount(r, view, "", MS_BIND | MS_REC, "", 0);
      }
      p.hookStop(ContainerStarter.hookStopFd(spec));
      if (view != null) {
        p.mount("", r, "", MS_PRIVATE, "", 0);
        p.umount(view, MNT_DETACH);
      }
    }

    /** Stage PIVOT: into the new root; the locked copy of the tree; hostname, loopback, oom_score_adj. */
    void pivot(String hostname) {
      if (spec.beforePivot() != null) {
        beforePivot();
      }
      // pivot_root(2): new_root and put_old may be the same directory; the old root then sits on top
      // of the new one, and a lazy unmount of "." removes it. Done by the assembler, the pivot also
      // moves the waiting container process's root (it still has the old one) to the new root.
      p.chdir(r);
      p.pivotRoot(".", ".", r);
      p.umount(".", MNT_DETACH);
      if (locked) {
        p.assembled();
        ProgramSteps.afterClone(p, spec.namespaces());
        // The copy into the container's user namespace locks every mount (see "locked" above).
        p.unshare(Constants.CLONE_NEWNS, "mnt, a copy of the assembled tree: its mounts locked");
        idChange();
      }
      p.chdir("/");

      if (spec.namespaces().contains(Namespace.UTS)) {
        p.sethostname(hostname);
      }
      if (NetKind.of(spec) == NetKind.LOOPBACK && spec.namespaces().contains(Namespace.NET)) {
        p.linkUp("lo");
      }
      if (spec.oomScoreAdj() != null && !nonDumpableFromStart) {
        // After the pivot "/proc" is the container's tree's: the write goes into procfs or fails.
        writeProc(p, "/proc/self/oom_score_adj", spec.oomScoreAdj().toString());
      }
      if (sharesPidNamespace(spec) && !ProtectionsOff.dumpableJoiner && !nonDumpableFromStart) {
        // After the last write to /proc/self (which the id change above made dumpable for): other
        // processes are in this pid namespace now, a joined one's payload among them, and after its
        // capset this process has the payload's ids and capabilities but no seccomp filter yet. A
        // dumpable process may then be ptraced, or its /proc/PID/mem and fds opened, by whoever
        // passes the ptrace access checks (ptrace(2), "Ptrace access mode checking"), as an exec'd
        // one could (runc's CVE-2016-9962, ContainerExec). Non-dumpable, only CAP_SYS_PTRACE over the
        // host's user namespace passes; execve makes the payload dumpable again (prctl(2)).
        p.prctl(HelperProgram.PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE, 0");
      }
    }

    /**
     * The container process's id change ({@link #containerCredentials}); non-dumpable from the start,
     * its one write to /proc/self comes first: it still has the host ids that own its /proc files
     * (proc(5): a non-dumpable process's files belong to root), which after the change it would not.
     */
    void idChange() {
      if (nonDumpableFromStart && spec.oomScoreAdj() != null) {
        writeProc(p, "/proc/self/oom_score_adj", spec.oomScoreAdj().toString());
      }
      containerCredentials(p, userns, helperUid, helperGid, nonDumpableFromStart);
    }
  }

  /**
   * Whether the first process of {@code spec} is non-dumpable from the helper's first step to its
   * execve, across its id changes: when it shares its pid namespace ({@link #sharesPidNamespace})
   * and a root JVM starts it. From its clone it is in that namespace with the namespace root's
   * capabilities, the host's ids until its id change, and no seccomp filter; dumpable, another
   * container's root there passes ptrace(2)'s checks (it owns the parent of the process's user
   * namespace). Non-dumpable, only CAP_SYS_PTRACE in the host's user namespace passes, which the
   * helper and this JVM need themselves: they open the process's /proc/PID/ns files while it
   * assembles (setns of the assembler, the network), so without it the old order holds (dumpable
   * until after the last /proc/self write). An ordinary user's JVM writes the process's id maps
   * through its /proc files, which a non-dumpable process would close to it; an ordinary user
   * joins no pid namespace (setns(2) needs CAP_SYS_ADMIN over it), and the host's, the only one
   * it shares, holds its own processes, which can trace this JVM itself.
   */
  static boolean nonDumpableFromStart(PlanHost host, ContainerSpec spec, boolean rootless) {
    return sharesPidNamespace(spec) && !rootless && !ProtectionsOff.dumpableJoiner
        && !ProtectionsOff.dumpableJoinerIdChange
        && (host.permittedCapabilities() & (1L << Capability.CAP_SYS_PTRACE.number())) != 0;
  }

  /**
   * Whether processes of others may share the first process's pid namespace while it assembles: a
   * joined pid namespace, or none of its own (the host's). An init stays helper code, never execs,
   * and would stay non-dumpable (its /proc/PID/ns then closed to an ordinary user's JVM): a joined
   * pid namespace refuses it ({@link JoinedNamespaces}).
   */
  static boolean sharesPidNamespace(ContainerSpec spec) {
    return !spec.namespaces().contains(Namespace.PID) && !spec.process().init();
  }

  /**
   * What the credential and exec stages give one process of a container: its first process (from the
   * spec) or an exec'd one ({@code Container.exec}), which may narrow the capabilities.
   */
  record ProcessStages(java.util.List<String> command, Map<String, String> environment, String workingDirectory,
      long uid, long gid, java.util.List<Long> groups, java.util.Set<Capability> capabilities,
      boolean noNewPrivileges, boolean dieWithParent, boolean terminal, boolean redirectErrorStream, boolean init,
      @org.jspecify.annotations.Nullable ExecTerminal execTerminal) {
    /** An exec'd process's stdio that may ask for a terminal, and how many fds its launch passes at 3. */
    record ExecTerminal(dev.containerj.namespaces.Redirect[] streams, int passed) {}

    static ProcessStages of(ContainerSpec spec) {
      return new ProcessStages(spec.command(), spec.environment(), spec.workingDirectory(), spec.uid(), spec.gid(),
          spec.supplementaryGroups(), spec.capabilities(), spec.noNewPrivileges(), !spec.detached(), true,
          spec.process().redirectErrorStream(), spec.process().init(), null);
    }
  }

  /**
   * The last stages of a container process, in the container's namespaces and root: working
   * directory, rlimits, bounding set, seccomp, ids, capabilities, no_new_privs, parent-death signal,
   * terminal, fds, execve. Shared by the first process and {@code Container.exec}, so an exec'd
   * process is confined exactly as the first one (or narrower, never wider).
   * The plan is labelled with its stages; {@code host} is the runtime's.
   */
  static void process(ProgramPlan plan, PlanHost host, ContainerSpec spec, boolean rootless, String hostname,
      ProcessStages proc) {
    // The first process (or a pooled one's payload): non-dumpable across these id changes too when
    // it shares its pid namespace (see the end of stage PIVOT and nonDumpableFromStart).
    process(plan, host, spec, rootless, hostname, proc, sharesPidNamespace(spec) && !ProtectionsOff.dumpableJoiner
        && !ProtectionsOff.dumpableJoinerIdChange);
  }

  /**
   * As above; {@code nonDumpable}: the process is non-dumpable already and each of its id changes
   * is followed at once by {@code PR_SET_DUMPABLE 0} ({@link ProgramSteps#idsNonDumpable}).
   */
  static void process(ProgramPlan plan, PlanHost host, ContainerSpec spec, boolean rootless, String hostname,
      ProcessStages proc, boolean nonDumpable) {
    SeccompProgram filter = Seccomp.program(spec);
    credentials(plan, host, spec, rootless, proc, filter, nonDumpable);
    exec(plan, spec, hostname, proc, filter);
  }

  /**
   * Stage CREDENTIALS (and SECCOMP when the filter must come before the ids change): working
   * directory, rlimits, bounding set, ids, capabilities, no_new_privs, parent-death signal, terminal.
   */
  private static void credentials(ProgramPlan plan, PlanHost host, ContainerSpec spec, boolean rootless,
      ProcessStages proc, @org.jspecify.annotations.Nullable SeccompProgram filter, boolean nonDumpable) {
    HelperProgram p = plan.program();
    p.chdir(proc.workingDirectory());
    for (Rlimit l : spec.rlimits()) {
      p.setrlimit(l.resource().number(), l.resource().name().toLowerCase(Locale.ROOT), l.soft(), l.hard());
    }
    // capabilities(7): dropping from the bounding set needs CAP_SETPCAP, which we still have now.
    // A uid 0 payload gets exactly the bounding set at execve; any other uid gets no capabilities.
    int lastCap = host.lastCap();
    for (int cap = 0; cap <= lastCap; cap++) {
      if (!containsCap(proc.capabilities(), cap)) {
        p.prctl(HelperProgram.PR_CAPBSET_DROP, cap, "PR_CAPBSET_DROP, " + capName(cap));
      }
    }
    long[] groups = proc.groups().stream().mapToLong(Long::longValue).toArray();
    // setgroups(2) is denied in a user namespace whose gid_map an ordinary user wrote.
    boolean setGroups = !rootless || !spec.gidMappings().isEmpty() || !spec.namespaces().contains(Namespace.USER);
    plan.mark(ProgramPlan.Stage.CREDENTIALS);
    if (filter != null && !proc.noNewPrivileges()) {
      // Without no_new_privs, installing a filter needs CAP_SYS_ADMIN, which a non-root uid loses
      // at setresuid: install it first (seccomp(2)); the profile must then allow the calls below.
      p.seccomp(filter.installFlags(), filter.bytes(), Seccomp.describe(spec));
      plan.mark(ProgramPlan.Stage.SECCOMP);
    }
    ProgramSteps.credentials(p, proc.uid(), proc.gid(), groups, setGroups, nonDumpable);
    // The sets, computed here rather than left to execve's rules: root keeps exactly the allowed
    // capabilities (effective = permitted = bounding), any other uid none; inheritable and ambient
    // stay empty (CVE-2022-24769).
    long keep = 0;
    for (Capability c : proc.capabilities()) {
      keep |= 1L << c.number();
    }
    keep &= lastCap >= 63 ? -1L : (1L << (lastCap + 1)) - 1; // capset(2) rejects unknown bits
    if (!spec.namespaces().contains(Namespace.USER)) {
      // Without a user namespace the container can only keep what this process has itself
      // (capset(2) refuses more); the start checks that nothing explicitly asked for is missing.
      keep &= host.permittedCapabilities();
    }
    long sets = proc.uid() == 0 ? keep : 0;
    p.capset(sets, sets, 0);
    if (proc.noNewPrivileges()) {
      p.prctl(HelperProgram.PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS");
    }
    if (proc.dieWithParent()) {
      // After the credential changes: they clear the parent-death signal (prctl(2)).
      p.prctl(HelperProgram.PR_SET_PDEATHSIG, Constants.SIGKILL, "PR_SET_PDEATHSIG, SIGKILL");
    }
    if (proc.terminal()) {
      ContainerStarter.terminal(p, spec); // Redirect.tty()
    } else if (proc.execTerminal() != null) {
      ContainerStarter.terminal(p, proc.execTerminal().streams(), proc.execTerminal().passed());
    }
    if (proc.redirectErrorStream()) {
      p.dup2(1, 2); // after the terminal: fd 1 may be its slave
    }
    plan.mark(ProgramPlan.Stage.CREDENTIALS);
  }

  /**
   * Stage EXEC (and SECCOMP when the filter comes last): the fds the payload keeps, then execve.
   * The last operations of every container process: a step that must run just before the payload
   * (a wait for a start signal, an init) belongs here.
   */
  private static void exec(ProgramPlan plan, ContainerSpec spec, String hostname, ProcessStages proc,
      @org.jspecify.annotations.Nullable SeccompProgram filter) {
    HelperProgram p = plan.program();
    p.closeFrom(3);
    if (proc.terminal() && spec.startFifo() != null) {
      // Only the first process (the one that takes the spec's terminal) waits for an OCI start.
      p.awaitStart(ContainerStarter.startFifoFd(spec));
    }
    if (proc.terminal()) {
      PassedFds.moveInPlace(p, spec); // the first process only, as its terminal
    }
    plan.mark(ProgramPlan.Stage.EXEC);
    if (filter != null && proc.noNewPrivileges()) {
      // Last before execve, so the filter judges only the payload (and execve itself).
      p.seccomp(filter.installFlags(), filter.bytes(), Seccomp.describe(spec));
      plan.mark(ProgramPlan.Stage.SECCOMP);
    }
    if (proc.init()) {
      p.init(); // after every credential and the filter: the init is confined as the payload
    }
    Map<String, String> env = new LinkedHashMap<>(proc.environment());
    env.putIfAbsent("PATH", ProgramSteps.DEFAULT_PATH);
    env.putIfAbsent("HOSTNAME", hostname);
    p.exec(ProgramSteps.candidates(proc.command().get(0), env), proc.command(), env);
    plan.mark(ProgramPlan.Stage.EXEC);
  }

  /**
   * The size option of each tmpfs that takes the container's writes (the private /tmp, the host
   * root's writable layer): without it a tmpfs may take half of the host's RAM (tmpfs(5)).
   */
  private static String sizeOption(ContainerSpec spec) {
    return ",size=" + spec.tmpfsSize();
  }

  /**
   * The container process's own ids and session: the namespace's root when the map has one (no
   * capability is lost on the way to it), else the payload's ids (an ordinary user's single-id map).
   */
  private static void containerCredentials(HelperProgram p, boolean userns, long uid, long gid,
      boolean nonDumpable) {
    if (userns) {
      // Take them at once: the clone kept the caller's host ids, which the default map of a root JVM
      // does not contain (files could then not even be created: EOVERFLOW). Moving between
      // non-root-of-the-namespace ids keeps every capability in the new namespace (capabilities(7)).
      if (nonDumpable) {
        ProgramSteps.idsNonDumpable(p, gid, uid);
      } else {
        p.setresgid(gid);
        p.setresuid(uid);
        // A change of credentials makes the process non-dumpable, and /proc/self then belongs to the
        // host's root, which the default map does not contain (oom_score_adj: EACCES). execve resets
        // it anyway for the payload (prctl(2), PR_SET_DUMPABLE).
        p.prctl(HelperProgram.PR_SET_DUMPABLE, 1, "PR_SET_DUMPABLE, 1");
      }
    }
    // A session and process group of its own: the payload must not share the JVM's process group,
    // or kill(0, sig) inside would reach this JVM and its siblings (a process group ignores pid
    // namespaces, and with the identity id mapping the container's root may signal host root).
    p.setsid();
  }

  /**
   * A write of the runtime to a kernel file {@code /proc/...}: into the procfs at {@code /proc} only
   * ({@link HelperProgram#writeProc}), never into a volume, link or file a hostile root or another
   * container laid over it, unless a test turned that off.
   */
  private static void writeProc(HelperProgram p, String path, String content) {
    if (ProtectionsOff.procWritesByPath) {
      p.writeFile(path, content, 0);
    } else {
      p.writeProc(path.substring("/proc/".length()), content);
    }
  }

  /** /etc/hosts or /etc/resolv.conf, just bound: read-only, unless a test turned that off. */
  private static void generatedFileReadOnly(HelperProgram p, String path) {
    if (!ProtectionsOff.writableGeneratedFiles) {
      p.mountSetattr(path, MOUNT_ATTR_RDONLY, 0, false, IN_ROOT | HelperProgram.WITH_PREVIOUS);
    }
  }

  /** The namespaces but the user namespace: the one a container joins instead of making. */
  private static java.util.Set<Namespace> withoutUser(java.util.Set<Namespace> namespaces) {
    java.util.EnumSet<Namespace> s = java.util.EnumSet.copyOf(namespaces);
    s.remove(Namespace.USER);
    return s;
  }

  /** Whether every id of both maps is itself on the host (no idmapped mount is needed). */
  static boolean isIdentity(List<IdMapping> uids, List<IdMapping> gids) {
    return IdMapping.isIdentity(uids) && IdMapping.isIdentity(gids);
  }


  /**
   * Each lower layer of the image's overlay idmapped onto itself (in the helper's mount namespace),
   * so the overlay shows the layers' files, owned by the host's ids, as owned by the same ids inside
   * the container (overlayfs takes idmapped lower layers since Linux 5.19). The upper directory is
   * the container's own and belongs to its root on the host: a copy-up keeps the mapped owner.
   */
  private static void idmapLayers(HelperProgram p, dev.containerj.layers.Mount overlay, long rootUid,
      long rootGid) {
    String data = overlay.data() == null ? "" : overlay.data();
    for (String option : data.split(",")) {
      if (option.startsWith("lowerdir=")) {
        for (String layer : option.substring("lowerdir=".length()).split(":")) {
          p.idmapMount(layer, layer, false, "layer " + layer.substring(layer.lastIndexOf('/') + 1));
        }
      } else if (option.startsWith("upperdir=") && rootUid >= 0 && rootGid >= 0) {
        p.lchown(option.substring("upperdir=".length()), rootUid, rootGid, 0);
      }
    }
  }

  /** The directory (in the state directory) whose tmpfs holds the host overlays' upper and work dirs. */
  public static final String HOST_UPPER = "rw";

  /**
   * The writable host root of a root JVM, made before the user namespace: one overlay of {@code /}
   * whose upper and work directories are on a tmpfs of this mount namespace only, the host's other
   * mounts bound read-only on top (an overlay does not show them), the user's mount targets created.
   * The upper directory belongs to the container's root, so {@code /} takes new entries.
   */
  private static void hostOverlayFirst(HelperProgram p, PlanHost planHost, String r, String rw, ContainerSpec spec,
      List<IdMapping> uids, List<IdMapping> gids) {
    HostRoot.Snapshot host = planHost.hostRoot().get();
    p.mount("tmpfs", rw, "tmpfs", spec.privileged() ? 0 : MS_NODEV, "mode=0755" + sizeOption(spec), 0);
    p.mkdir(rw + "/u", 0755, 0);
    p.mkdir(rw + "/w", 0700, 0);
    if (spec.namespaces().contains(Namespace.USER)) {
      long uid = IdMapping.toHost(uids, 0);
      long gid = IdMapping.toHost(gids, 0);
      if (uid >= 0 && gid >= 0) {
        p.lchown(rw + "/u", uid, gid, 0);
      }
    }
    p.mount("overlay", r, "overlay", host.rootFlags(), "lowerdir=/,upperdir=" + rw + "/u,workdir=" + rw + "/w", 0);
    p.openRoot(r);
    int n = 0;
    for (HostRoot.TopMount m : host.mounts()) {
      String point = m.path();
      if (point.equals("/proc") || point.startsWith("/proc/") || point.equals("/dev") || point.startsWith("/dev/")
          || point.equals("/sys") || point.startsWith("/sys/")
          || (spec.privateTmp() && (point.equals("/tmp") || point.startsWith("/tmp/")))) {
        continue; // the container gets fresh ones
      }
      if (!m.overlay()) {
        p.mount(point, point, "", MS_BIND | MS_REC, "", IN_ROOT | IGNORE_ENOENT);
        p.mountSetattr(point, MOUNT_ATTR_RDONLY, 0, true, IN_ROOT | IGNORE_ENOENT);
        continue;
      }
      // A mount of its own (/home, /var/tmp, ...): an overlay of its own, its upper directory with
      // the lower's mode and owner (the merged directory shows the upper's), the mounts below it
      // bound read-only on top.
      String upper = rw + "/u" + n;
      String work = rw + "/w" + n++;
      p.mkdir(upper, m.mode(), 0);
      if (m.uid() != 0 || m.gid() != 0) {
        p.lchown(upper, m.uid(), m.gid(), 0);
      }
      p.mkdir(work, 0700, 0);
      p.mount("overlay", point, "overlay", m.flags(), "lowerdir=" + point + ",upperdir=" + upper + ",workdir=" + work,
          IN_ROOT | IGNORE_ENOENT);
      for (String nested : m.nested()) {
        p.mount(nested, nested, "", MS_BIND | MS_REC, "", IN_ROOT | IGNORE_ENOENT);
        p.mountSetattr(nested, MOUNT_ATTR_RDONLY, 0, true, IN_ROOT | IGNORE_ENOENT);
      }
    }
    for (MountSpec m : spec.mounts()) {
      // As the host's root, as docker does: the container's own permissions do not matter here.
      createTarget(p, planHost, m);
    }
  }

  /**
   * The image's overlay. mount(2) copies one page of options; a longer string (many layers, a store at
   * a long path) is given relative to the layers' common directory, which the helper changes to
   * first (as docker's overlay2 does with its short links). The working directory is the root's
   * before the pivot anyway.
   */
  private static void imageOverlay(HelperProgram p, String r, dev.containerj.layers.Mount overlay) {
    String data = overlay.data() == null ? "" : overlay.data();
    String[] relative = fitsInAPage(data) ? null : relativeOverlayData(data);
    if (relative != null) {
      p.chdir(relative[0]);
      data = relative[1];
    }
    p.mount(overlay.source(), r, overlay.fstype(), dev.containerj.layers.internal.MountFlags.of(overlay.options()), data, 0);
  }

  /** Whether mount(2) takes {@code data} whole (with its terminating NUL): the one-page rule. */
  public static boolean fitsInAPage(String data) {
    return dev.containerj.linux.internal.MountOptions.fitsInOnePage(data);
  }

  /**
   * Overlay options with their layer paths relative to the longest directory they share: {@code
   * {dir, data}}, or null when they share none but {@code /}.
   */
  public static String @org.jspecify.annotations.Nullable [] relativeOverlayData(String data) {
    List<String> paths = new java.util.ArrayList<>();
    for (String option : data.split(",")) {
      if (option.startsWith("lowerdir=")) {
        paths.addAll(List.of(option.substring("lowerdir=".length()).split(":")));
      } else if (option.startsWith("upperdir=") || option.startsWith("workdir=")) {
        paths.add(option.substring(option.indexOf('=') + 1));
      }
    }
    String common = null;
    for (String path : paths) {
      if (!path.startsWith("/")) {
        return null;
      }
      String dir = path.substring(0, path.lastIndexOf('/') + 1);
      while (common != null && !dir.startsWith(common)) {
        common = common.substring(0, common.lastIndexOf('/', common.length() - 2) + 1);
      }
      common = common == null ? dir : common;
    }
    if (common == null || common.length() <= 1) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    for (String option : data.split(",")) {
      out.append(out.length() == 0 ? "" : ",");
      int eq = option.indexOf('=');
      String key = eq < 0 ? "" : option.substring(0, eq);
      if (key.equals("lowerdir") || key.equals("upperdir") || key.equals("workdir")) {
        StringBuilder v = new StringBuilder();
        for (String path : option.substring(eq + 1).split(":")) {
          v.append(v.length() == 0 ? "" : ":").append(path.substring(common.length()));
        }
        out.append(key).append('=').append(v);
      } else {
        out.append(option);
      }
    }
    return new String[] {common.substring(0, common.length() - 1), out.toString()};
  }

  /**
   * The writable host root of a rootless container, made inside its user namespace: a tmpfs as {@code /}, and in it the host's top-level entries: an overlay
   * per directory (its writes go to a second tmpfs, gone with the mount namespace), the same symbolic
   * links, read-only binds of what cannot be overlaid, and empty mount points for /proc, /dev, /sys.
   * See {@link HostRoot} for why not one overlay over {@code /}.
   */
  private static void hostOverlay(HelperProgram p, PlanHost host, String r, String rw, ContainerSpec spec,
      List<IdMapping> uids, List<IdMapping> gids, long helperUid, long helperGid) {
    boolean userns = spec.namespaces().contains(Namespace.USER);
    p.mount("tmpfs", r, "tmpfs", 0, "mode=0755" + sizeOption(spec), 0);
    p.mount("tmpfs", rw, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700" + sizeOption(spec), 0);
    p.mkdir(rw + "/u", 0700, 0);
    p.mkdir(rw + "/w", 0700, 0);
    for (HostRoot.Entry e : host.hostRoot().get().entries()) {
      String target = r + "/" + e.name();
      String lower = "/" + e.name();
      switch (e.kind()) {
        case SYMLINK -> p.symlink(e.linkTarget(), target, 0);
        case MOUNT_POINT -> p.mkdir(target, e.mode(), 0);
        case FILE -> {
          p.mkfile(target, 0600, 0);
          p.mount(lower, target, "", MS_BIND, "", 0);
          p.mountSetattr(target, MOUNT_ATTR_RDONLY, 0, false, 0);
        }
        case BIND -> {
          p.mkdir(target, e.mode(), 0);
          p.mount(lower, target, "", MS_BIND | MS_REC, "", 0);
          p.mountSetattr(target, MOUNT_ATTR_RDONLY, 0, true, 0);
        }
        case OVERLAY -> {
          p.mkdir(target, e.mode(), 0);
          if (e.name().equals("tmp") && spec.privateTmp()) {
            continue; // a tmpfs of its own comes later
          }
          // The merged directory shows its upper directory's mode and owner: make them the lower's.
          String upper = rw + "/u/" + e.name();
          p.mkdir(upper, e.mode(), 0);
          long uid = containerId(e.uid(), uids, userns);
          long gid = containerId(e.gid(), gids, userns);
          if (uid >= 0 && gid >= 0 && (uid != helperUid || gid != helperGid)) {
            p.lchown(upper, uid, gid, 0);
          }
          String work = rw + "/w/" + e.name();
          p.mkdir(work, 0700, 0);
          p.mount("overlay", target, "overlay", e.mountFlags(),
              "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + (userns ? ",userxattr" : ""), 0);
        }
      }
    }
  }

  /**
   * The id that host id {@code hostId} has in the container, or -1 when it has none there (the upper
   * directory then keeps the helper's ids, usually the container's root).
   */
  private static long containerId(long hostId, List<IdMapping> mappings, boolean userns) {
    return userns ? IdMapping.toContainer(mappings, hostId) : hostId;
  }


  /**
   * mkdir -p of a user mount's target (and an empty file for a bind of a file), in a writable root.
   * Resolved in the root, so the host root's absolute symbolic links lead where they will lead the
   * container, not to the host's tree, which is still "/" before the pivot.
   */
  private static void createTarget(HelperProgram p, PlanHost host, MountSpec m) {
    StringBuilder path = new StringBuilder();
    String[] parts = m.target().substring(1).split("/");
    for (int i = 0; i < parts.length; i++) {
      path.append('/').append(parts[i]);
      boolean last = i == parts.length - 1;
      if (last && m.type() == MountSpec.Type.BIND && m.source() != null && !host.isDirectory().test(m.source().toString())) {
        p.mkfile(path.toString(), 0600, IN_ROOT | IGNORE_EEXIST);
      } else {
        p.mkdir(path.toString(), 0755, IN_ROOT | IGNORE_EEXIST);
      }
    }
  }


  /** A minimal /dev as runc's: a tmpfs with the safe devices bound from the host, devpts, shm, mqueue. */
  private static void dev(HelperProgram p, ContainerSpec spec, List<IdMapping> gidMappings, boolean locked,
      String owner) {
    String d = "/dev";
    // nodev: a node made in /dev opens nothing; the binds below are mounts of their own (nodev is
    // per mount), from the host's /dev, and keep working.
    // noexec: nothing in /dev is a program (Podman asks for it; runc's default config does not, and
    // gets it all the same, one rule less to check).
    p.mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME | (spec.privileged() ? 0 : MS_NODEV),
        "mode=755,size=65536k" + owner, IN_ROOT);
    for (String dev : DEVICES) {
      // mknod is not allowed in a user namespace: bind the host's nodes instead.
      p.mkfile(d + "/" + dev, 0666, IN_ROOT);
      p.mount("/dev/" + dev, d + "/" + dev, "", MS_BIND, "", IN_ROOT);
    }
    p.mkdir(d + "/pts", 0755, IN_ROOT);
    p.mkdir(d + "/shm", 01777, IN_ROOT);
    // devpts reads gid= in its mounter's user namespace: the assembler's is the host's. An older
    // devpts parses it as an int: the default range's host id of gid 5, above INT_MAX, is EINVAL
    // there (the QEMU lane's 6.1 kernel), so that id is left out and new terminals keep their
    // creator's group.
    long ttyGid = !gidMappings.stream().anyMatch(m -> m.coversContainerId(5)) ? -1 : locked ? IdMapping.toHost(gidMappings, 5) : 5;
    p.mount("devpts", d + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620" + (ttyGid >= 0 && ttyGid <= Integer.MAX_VALUE ? ",gid=" + ttyGid : ""), IN_ROOT);
    p.mount("shm", d + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", IN_ROOT);
    if (JoinedNamespaces.hasIpcNamespace(spec)) {
      p.mkdir(d + "/mqueue", 0755, IN_ROOT);
      p.mount("mqueue", d + "/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IN_ROOT);
    }
    p.symlink("/proc/self/fd", d + "/fd", IN_ROOT);
    p.symlink("/proc/self/fd/0", d + "/stdin", IN_ROOT);
    p.symlink("/proc/self/fd/1", d + "/stdout", IN_ROOT);
    p.symlink("/proc/self/fd/2", d + "/stderr", IN_ROOT);
    p.symlink("pts/ptmx", d + "/ptmx", IN_ROOT);
  }

  /**
   * sysfs, and under /sys/fs/cgroup the container's own cgroup. {@code initUserns}: the mounts are
   * made with the host's privilege (the assembler, or a root JVM without a user namespace), which a
   * v1 hierarchy needs: the kernel refuses to mount one from inside a user namespace.
   */
  private static void sys(HelperProgram p, PlanHost host, ContainerSpec spec, Map<String, Path> cgroupPaths,
      boolean initUserns, String owner) {
    if (spec.namespaces().contains(Namespace.NET) && NetKind.of(spec) != NetKind.HOST) {
      // sysfs may be mounted only by the owner of the network namespace (a fresh one, here).
      p.mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IN_ROOT);
      boolean cgroupns = spec.namespaces().contains(Namespace.CGROUP);
      List<CgroupView.Hierarchy> v1 = cgroupns && initUserns ? CgroupView.v1(cgroupPaths, host.cgroupV1Mounts()) : List.of();
      if (!v1.isEmpty()) {
        cgroupV1(p, v1, cgroupPaths.containsKey("unified") && host.cgroup2(), owner);
      } else if ((spec.cgroup() || !cgroupPaths.isEmpty()) && cgroupns && host.cgroup2()) {
        // cgroup_namespaces(7): the container's own cgroup is the root of what it sees.
        p.mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IN_ROOT);
      }
    } else {
      p.mount("/sys", "/sys", "", MS_BIND | MS_REC, "", IN_ROOT);
      p.mountSetattr("/sys", MOUNT_ATTR_RDONLY, 0, true, IN_ROOT);
    }
  }

  /**
   * The v1 (hybrid) layout of /sys/fs/cgroup, as Docker's: a tmpfs with one directory per hierarchy
   * of the container's cgroup, each the hierarchy mounted read-only. Made in the container's cgroup
   * namespace (cgroup_namespaces(7)), each mount is rooted at the container's own cgroup: its limits
   * are at the top (memory/memory.limit_in_bytes), nothing of the host's tree or other containers
   * shows, and /proc/self/cgroup's "/" matches mountinfo's root "/" as the JDK's container support
   * (CgroupSubsystemFactory) and Go's runtime expect. Read-only and, assembled before the
   * container's mount namespace, locked: no capability lets the container raise its limits here.
   */
  private static void cgroupV1(HelperProgram p, List<CgroupView.Hierarchy> hierarchies, boolean unified,
      String owner) {
    String base = "/sys/fs/cgroup";
    p.mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k" + owner, IN_ROOT);
    long ro = ProtectionsOff.writableCgroupView ? 0 : MS_RDONLY;
    for (CgroupView.Hierarchy h : hierarchies) {
      String dir = base + "/" + h.directory();
      p.mkdir(dir, 0555, IN_ROOT);
      p.mount("cgroup", dir, "cgroup", ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, h.options(), IN_ROOT);
      for (String link : h.links()) {
        p.symlink(h.directory(), base + "/" + link, IN_ROOT);
      }
    }
    if (unified) {
      p.mkdir(base + "/unified", 0555, IN_ROOT);
      p.mount("cgroup2", base + "/unified", "cgroup2", ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IN_ROOT);
    }
    p.mountSetattr(base, MOUNT_ATTR_RDONLY, 0, false, IN_ROOT);
  }

  private static void userMount(HelperProgram p, MountSpec m, String owner, boolean nodev) {
    String target = m.target();
    if (m.type() == MountSpec.Type.TMPFS) {
      String data = "mode=" + Integer.toOctalString(m.tmpfsMode()) + (m.sizeBytes() > 0 ? ",size=" + m.sizeBytes() : "")
          + owner;
      // strictatime, as ContainerJ's own /dev and runc's tmpfs mounts: atime is updated on every
      // access (mount(2) MS_STRICTATIME), nothing in the container sees a relatime-delayed atime.
      p.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME | (m.readOnly() ? MS_RDONLY : 0), data,
          IN_ROOT);
      return;
    }
    p.mount(String.valueOf(m.source()), target, "", MS_BIND | MS_REC, "", IN_ROOT);
    // MS_BIND ignores the other flags of the same mount(2) call: they are set by this second step,
    // as runc's remount after the bind (the spec's nosuid/noexec/nodev of a bind, Podman's /dev/shm).
    long attrs = (m.readOnly() ? MOUNT_ATTR_RDONLY : 0) | (nodev || m.flags().contains(MountSpec.Flag.NODEV) ? MOUNT_ATTR_NODEV : 0)
        | (m.flags().contains(MountSpec.Flag.NOSUID) ? MOUNT_ATTR_NOSUID : 0)
        | (m.flags().contains(MountSpec.Flag.NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
    if (attrs != 0) {
      // mount_setattr keeps the flags the kernel locked (nosuid, nodev, ...) in a user namespace,
      // where a plain MS_REMOUNT|MS_RDONLY that forgot one would fail with EPERM. A bind keeps its
      // source's flags (mount(2)): nodev is set here, so a volume's device nodes open nothing.
      p.mountSetattr(target, attrs, 0, true, IN_ROOT);
    }
  }


  /** A masked file gets /dev/null bound over it, a masked directory an empty read-only tmpfs. */
  private static void mask(HelperProgram p, PlanHost host, String path) {
    if (host.isDirectory().test(path)) {
      p.mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", IN_ROOT | IGNORE_ENOENT);
    } else {
      // The source is the host's /dev/null, resolved before the pivot outside the container's tree:
      // the container's own /dev/null may be a link (a root's, or a volume's laid over /dev) to a
      // writable kernel file, which bound over a masked path would escape the read-only /proc/sys
      // (runc's CVE-2025-31133). MaskedPathEscapeTest.
      p.mount("/dev/null", path, "", MS_BIND, "",
          IN_ROOT | IGNORE_ENOENT | (ProtectionsOff.maskSourceInRoot ? SRC_IN_ROOT : 0));
    }
  }

  private static boolean containsCap(java.util.Set<Capability> capabilities, int number) {
    for (Capability c : capabilities) {
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

}
