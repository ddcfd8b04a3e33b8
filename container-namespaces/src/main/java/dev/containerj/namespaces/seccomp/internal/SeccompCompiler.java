package dev.containerj.namespaces.seccomp.internal;

import static dev.containerj.namespaces.seccomp.internal.BpfAssembler.BPF_JEQ;
import static dev.containerj.namespaces.seccomp.internal.BpfAssembler.BPF_JGE;
import static dev.containerj.namespaces.seccomp.internal.BpfAssembler.BPF_JGT;
import static dev.containerj.namespaces.seccomp.internal.BpfAssembler.BPF_JSET;

import dev.containerj.namespaces.seccomp.ArgCondition;
import dev.containerj.namespaces.seccomp.SeccompAction;
import dev.containerj.namespaces.seccomp.SeccompArch;
import dev.containerj.namespaces.seccomp.SeccompFlag;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import dev.containerj.namespaces.seccomp.SeccompRule;
import dev.containerj.namespaces.seccomp.internal.BpfAssembler.Label;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compiles a {@link SeccompProfile} to classic BPF for one architecture.
 *
 * <p>Layout of the program:
 * <ol>
 *   <li>Architecture check: {@code seccomp_data.arch} must be the target's AUDIT_ARCH, else
 *       KILL_PROCESS. On x86_64, a call number with bit 0x40000000 (__X32_SYSCALL_BIT) set is an
 *       x32 call and is killed too: x32 shares AUDIT_ARCH_X86_64, so only the number tells it apart.
 *       The one exception is -1, the number of a call that a ptracer cancelled: it gets the default.
 *   <li>A binary search tree over the call number. The number space is cut into intervals with
 *       one outcome each (consecutive calls with the same unconditional verdict, and the gaps with
 *       the default, merge into one interval), and each tree node is one {@code JGE}; a leaf is
 *       a {@code RET} or a jump to the call's argument block. A 350-call allowlist is about 60
 *       intervals, so any call is decided after about 6 comparisons instead of up to 350.
 *   <li>Argument blocks, one per distinct rule list: the rules of a call, most restrictive action
 *       first, each a chain of 64-bit comparisons that falls to the next rule when one fails; the
 *       default action after the last rule.
 * </ol>
 * Every 64-bit comparison loads the high and the low 32-bit half of {@code seccomp_data.args[i]}
 * separately (both supported architectures are little-endian: low half at 16 + 8i, high at
 * 20 + 8i) and decides on the high half first.
 */
public final class SeccompCompiler {
  /** Offsets in struct seccomp_data (linux/seccomp.h). */
  static final int OFFSET_NR = 0;
  static final int OFFSET_ARCH = 4;
  static final int OFFSET_ARGS = 16;
  /** __X32_SYSCALL_BIT (asm/unistd.h on x86). */
  static final int X32_SYSCALL_BIT = 0x40000000;
  /** SECCOMP_FILTER_FLAG_NEW_LISTENER. */
  static final int FLAG_NEW_LISTENER = 8;

  private SeccompCompiler() {}

  /** The verdict for an interval of call numbers: a constant, or a block of argument tests. */
  private record Outcome(int ret, List<SeccompRule> rules) {
    boolean constant() {
      return rules.isEmpty();
    }
  }

  /** Compiles {@code profile} for {@code arch}. */
  public static CompiledFilter compile(SeccompProfile profile, SeccompArch arch) {
    SyscallTable table = SyscallTable.of(arch);
    SeccompAction defaultAction = profile.defaultAction();
    int installFlags = 0;
    for (SeccompFlag f : profile.flags()) {
      installFlags |= f.value();
    }

    // Rules per call number, for this architecture.
    Map<Integer, List<SeccompRule>> byNumber = new TreeMap<>();
    Set<String> skipped = new LinkedHashSet<>();
    for (SeccompRule rule : profile.rules()) {
      if (!rule.appliesTo(arch)) {
        continue;
      }
      if (rule.action().kind() == SeccompAction.Kind.USER_NOTIF) {
        installFlags |= FLAG_NEW_LISTENER;
      }
      int nr = table.number(rule.syscall());
      if (nr < 0) {
        skipped.add(rule.syscall());
        continue;
      }
      byNumber.computeIfAbsent(nr, k -> new ArrayList<>()).add(rule);
    }

    // Intervals [start, next start) of call numbers with one outcome each.
    Outcome defaultOutcome = new Outcome(defaultAction.ret(), List.of());
    List<Long> starts = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    long next = 0;
    for (Map.Entry<Integer, List<SeccompRule>> e : byNumber.entrySet()) {
      long nr = e.getKey();
      if (nr > next) {
        addInterval(starts, outcomes, next, defaultOutcome);
      }
      addInterval(starts, outcomes, nr, outcome(e.getValue(), defaultAction));
      next = nr + 1;
    }
    addInterval(starts, outcomes, next, defaultOutcome);

    BpfAssembler asm = new BpfAssembler();
    Label badArch = new Label();
    Label archOk = new Label();
    asm.loadAbsolute(OFFSET_ARCH);
    asm.jump(BPF_JEQ, arch.auditArch(), archOk, badArch);
    asm.bind(archOk).loadAbsolute(OFFSET_NR);
    if (arch == SeccompArch.X86_64) {
      // x32 calls are killed, but -1 passes on: a ptracer that cancels a call sets the number
      // to -1, and the kernel runs the filter again on it (seccomp(2), since Linux 4.8).
      Label native64 = new Label();
      Label maybeX32 = new Label();
      asm.jump(BPF_JSET, X32_SYSCALL_BIT, maybeX32, native64);
      asm.bind(maybeX32).jump(BPF_JEQ, 0xffffffff, native64, badArch);
      asm.bind(native64);
    }

    // The search tree; argument blocks follow it, one per distinct rule list.
    Map<List<SeccompRule>, Label> blocks = new LinkedHashMap<>();
    emitTree(asm, starts, outcomes, 0, starts.size() - 1, blocks);
    for (Map.Entry<List<SeccompRule>, Label> b : blocks.entrySet()) {
      asm.bind(b.getValue());
      emitBlock(asm, b.getKey(), defaultAction);
    }
    asm.bind(badArch).ret(SeccompAction.KILL_PROCESS.ret());
    return new CompiledFilter(asm.assemble(), installFlags, List.copyOf(skipped));
  }

  private static void addInterval(List<Long> starts, List<Outcome> outcomes, long start, Outcome o) {
    if (start > 0xffffffffL) {
      return;
    }
    if (!outcomes.isEmpty() && outcomes.get(outcomes.size() - 1).equals(o)) {
      return; // same verdict as the interval before: merge
    }
    starts.add(start);
    outcomes.add(o);
  }

  /**
   * The outcome of one call's rules: most restrictive action first (a stable sort keeps the profile
   * order among equals), cut after the first rule without conditions (it always matches), and a
   * constant when no argument test is left to make.
   */
  private static Outcome outcome(List<SeccompRule> rules, SeccompAction defaultAction) {
    List<SeccompRule> sorted = new ArrayList<>(rules);
    sorted.sort(Comparator.comparingInt(r -> r.action().kind().ordinal()));
    List<SeccompRule> kept = new ArrayList<>();
    for (SeccompRule r : sorted) {
      kept.add(r);
      if (r.conditions().isEmpty()) {
        break;
      }
    }
    // Trailing rules whose action is the default change nothing.
    while (!kept.isEmpty()
        && kept.get(kept.size() - 1).action().equals(defaultAction)
        && !kept.get(kept.size() - 1).conditions().isEmpty()) {
      kept.remove(kept.size() - 1);
    }
    if (kept.isEmpty()) {
      return new Outcome(defaultAction.ret(), List.of());
    }
    SeccompRule first = kept.get(0);
    if (first.conditions().isEmpty()) {
      return new Outcome(first.action().ret(), List.of());
    }
    // Only the action and the conditions matter for the code: identical blocks are shared.
    List<SeccompRule> normalized = new ArrayList<>(kept.size());
    for (SeccompRule r : kept) {
      normalized.add(new SeccompRule("x", r.action(), r.conditions(), Set.of()));
    }
    return new Outcome(0, List.copyOf(normalized));
  }

  /** Emits the subtree deciding intervals lo..hi and returns the label where it starts. */
  private static Label emitTree(
      BpfAssembler asm,
      List<Long> starts,
      List<Outcome> outcomes,
      int lo,
      int hi,
      Map<List<SeccompRule>, Label> blocks) {
    if (lo == hi) {
      Outcome o = outcomes.get(lo);
      if (o.constant()) {
        Label l = new Label();
        asm.bind(l).ret(o.ret());
        return l;
      }
      return blocks.computeIfAbsent(o.rules(), k -> new Label());
    }
    int mid = (lo + hi + 1) >>> 1;
    Label self = new Label();
    asm.bind(self);
    // nr >= first number of interval mid ? upper intervals : lower intervals. Where the children
    // start is known only once they are emitted, so the jump goes to placeholder labels that are
    // then made aliases of the children's labels.
    Label low = new Label();
    Label high = new Label();
    asm.jump(BPF_JGE, (int) (long) starts.get(mid), high, low);
    asm.alias(low, emitTree(asm, starts, outcomes, lo, mid - 1, blocks));
    asm.alias(high, emitTree(asm, starts, outcomes, mid, hi, blocks));
    return self;
  }

  /** Emits one argument block: each rule's tests, its verdict, then the default. */
  private static void emitBlock(BpfAssembler asm, List<SeccompRule> rules, SeccompAction defaultAction) {
    for (SeccompRule r : rules) {
      Label nextRule = new Label();
      for (ArgCondition c : r.conditions()) {
        Label pass = new Label();
        emitCondition(asm, c, pass, nextRule);
        asm.bind(pass);
      }
      asm.ret(r.action().ret());
      asm.bind(nextRule);
    }
    asm.ret(defaultAction.ret());
  }

  /** Emits a 64-bit test: to {@code pass} (which the caller binds right after) or {@code fail}. */
  private static void emitCondition(BpfAssembler asm, ArgCondition c, Label pass, Label fail) {
    int lowOffset = OFFSET_ARGS + 8 * c.index();
    int highOffset = lowOffset + 4;
    int hi = (int) (c.value() >>> 32);
    int lo = (int) c.value();
    Label lowHalf = new Label();
    asm.loadAbsolute(highOffset);
    switch (c.op()) {
      case EQ:
        asm.jump(BPF_JEQ, hi, lowHalf, fail);
        asm.bind(lowHalf).loadAbsolute(lowOffset).jump(BPF_JEQ, lo, pass, fail);
        break;
      case NE:
        asm.jump(BPF_JEQ, hi, lowHalf, pass);
        asm.bind(lowHalf).loadAbsolute(lowOffset).jump(BPF_JEQ, lo, fail, pass);
        break;
      case GT:
      case GE: {
        Label equalHigh = new Label();
        asm.jump(BPF_JGT, hi, pass, equalHigh);
        asm.bind(equalHigh).jump(BPF_JEQ, hi, lowHalf, fail);
        asm.bind(lowHalf).loadAbsolute(lowOffset)
            .jump(c.op() == ArgCondition.Op.GT ? BPF_JGT : BPF_JGE, lo, pass, fail);
        break;
      }
      case LT:
      case LE: {
        // LT is "not GE", LE is "not GT": the same tests with the targets swapped.
        Label equalHigh = new Label();
        asm.jump(BPF_JGT, hi, fail, equalHigh);
        asm.bind(equalHigh).jump(BPF_JEQ, hi, lowHalf, pass);
        asm.bind(lowHalf).loadAbsolute(lowOffset)
            .jump(c.op() == ArgCondition.Op.LT ? BPF_JGE : BPF_JGT, lo, fail, pass);
        break;
      }
      case MASKED_EQ: {
        int maskHi = (int) (c.mask() >>> 32);
        int maskLo = (int) c.mask();
        asm.and(maskHi).jump(BPF_JEQ, hi, lowHalf, fail);
        asm.bind(lowHalf).loadAbsolute(lowOffset).and(maskLo).jump(BPF_JEQ, lo, pass, fail);
        break;
      }
      default:
        throw new AssertionError(c.op());
    }
  }
}
