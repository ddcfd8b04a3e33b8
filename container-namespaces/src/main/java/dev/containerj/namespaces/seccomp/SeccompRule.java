package dev.containerj.namespaces.seccomp;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One rule of a {@link SeccompProfile}: the system call {@code syscall}, when every condition holds
 * (none: always), gets {@code action}.
 *
 * <p>The call is named, not numbered: the number is looked up per architecture when the profile is
 * compiled, and a name that an architecture does not have ({@code open} on aarch64) is skipped for
 * it, as libseccomp-based runtimes do. {@code arches} restricts the rule to some architectures;
 * empty means all.
 *
 * @param syscall the system call name as in the kernel's tables, e.g. {@code clone}
 * @param action what the call gets when the conditions hold
 * @param conditions tests on the arguments, all of which must hold (AND)
 * @param arches the architectures the rule applies to; empty for all
 */
public record SeccompRule(
    String syscall, SeccompAction action, List<ArgCondition> conditions, Set<SeccompArch> arches) {

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,63}");

  /**
   * Checks the name and makes defensive copies.
   *
   * @param syscall the system call name as in the kernel's tables, e.g. {@code clone}
   * @param action what the call gets when the conditions hold
   * @param conditions tests on the arguments, all of which must hold (AND)
   * @param arches the architectures the rule applies to; empty for all
   */
  public SeccompRule {
    if (syscall == null || action == null || conditions == null || arches == null) {
      throw new NullPointerException("syscall, action, conditions and arches must not be null");
    }
    if (!NAME.matcher(syscall).matches()) {
      throw new dev.containerj.linux.InvalidValueException("syscall", syscall, "must be a kernel system call name ([a-z_][a-z0-9_]*)");
    }
    conditions = List.copyOf(conditions);
    arches = arches.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(arches));
  }

  /**
   * {@return a rule for all architectures}
   *
   * @param syscall the call's name, as {@code "clone"}
   * @param action what the call gets when the conditions hold
   * @param conditions tests on its arguments, all of which must hold; none means always
   */
  public static SeccompRule of(String syscall, SeccompAction action, ArgCondition... conditions) {
    return new SeccompRule(syscall, action, List.of(conditions), Set.of());
  }

  /**
   * {@return this rule, restricted to the given architectures}
   *
   * @param first an architecture the rule applies on
   * @param more further architectures
   */
  public SeccompRule onlyOn(SeccompArch first, SeccompArch... more) {
    return new SeccompRule(syscall, action, conditions, EnumSet.of(first, more));
  }

  /**
   * {@return whether the rule applies when compiling for {@code arch}}
   *
   * @param arch the architecture compiled for
   */
  public boolean appliesTo(SeccompArch arch) {
    return arches.isEmpty() || arches.contains(arch);
  }

  /**
   * {@return whether the conditions hold for these six arguments}
   *
   * @param args the call's six argument registers
   */
  public boolean matches(long[] args) {
    for (ArgCondition c : conditions) {
      if (!c.test(args[c.index()])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(syscall);
    if (!conditions.isEmpty()) {
      s.append(" if ").append(conditions);
    }
    s.append(" -> ").append(action);
    if (!arches.isEmpty()) {
      s.append(" on ").append(arches);
    }
    return s.toString();
  }
}
