package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.namespaces.seccomp.internal.BuiltinProfiles;
import dev.containerj.namespaces.seccomp.internal.KernelVersion;
import dev.containerj.namespaces.seccomp.internal.SyscallTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The compiler, tested without a kernel: every generated program runs in {@link BpfInterpreter}
 * for every call number of the architecture's table (and numbers around and beyond it, x32
 * numbers, foreign architectures) with argument edge cases, and its verdict must equal the
 * profile's reference semantics ({@link SeccompProfile#evaluate}).
 */
class SeccompCompilerTest {
  /** Recompile in every test: a cached program would hide a changed compiler from PIT. */
  @BeforeEach
  void clearSeccompCaches() {
    SeccompProfile.clearCachesForTests();
  }

  static final Set<String> DOCKER_CAPS = Set.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
  static final KernelVersion KERNEL = new KernelVersion(6, 18);
  static final int AUDIT_ARCH_I386 = 0x40000003;

  /** Values that break naive 64-bit comparisons: around 2^31, 2^32, 2^63 and negative ones. */
  static final long[] EDGES = {
    0, 1, 2, 7, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL, 0x100000000L, 0x100000001L,
    0x1ffffffffL, 0xffffffff00000000L, 0xffffffff00000001L, 0x7fffffffffffffffL,
    0x8000000000000000L, -1L, -2L, Integer.MIN_VALUE, (long) Integer.MIN_VALUE + 1
  };

  static Stream<Arguments> profiles() {
    List<Arguments> out = new ArrayList<>();
    for (SeccompArch arch : SeccompArch.values()) {
      out.add(Arguments.of("default", arch, BuiltinProfiles.dockerDefault(DOCKER_CAPS, KERNEL)));
      out.add(Arguments.of("default+SYS_ADMIN+SYS_PTRACE", arch, BuiltinProfiles.dockerDefault(
          union(DOCKER_CAPS, Set.of("CAP_SYS_ADMIN", "CAP_SYS_PTRACE")), KERNEL)));
      out.add(Arguments.of("default, kernel 4.4", arch, BuiltinProfiles.dockerDefault(Set.of(), new KernelVersion(4, 4))));
      out.add(Arguments.of("hardened", arch, BuiltinProfiles.hardened(KERNEL)));
      out.add(Arguments.of("unconfined", arch, SeccompProfile.unconfined()));
      out.add(Arguments.of("long", arch, longProfile()));
      for (int seed = 1; seed <= 40; seed++) {
        out.add(Arguments.of("random " + seed, arch, randomProfile(seed, arch)));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("profiles")
  void programMatchesProfileForEveryCallAndEdgeArgument(String name, SeccompArch arch, SeccompProfile profile) {
    SeccompProgram program = profile.compile(arch);
    BpfInterpreter bpf = new BpfInterpreter(program.bytes());
    SyscallTable table = SyscallTable.of(arch);
    Random random = new Random(name.hashCode() * 31L + arch.ordinal());
    List<String> failures = new ArrayList<>();
    int runs = 0;
    for (long nr : callNumbers(table, arch)) {
      String call = nr >= 0 && nr <= Integer.MAX_VALUE ? table.names().get((int) nr) : null;
      for (long[] args : argumentVectors(profile, call, random)) {
        SeccompAction expected = expected(profile, arch, nr, call, args);
        SeccompAction actual = bpf.run((int) nr, arch.auditArch(), args).action();
        runs++;
        if (!expected.equals(actual) && failures.size() < 10) {
          failures.add("nr " + nr + " (" + call + ") args " + hex(args) + ": expected " + expected + ", got " + actual);
        }
      }
    }
    // Any other architecture, and i386 on x86_64 in particular, is killed.
    for (int foreign : new int[] {AUDIT_ARCH_I386, 0, -1, otherArch(arch).auditArch()}) {
      for (int nr : new int[] {0, 20, 39, 172, 435}) {
        SeccompAction actual = bpf.run(nr, foreign, new long[6]).action();
        runs++;
        if (!actual.equals(SeccompAction.KILL_PROCESS)) {
          failures.add("arch 0x" + Integer.toHexString(foreign) + " nr " + nr + ": got " + actual);
        }
      }
    }
    assertThat(failures).as("%s on %s, %d instructions, %d runs", name, arch, bpf.length(), runs).isEmpty();
  }

  @Test
  void theHostsContainersCommonProfileParsesAndCompilesFaithfully() throws Exception {
    Path podman = Path.of("/usr/share/containers/seccomp.json");
    assumeTrue(Files.isReadable(podman),
        podman + " (Podman's default profile, package containers-common) is not installed: a "
            + "real-world Docker-format profile is not parsed here");
    for (Set<String> caps : List.of(DOCKER_CAPS, union(DOCKER_CAPS, Set.of("CAP_SYS_ADMIN")))) {
      SeccompProfile p = SeccompProfile.fromDockerJson(Files.readString(podman), caps);
      assertThat(p.rules()).hasSizeGreaterThan(300);
      for (SeccompArch arch : SeccompArch.values()) {
        programMatchesProfileForEveryCallAndEdgeArgument(podman + " " + caps.size(), arch, p);
      }
    }
  }

  @Test
  void longProgramsNeedAndGetTrampolines() {
    for (SeccompArch arch : SeccompArch.values()) {
      byte[] code = longProfile().compile(arch).bytes();
      assertThat(code.length / 8).as("long profile on %s", arch).isGreaterThan(1000);
      assertThat(opcodes(code)).as("JA trampolines on %s", arch).contains(0x05);
    }
  }

  @Test
  void largeAllowlistIsDecidedInFewInstructionsNotALinearChain() {
    for (SeccompArch arch : SeccompArch.values()) {
      SeccompProfile profile = BuiltinProfiles.dockerDefault(DOCKER_CAPS, KERNEL);
      BpfInterpreter bpf = new BpfInterpreter(profile.compile(arch).bytes());
      SyscallTable table = SyscallTable.of(arch);
      int maxSteps = 0;
      int allowed = 0;
      for (int nr : table.names().keySet()) {
        BpfInterpreter.Result r = bpf.run(nr, arch.auditArch(), new long[6]);
        if (r.action().equals(SeccompAction.ALLOW)) {
          allowed++;
        }
        boolean hasArgumentRules = profile.rules().stream()
            .anyMatch(x -> x.syscall().equals(table.names().get(nr)) && !x.conditions().isEmpty());
        if (!hasArgumentRules) {
          maxSteps = Math.max(maxSteps, r.steps());
        }
      }
      assertThat(allowed).as("allowed calls on %s", arch).isGreaterThan(250);
      // Prologue (4 on x86_64, 5 for numbers with the x32 bit) + a tree of depth ~log2(intervals) + the return.
      assertThat(maxSteps).as("most instructions to decide a call on %s", arch).isLessThanOrEqualTo(16);
    }
  }

  @Test
  void knownVerdictsOfTheDefaultProfile() {
    SeccompArch arch = SeccompArch.X86_64;
    SeccompProfile p = BuiltinProfiles.dockerDefault(DOCKER_CAPS, KERNEL);
    BpfInterpreter bpf = new BpfInterpreter(p.compile(arch).bytes());
    SeccompAction eperm = SeccompAction.errno(1);
    assertThat(verdict(bpf, 39)).isEqualTo(SeccompAction.ALLOW); // getpid
    assertThat(verdict(bpf, 250)).isEqualTo(eperm); // keyctl
    assertThat(verdict(bpf, 248)).isEqualTo(eperm); // add_key
    assertThat(verdict(bpf, 321)).isEqualTo(eperm); // bpf
    assertThat(verdict(bpf, 298)).isEqualTo(eperm); // perf_event_open
    assertThat(verdict(bpf, 323)).isEqualTo(eperm); // userfaultfd
    assertThat(verdict(bpf, 304)).isEqualTo(eperm); // open_by_handle_at
    assertThat(verdict(bpf, 165)).isEqualTo(eperm); // mount
    assertThat(verdict(bpf, 155)).isEqualTo(eperm); // pivot_root
    assertThat(verdict(bpf, 272, 0x10000000L)).isEqualTo(eperm); // unshare(CLONE_NEWUSER)
    assertThat(verdict(bpf, 425)).isEqualTo(eperm); // io_uring_setup
    assertThat(verdict(bpf, 101)).isEqualTo(SeccompAction.ALLOW); // ptrace on 4.8+
    assertThat(verdict(bpf, 56, 17)).isEqualTo(SeccompAction.ALLOW); // clone(SIGCHLD)
    assertThat(verdict(bpf, 56, 0x10000000L | 17)).isEqualTo(eperm); // clone(CLONE_NEWUSER)
    assertThat(verdict(bpf, 56, 0x00020000L | 17)).isEqualTo(eperm); // clone(CLONE_NEWNS)
    assertThat(verdict(bpf, 56, 0x00000080L | 17)).isEqualTo(eperm); // clone(CLONE_NEWTIME)
    assertThat(verdict(bpf, 56, 0x003d0f00L)).isEqualTo(SeccompAction.ALLOW); // pthread_create flags
    assertThat(verdict(bpf, 435)).isEqualTo(SeccompAction.errno(38)); // clone3 -> ENOSYS
    assertThat(verdict(bpf, 135, 0xffffffffL)).isEqualTo(SeccompAction.ALLOW); // personality query
    assertThat(verdict(bpf, 135, -1L)).isEqualTo(eperm); // not the same 64-bit value
    assertThat(verdict(bpf, 135, 0x0400000L)).isEqualTo(eperm); // READ_IMPLIES_EXEC
    assertThat(verdict(bpf, 41, 40)).isEqualTo(eperm); // socket(AF_VSOCK)
    assertThat(verdict(bpf, 41, 2)).isEqualTo(SeccompAction.ALLOW); // socket(AF_INET)
    assertThat(verdict(bpf, 16, 0, 0x5401L)).isEqualTo(SeccompAction.ALLOW); // ioctl(TCGETS)
    assertThat(verdict(bpf, 16, 0, 0x5412L)).isEqualTo(eperm); // ioctl(TIOCSTI)
    assertThat(verdict(bpf, 16, 0, 0xdead_0000_5412L)).as("the kernel reads the request as an unsigned int")
        .isEqualTo(eperm);
    assertThat(verdict(bpf, 16, 0, 0x541CL)).isEqualTo(eperm); // ioctl(TIOCLINUX)
    assertThat(verdict(bpf, 0x40000000 | 39)).isEqualTo(SeccompAction.KILL_PROCESS); // x32 getpid
    assertThat(verdict(bpf, -1)).as("a call cancelled by a ptracer").isEqualTo(eperm);
    assertThat(verdict(bpf, -2)).isEqualTo(SeccompAction.KILL_PROCESS);

    BpfInterpreter admin = new BpfInterpreter(BuiltinProfiles.dockerDefault(
        union(DOCKER_CAPS, Set.of("CAP_SYS_ADMIN")), KERNEL).compile(arch).bytes());
    assertThat(verdict(admin, 165)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(admin, 56, 0x10000000L | 17)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(admin, 250)).isEqualTo(eperm); // keyctl stays denied

    BpfInterpreter old = new BpfInterpreter(
        BuiltinProfiles.dockerDefault(DOCKER_CAPS, new KernelVersion(4, 4)).compile(arch).bytes());
    assertThat(verdict(old, 101)).as("ptrace before 4.8").isEqualTo(eperm);

    BpfInterpreter hardened = new BpfInterpreter(BuiltinProfiles.hardened(KERNEL).compile(arch).bytes());
    assertThat(verdict(hardened, 101)).isEqualTo(eperm); // ptrace
    assertThat(verdict(hardened, 310)).isEqualTo(eperm); // process_vm_readv
    assertThat(verdict(hardened, 41, 16)).isEqualTo(eperm); // socket(AF_NETLINK)
    assertThat(verdict(hardened, 41, 17)).isEqualTo(eperm); // socket(AF_PACKET)
    assertThat(verdict(hardened, 41, 1)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(hardened, 41, 10)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(hardened, 41, 2 | 1L << 32)).isEqualTo(eperm);
  }

  @Test
  void aarch64UsesItsOwnNumbers() {
    SeccompProfile p = BuiltinProfiles.dockerDefault(DOCKER_CAPS, KERNEL);
    SeccompProgram program = p.compile(SeccompArch.AARCH64);
    BpfInterpreter bpf = new BpfInterpreter(program.bytes());
    int arch = SeccompArch.AARCH64.auditArch();
    assertThat(bpf.run(172, arch, new long[6]).action()).isEqualTo(SeccompAction.ALLOW); // getpid
    assertThat(bpf.run(219, arch, new long[6]).action()).isEqualTo(SeccompAction.errno(1)); // keyctl
    assertThat(bpf.run(0x40000000 | 172, arch, new long[6]).action())
        .as("no x32 check on aarch64: an unknown number gets the default")
        .isEqualTo(SeccompAction.errno(1));
    assertThat(program.skippedSyscalls()).contains("open", "arch_prctl").doesNotContain("openat");
  }

  @Test
  void programThatWouldExceedTheKernelLimitIsRefused() {
    SeccompProfile.Builder b = SeccompProfile.builder(SeccompAction.ALLOW);
    int n = 0;
    for (String call : SyscallTable.of(SeccompArch.X86_64).numbers().keySet()) {
      n++;
      for (int i = 0; i < 4; i++) {
        b.rule(call, SeccompAction.errno(i + 1), ArgCondition.eq(i, n), ArgCondition.gt(5, 7));
      }
    }
    assertThatThrownBy(() -> b.build().compile(SeccompArch.X86_64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 4096 instructions (BPF_MAXINSNS)");
  }

  // --- helpers ---

  static SeccompAction verdict(BpfInterpreter bpf, int nr, long... args) {
    long[] a = new long[6];
    System.arraycopy(args, 0, a, 0, args.length);
    return bpf.run(nr, SeccompArch.X86_64.auditArch(), a).action();
  }

  static SeccompAction expected(SeccompProfile p, SeccompArch arch, long nr, String call, long[] args) {
    if (arch == SeccompArch.X86_64 && (nr & 0x40000000L) != 0 && nr != 0xffffffffL) {
      return SeccompAction.KILL_PROCESS;
    }
    if (call == null) {
      return p.defaultAction();
    }
    return p.evaluate(arch, call, args);
  }

  static Set<Long> callNumbers(SyscallTable table, SeccompArch arch) {
    Set<Long> numbers = new TreeSet<>();
    for (int nr : table.names().keySet()) {
      numbers.add((long) nr);
      numbers.add(nr + 1L);
      numbers.add(Math.max(0, nr - 1L));
      numbers.add(0x40000000L | nr);
    }
    int max = table.names().keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
    for (long extra : new long[] {max + 1L, max + 100L, 1024, 0x3fffffffL, 0x40000000L, 0x7fffffffL,
        0x80000000L, 0xbfffffffL, 0xfffffffeL, 0xffffffffL}) {
      numbers.add(extra);
    }
    return numbers;
  }

  static List<long[]> argumentVectors(SeccompProfile p, String call, Random random) {
    List<long[]> out = new ArrayList<>();
    out.add(new long[6]);
    long[] ones = new long[6];
    java.util.Arrays.fill(ones, -1L);
    out.add(ones);
    List<ArgCondition> conds = new ArrayList<>();
    for (SeccompRule r : p.rules()) {
      if (r.syscall().equals(call)) {
        conds.addAll(r.conditions());
      }
    }
    if (conds.isEmpty()) {
      out.add(randomVector(random, List.of()));
      return out;
    }
    List<Long> candidates = new ArrayList<>();
    for (long e : EDGES) {
      candidates.add(e);
    }
    for (ArgCondition c : conds) {
      long v = c.value();
      candidates.addAll(List.of(v, v + 1, v - 1, v ^ (1L << 32), v ^ (1L << 31), v & 0xffffffffL,
          v & 0xffffffff00000000L, v | 0xffffffff00000000L, v + (1L << 32), v - (1L << 32)));
      if (c.op() == ArgCondition.Op.MASKED_EQ) {
        candidates.addAll(List.of(v | ~c.mask(), v & c.mask(), (v ^ c.mask()) & c.mask(),
            v ^ Long.lowestOneBit(c.mask()), v ^ Long.highestOneBit(c.mask())));
      }
    }
    Set<Long> unique = new LinkedHashSet<>(candidates);
    for (int index = 0; index < 6; index++) {
      final int i = index;
      if (conds.stream().noneMatch(c -> c.index() == i)) {
        continue;
      }
      for (long v : unique) {
        long[] a = new long[6];
        a[i] = v;
        out.add(a);
        // The other arguments at values that satisfy their own conditions, where possible.
        long[] b = satisfying(conds, random);
        b[i] = v;
        out.add(b);
      }
    }
    List<Long> list = new ArrayList<>(unique);
    for (int n = 0; n < 60; n++) {
      out.add(randomVector(random, list));
    }
    for (int n = 0; n < 20; n++) {
      out.add(satisfying(conds, random));
    }
    return out;
  }

  /** Arguments set to the value of a random condition on each (so that whole rules match). */
  static long[] satisfying(List<ArgCondition> conds, Random random) {
    long[] a = new long[6];
    for (ArgCondition c : conds) {
      if (random.nextBoolean()) {
        a[c.index()] = switch (c.op()) {
          case EQ, LE, GE, MASKED_EQ -> c.value();
          case NE, GT -> c.value() + 1;
          case LT -> c.value() - 1;
        };
      }
    }
    return a;
  }

  static long[] randomVector(Random random, List<Long> candidates) {
    long[] a = new long[6];
    for (int i = 0; i < 6; i++) {
      a[i] = candidates.isEmpty() || random.nextInt(4) == 0
          ? random.nextLong() : candidates.get(random.nextInt(candidates.size()));
    }
    return a;
  }

  /** A profile with conditional rules on many calls: a program of well over 256 instructions. */
  static SeccompProfile longProfile() {
    SeccompProfile.Builder b = SeccompProfile.builder(SeccompAction.errno(1));
    int i = 0;
    for (String call : SyscallTable.of(SeccompArch.X86_64).numbers().keySet()) {
      if (i++ % 3 == 0) {
        b.rule(call, SeccompAction.ALLOW, ArgCondition.ne(i % 6, i), ArgCondition.le((i + 1) % 6, 1L << 33));
      } else {
        b.allow(call);
      }
    }
    return b.build();
  }

  static SeccompProfile randomProfile(int seed, SeccompArch arch) {
    Random r = new Random(seed);
    SeccompAction[] actions = {
      SeccompAction.ALLOW, SeccompAction.LOG, SeccompAction.errno(1), SeccompAction.errno(38),
      SeccompAction.errno(4095), SeccompAction.KILL_PROCESS, SeccompAction.KILL_THREAD,
      SeccompAction.TRAP, SeccompAction.trace(7), SeccompAction.USER_NOTIF
    };
    List<String> names = new ArrayList<>(SyscallTable.of(arch).numbers().keySet());
    names.add("open"); // only on x86_64
    names.add("no_such_call");
    SeccompProfile.Builder b = SeccompProfile.builder(actions[r.nextInt(actions.length - 1)]);
    int rules = 1 + r.nextInt(seed % 5 == 0 ? 300 : 60);
    // Draw calls from a small pool so that calls get several rules.
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < Math.max(3, rules / 3); i++) {
      pool.add(names.get(r.nextInt(names.size())));
    }
    for (int i = 0; i < rules; i++) {
      List<ArgCondition> conds = new ArrayList<>();
      int n = r.nextInt(4);
      for (int c = 0; c < n; c++) {
        int index = r.nextInt(3);
        long v = r.nextInt(3) == 0 ? r.nextLong() : EDGES[r.nextInt(EDGES.length)];
        ArgCondition.Op op = ArgCondition.Op.values()[r.nextInt(ArgCondition.Op.values().length)];
        conds.add(op == ArgCondition.Op.MASKED_EQ
            ? ArgCondition.maskedEq(index, EDGES[r.nextInt(EDGES.length)] ^ (r.nextBoolean() ? 0 : r.nextLong()), v)
            : new ArgCondition(index, op, v, 0));
      }
      SeccompRule rule = new SeccompRule(pool.get(r.nextInt(pool.size())),
          actions[r.nextInt(actions.length)], conds, Set.of());
      if (r.nextInt(10) == 0) {
        rule = rule.onlyOn(SeccompArch.values()[r.nextInt(2)]);
      }
      b.rule(rule);
    }
    return b.build();
  }

  static SeccompArch otherArch(SeccompArch arch) {
    return arch == SeccompArch.X86_64 ? SeccompArch.AARCH64 : SeccompArch.X86_64;
  }

  static Set<Integer> opcodes(byte[] code) {
    Set<Integer> ops = new TreeSet<>();
    ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      ops.add(b.getShort() & 0xffff);
      b.position(b.position() + 6);
    }
    return ops;
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new TreeSet<>(a);
    u.addAll(b);
    return u;
  }

  static String hex(long[] args) {
    StringBuilder s = new StringBuilder("[");
    for (long a : args) {
      s.append(s.length() > 1 ? ", " : "").append("0x").append(Long.toHexString(a));
    }
    return s.append("]").toString();
  }
}
