package dev.containerj.namespaces.internal;

import dev.containerj.linux.internal.Constants;
import dev.containerj.namespaces.Namespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Pieces of helper programs shared by the plain launcher and the container start. */
public final class ProgramSteps {
  /** The PATH a container gets when its environment has none (Docker's). */
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private ProgramSteps() {}

  /** clone(2)/setns(2) flag of a namespace. */
  public static int flag(Namespace ns) {
    switch (ns) {
      case USER:
        return Constants.CLONE_NEWUSER;
      case MOUNT:
        return Constants.CLONE_NEWNS;
      case PID:
        return Constants.CLONE_NEWPID;
      case UTS:
        return Constants.CLONE_NEWUTS;
      case IPC:
        return Constants.CLONE_NEWIPC;
      case NET:
        return Constants.CLONE_NEWNET;
      case CGROUP:
        return Constants.CLONE_NEWCGROUP;
      case TIME:
        return Constants.CLONE_NEWTIME;
      default:
        throw new IllegalArgumentException("unknown namespace " + ns);
    }
  }

  /**
   * Adds the clone into {@code namespaces} (all but TIME, which clone(2) cannot take: the child
   * unshares it, and execve moves the payload into it) followed by the wait for Java's go-ahead.
   */
  public static void cloneInto(HelperProgram p, Set<Namespace> namespaces) {
    long flags = cloneFlags(namespaces);
    p.clone(flags, describe(namespaces, flags));
    afterClone(p, namespaces);
  }

  /**
   * Adds a {@link HelperProgram#cloneAssemble} into {@code namespaces} but the mount namespace: the
   * assembler joins the child's pid, net, ipc and cgroup namespaces. The caller adds the assembly,
   * {@link HelperProgram#assembled()}, then {@link #afterClone}.
   */
  public static void cloneAssembling(HelperProgram p, Set<Namespace> namespaces, String uidMap, String gidMap) {
    long flags = cloneFlags(namespaces) & ~(long) Constants.CLONE_NEWNS;
    long join = flags & (Constants.CLONE_NEWPID | Constants.CLONE_NEWNET | Constants.CLONE_NEWIPC
        | Constants.CLONE_NEWCGROUP);
    p.cloneAssemble(flags, join, describe(namespaces, flags), uidMap, gidMap);
  }

  /** The container process's first steps after the clone: the go-ahead, then the time namespace. */
  public static void afterClone(HelperProgram p, Set<Namespace> namespaces) {
    p.waitForGo();
    if (namespaces.contains(Namespace.TIME)) {
      p.unshare(Constants.CLONE_NEWTIME, "time");
      // unshare(2) puts only the children in the new time namespace, and older kernels' execve does
      // not move the caller either (the cgroup v2 lane's 6.1 kernel showed it): join it explicitly.
      p.setnsPath("/proc/self/ns/time_for_children", Constants.CLONE_NEWTIME);
    }
  }

  private static long cloneFlags(Set<Namespace> namespaces) {
    long flags = 0;
    for (Namespace ns : namespaces) {
      if (ns != Namespace.TIME) {
        flags |= flag(ns);
      }
    }
    return flags;
  }

  private static String describe(Set<Namespace> namespaces, long flags) {
    StringBuilder what = new StringBuilder();
    for (Namespace ns : namespaces) {
      if (ns != Namespace.TIME && (flags & flag(ns)) != 0) {
        what.append(what.length() == 0 ? "" : ",").append(ns.procName());
      }
    }
    return what.length() == 0 ? "no new namespaces" : what.toString();
  }

  /** Group list, gid, then uid: the order in which each call is still permitted. */
  public static void credentials(HelperProgram p, long uid, long gid, long[] groups, boolean setGroups) {
    credentials(p, uid, gid, groups, setGroups, false);
  }

  /**
   * As {@link #credentials(HelperProgram, long, long, long[], boolean)}; {@code nonDumpable}: each id
   * change is followed at once by {@link #idsNonDumpable}'s {@code PR_SET_DUMPABLE 0}.
   */
  public static void credentials(HelperProgram p, long uid, long gid, long[] groups, boolean setGroups,
      boolean nonDumpable) {
    if (setGroups) {
      p.setgroups(groups); // changes no effective or filesystem id: "dumpable" stays
    }
    if (nonDumpable) {
      idsNonDumpable(p, gid, uid);
    } else {
      p.setresgid(gid);
      p.setresuid(uid);
    }
  }

  /**
   * setresgid, then setresuid, each followed by {@code PR_SET_DUMPABLE 0} with no step between: a
   * change of the effective or filesystem ids sets "dumpable" to {@code /proc/sys/fs/suid_dumpable}
   * (prctl(2), PR_SET_DUMPABLE; the kernel's commit_creds), which a host may have set to 1
   * ("debug"). A process that must stay non-dumpable takes it back at once.
   */
  public static void idsNonDumpable(HelperProgram p, long gid, long uid) {
    p.setresgid(gid);
    p.prctl(HelperProgram.PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE, 0");
    p.setresuid(uid);
    p.prctl(HelperProgram.PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE, 0");
  }

  /**
   * The execve candidates for {@code command}, as execvp(3) would try them: the path itself when it
   * has a slash, else each directory of PATH.
   */
  public static List<String> candidates(String command, Map<String, String> env) {
    if (command.indexOf('/') >= 0) {
      return List.of(command);
    }
    String path = env.getOrDefault("PATH", DEFAULT_PATH);
    List<String> out = new ArrayList<>();
    for (String dir : path.split(":", -1)) {
      out.add((dir.isEmpty() ? "." : dir) + "/" + command);
    }
    return out;
  }
}
