package dev.containerj.namespaces.seccomp;

import dev.containerj.namespaces.seccomp.internal.BuiltinProfiles;
import dev.containerj.namespaces.seccomp.internal.CompiledFilter;
import dev.containerj.namespaces.seccomp.internal.KernelVersion;
import dev.containerj.namespaces.seccomp.internal.ProfileJsonParser;
import dev.containerj.namespaces.seccomp.internal.SeccompCompiler;
import dev.containerj.namespaces.seccomp.internal.SyscallTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A seccomp policy: which system calls a contained process may make, and what happens to the
 * others. Immutable; build one with {@link #builder(SeccompAction)}, take a built-in one
 * ({@link #defaultProfile(Set)}, {@link #hardened()}, {@link #unconfined()}) or parse one
 * ({@link #fromOciJson(String)}, {@link #fromDockerJson(String, Set)}).
 *
 * <p>Semantics (the same for every architecture):
 * <ul>
 *   <li>A call that no rule matches gets {@link #defaultAction()}.
 *   <li>When several rules match one call, the most restrictive action wins (see
 *       {@link SeccompAction}); among equally restrictive ones, the first in {@link #rules()}.
 *       The order of the rules therefore does not change what a profile allows.
 *   <li>The conditions of one rule must all hold (AND); several rules for one call are
 *       alternatives (OR).
 *   <li>A call from a foreign architecture, or through the x32 ABI on x86_64, is killed
 *       (KILL_PROCESS), whatever the profile says: rules are written for the native numbers only.
 *       Call number -1 (a call cancelled by a ptracer) gets the default action.
 * </ul>
 *
 * <p>{@link #compile(SeccompArch)} turns a profile into a {@link SeccompProgram}; the result is
 * cached per (profile, architecture), so starting many containers with one profile assembles it once.
 */
public final class SeccompProfile {
  private static final Pattern CAPABILITY = Pattern.compile("CAP_[A-Z_]+");

  private final SeccompAction defaultAction;
  private final List<SeccompRule> rules;
  private final Set<SeccompFlag> flags;
  private int hash;

  private SeccompProfile(Builder b) {
    this.defaultAction = b.defaultAction;
    this.rules = List.copyOf(b.rules);
    this.flags = b.flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(b.flags));
  }

  /**
   * A builder for a profile whose unmatched calls get {@code defaultAction}.
   *
   * @param defaultAction what a call gets when no rule matches
   * @return a builder with no rules
   */
  public static Builder builder(SeccompAction defaultAction) {
    return new Builder(defaultAction);
  }

  /** {@return a builder holding this profile's values} */
  public Builder toBuilder() {
    Builder b = new Builder(defaultAction);
    b.rules.addAll(rules);
    b.flags.addAll(flags);
    return b;
  }

  /**
   * {@return the built-in default profile, with the effect of the Docker/Podman default: an
   * allowlist of about 350 calls, everything else fails with EPERM} Calls that need a capability
   * are allowed only when {@code keptCapabilities} holds it, as in Docker: mount, umount2,
   * pivot_root, setns, unshare and namespace-creating clone need CAP_SYS_ADMIN; ptrace,
   * process_vm_* need CAP_SYS_PTRACE (ptrace is also allowed without it on kernels 4.8+, where
   * seccomp can no longer be bypassed through it); and so on. Always denied: keyctl, add_key,
   * request_key, bpf (without CAP_SYS_ADMIN or CAP_BPF), perf_event_open (without CAP_SYS_ADMIN or
   * CAP_PERFMON), userfaultfd, kexec_*, open_by_handle_at (without CAP_DAC_READ_SEARCH), module
   * loading, reboot, swapon/swapoff, io_uring_*, personality other than the harmless values, clone3
   * (ENOSYS, so that the C library falls back to clone, whose flags a filter can inspect).
   *
   * @param keptCapabilities the capabilities the container keeps, named as capabilities(7) does:
   *     {@code "CAP_SYS_ADMIN"}
   */
  public static SeccompProfile defaultProfile(Set<String> keptCapabilities) {
    return BuiltinProfiles.dockerDefault(checkCapabilities(keptCapabilities), KernelVersion.running());
  }

  /**
   * Compiles the {@linkplain #defaultProfile(Set) default profile} for {@code arch}: the same
   * program as {@code defaultProfile(keptCapabilities).compile(arch)}. When the system property
   * {@code containerj.cache.dir} names a directory of this user's (the tool's launcher sets it),
   * the program is also kept there between JVMs, keyed by the compiler's jar, the capabilities, the
   * kernel release and the architecture, and read back only from a file of this user's that no one
   * else may write and that parses back whole; otherwise it is compiled as usual.
   *
   * @param keptCapabilities the capabilities the container keeps, as for {@link #defaultProfile(Set)}
   * @param arch the architecture of the processes it will filter
   * @return the classic BPF program
   * @throws IllegalArgumentException if a capability is not named as capabilities(7) does
   */
  public static SeccompProgram compileDefault(Set<String> keptCapabilities, SeccompArch arch) {
    Set<String> caps = checkCapabilities(keptCapabilities);
    DefaultProgramCache disk = DefaultProgramCache.fromSystemProperty();
    if (disk == null) {
      return defaultProfile(caps).compile(arch);
    }
    return disk.program(caps, System.getProperty("os.version", ""), arch);
  }

  /**
   * {@return the profile for untrusted code: the default profile for a container without
   * capabilities, and also denied (EPERM) ptrace and process_vm_*, kcmp, pidfd_getfd, io_uring_*,
   * and socket(2) for every address family but AF_UNIX, AF_INET and AF_INET6}
   */
  public static SeccompProfile hardened() {
    return BuiltinProfiles.hardened(KernelVersion.running());
  }

  /**
   * {@return the profile that allows every call: no filter at all} {@link #isUnconfined()} tells
   * the launcher to install nothing.
   */
  public static SeccompProfile unconfined() {
    return BuiltinProfiles.UNCONFINED;
  }

  /**
   * Parses the runtime-spec form ({@code linux.seccomp} of an OCI {@code config.json}):
   * {@code defaultAction}, {@code defaultErrnoRet}, {@code architectures}, {@code flags},
   * {@code syscalls[].names/action/errnoRet/args[].index/value/valueTwo/op}. An ERRNO action
   * without errnoRet fails with EPERM. {@code SCMP_CMP_MASKED_EQ} tests
   * {@code (arg & value) == valueTwo}, as libseccomp does.
   *
   * @param json the {@code linux.seccomp} object of an OCI runtime config
   * @return the profile
   * @throws dev.containerj.linux.InvalidValueException naming the JSON path of every invalid field
   */
  public static SeccompProfile fromOciJson(String json) {
    return ProfileJsonParser.parseOci(json);
  }

  /**
   * Parses a Docker/Podman seccomp profile (the {@code --security-opt seccomp=FILE} format). Its
   * rules carry {@code includes} and {@code excludes} by {@code caps}, {@code arches} and
   * {@code minKernel}; they are resolved here against {@code keptCapabilities} and the running
   * kernel, so the profile must be parsed again for another capability set.
   *
   * @param json the profile file's text
   * @param keptCapabilities the names ({@code CAP_...}) of the capabilities the container keeps
   * @return the profile, resolved for these capabilities and this kernel
   * @throws dev.containerj.linux.InvalidValueException naming the JSON path of every invalid field
   */
  public static SeccompProfile fromDockerJson(String json, Set<String> keptCapabilities) {
    return ProfileJsonParser.parseDocker(
        json, checkCapabilities(keptCapabilities), KernelVersion.running());
  }

  /** {@return what a call gets when no rule matches} */
  public SeccompAction defaultAction() {
    return defaultAction;
  }

  /** {@return the rules, in the order they were added} */
  public List<SeccompRule> rules() {
    return rules;
  }

  /** {@return the flags for installing the compiled filter} */
  public Set<SeccompFlag> flags() {
    return flags;
  }

  /**
   * {@return {@code true} if the profile lets every call through unlogged, so that installing it
   * would only cost time: the launcher then installs no filter}
   */
  public boolean isUnconfined() {
    if (defaultAction.kind() != SeccompAction.Kind.ALLOW) {
      return false;
    }
    for (SeccompRule r : rules) {
      if (r.action().kind() != SeccompAction.Kind.ALLOW) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@return the action this profile gives a call, by name, with these arguments, on {@code arch}:
   * the reference semantics that the compiled program implements} A name that {@code arch} lacks
   * (its rules are left out of the program) gets the default action.
   *
   * @param args the six arguments
   * @param arch the architecture the call is made on
   * @param syscall the call's name, as {@code "clone"}
   */
  public SeccompAction evaluate(SeccompArch arch, String syscall, long[] args) {
    if (args.length != 6) {
      throw new dev.containerj.linux.InvalidValueException("args", Integer.toString(args.length), "must hold the 6 system call arguments");
    }
    if (SyscallTable.of(arch).number(syscall) < 0) {
      return defaultAction;
    }
    @Nullable SeccompAction best = null;
    for (SeccompRule r : rules) {
      if (r.syscall().equals(syscall) && r.appliesTo(arch) && r.matches(args)) {
        if (best == null || r.action().kind().ordinal() < best.kind().ordinal()) {
          best = r.action();
        }
      }
    }
    return best == null ? defaultAction : best;
  }

  /**
   * Compiles the profile to classic BPF for {@code arch}. Cached: the same profile (by value) and
   * architecture give the same program without assembling it again.
   *
   * @param arch the architecture of the processes it will filter
   * @return the classic BPF program
   * @throws dev.containerj.linux.InvalidValueException if the program would exceed the kernel's 4096 instructions
   */
  public SeccompProgram compile(SeccompArch arch) {
    return ProgramCache.get(this, arch);
  }

  /** Compiles without the cache (for the benchmark and tests). */
  SeccompProgram compileUncached(SeccompArch arch) {
    CompiledFilter f = SeccompCompiler.compile(this, arch);
    return new SeccompProgram(arch, f.filter(), f.installFlags(), f.skippedSyscalls());
  }

  static Set<String> checkCapabilities(Set<String> caps) {
    List<String> bad = new ArrayList<>();
    for (String c : caps) {
      if (c == null || !CAPABILITY.matcher(c).matches()) {
        bad.add(String.valueOf(c));
      }
    }
    if (!bad.isEmpty()) {
      throw new dev.containerj.linux.InvalidValueException("capabilities", bad.toString(), "must be named as in capabilities(7), like CAP_SYS_ADMIN");
    }
    return Set.copyOf(new TreeSet<>(caps));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SeccompProfile)) {
      return false;
    }
    SeccompProfile p = (SeccompProfile) o;
    return hashCode() == p.hashCode()
        && defaultAction.equals(p.defaultAction)
        && flags.equals(p.flags)
        && rules.equals(p.rules);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Objects.hash(defaultAction, flags, rules);
      hash = h == 0 ? 1 : h;
    }
    return hash;
  }

  @Override
  public String toString() {
    return "SeccompProfile[default " + defaultAction + ", " + rules.size() + " rules"
        + (flags.isEmpty() ? "" : ", flags " + flags) + "]";
  }

  /** Builds a {@link SeccompProfile}. */
  public static final class Builder {
    private SeccompAction defaultAction;
    private final List<SeccompRule> rules = new ArrayList<>();
    private final Set<SeccompFlag> flags = EnumSet.noneOf(SeccompFlag.class);

    private Builder(SeccompAction defaultAction) {
      this.defaultAction = Objects.requireNonNull(defaultAction, "defaultAction");
    }

    /**
     * What a call gets when no rule matches.
     *
     * @param action what a call gets when no rule matches
     * @return this builder
     */
    public Builder defaultAction(SeccompAction action) {
      this.defaultAction = Objects.requireNonNull(action, "defaultAction");
      return this;
    }

    /**
     * Adds a rule.
     *
     * @param rule the rule, after those added before
     * @return this builder
     */
    public Builder rule(SeccompRule rule) {
      rules.add(Objects.requireNonNull(rule, "rule"));
      return this;
    }

    /**
     * Adds a rule: {@code syscall} gets {@code action} when all conditions hold.
     *
     * @param syscall the call's name
     * @param action what it gets
     * @param conditions tests on its arguments, all of which must hold; none means always
     * @return this builder
     */
    public Builder rule(String syscall, SeccompAction action, ArgCondition... conditions) {
      return rule(SeccompRule.of(syscall, action, conditions));
    }

    /**
     * Adds rules.
     *
     * @param more the rules, in order
     * @return this builder
     */
    public Builder rules(Collection<SeccompRule> more) {
      for (SeccompRule r : more) {
        rule(r);
      }
      return this;
    }

    /**
     * Removes every rule for these calls (to relax or replace a built-in profile's rules).
     *
     * @param syscalls the calls' names
     * @return this builder
     */
    public Builder removeRules(String... syscalls) {
      Set<String> names = Set.of(syscalls);
      rules.removeIf(r -> names.contains(r.syscall()));
      return this;
    }

    /**
     * Allows these calls unconditionally.
     *
     * @param syscalls the calls' names
     * @return this builder
     */
    public Builder allow(String... syscalls) {
      for (String s : syscalls) {
        rule(s, SeccompAction.ALLOW);
      }
      return this;
    }

    /**
     * Adds an install flag.
     *
     * @param flag a seccomp(2) {@code SECCOMP_FILTER_FLAG_*} flag
     * @return this builder
     */
    public Builder flag(SeccompFlag flag) {
      flags.add(Objects.requireNonNull(flag, "flag"));
      return this;
    }

    /**
     * Builds the profile.
     *
     * @return the profile
     * @throws dev.containerj.linux.InvalidValueException listing every violation: the default action must not be
     *     USER_NOTIF (a process with no rule of its own would block every call on its supervisor)
     */
    public SeccompProfile build() {
      if (defaultAction.kind() == SeccompAction.Kind.USER_NOTIF) {
        throw new dev.containerj.linux.InvalidValueException("defaultAction", defaultAction.toString(), "must not be USER_NOTIF");
      }
      return new SeccompProfile(this);
    }
  }

  /**
   * Empties the caches of compiled programs and built-in profiles. For tests only: a cached result
   * computed before a mutation testing tool (PIT) changes the compiler would hide the change.
   */
  static void clearCachesForTests() {
    synchronized (ProgramCache.CACHE) {
      ProgramCache.CACHE.clear();
    }
    dev.containerj.namespaces.seccomp.internal.BuiltinProfiles.clearCacheForTests();
  }

  /** Compiled programs per (profile, arch), least recently used evicted beyond 64. */
  private static final class ProgramCache {
    private static final int MAX = 64;
    private static final Map<Key, SeccompProgram> CACHE =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, SeccompProgram> eldest) {
            return size() > MAX;
          }
        };

    private record Key(SeccompProfile profile, SeccompArch arch) {}

    static SeccompProgram get(SeccompProfile profile, SeccompArch arch) {
      Key key = new Key(profile, arch);
      synchronized (CACHE) {
        SeccompProgram p = CACHE.get(key);
        if (p != null) {
          return p;
        }
      }
      SeccompProgram p = profile.compileUncached(arch);
      synchronized (CACHE) {
        SeccompProgram raced = CACHE.putIfAbsent(key, p);
        return raced != null ? raced : p;
      }
    }
  }
}
