package dev.containerj.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@link ContainerSpec}, a {@link ProcessSpec} or a value parsed for one (a volume, an rlimit, a
 * port) breaks one or more rules. All violations are reported at once, each naming the field, the
 * value and the rule: {@code "hostname must be 1-63 letters, digits or '-' (RFC 1123): -bad-"}.
 * Thrown before any kernel resource is touched. A {@link ContainerException}, like every exception of
 * this library's facade.
 */
public class SpecValidationException extends ContainerException {
  private static final long serialVersionUID = 1L;

  /**
   * One broken rule.
   *
   * @param field the field, as {@code "mounts[1].target"}
   * @param value the offending value as text
   * @param rule what the field must be, as {@code "must be an absolute path"}
   */
  public record Violation(String field, String value, String rule) {
    @Override
    public String toString() {
      return field + " " + rule + ": " + value;
    }
  }

  /** Every broken rule. */
  private final List<Violation> violations;

  /** One violation. */
  static SpecValidationException of(String field, String value, String rule) {
    return new SpecValidationException(List.of(new Violation(field, value, rule)));
  }

  /**
   * The violations a lower module found, with {@code cause} kept as the cause; {@code prefix} is
   * put before each field (as {@code "limits."}) to say where in the spec the value sits.
   */
  static SpecValidationException of(String prefix, dev.containerj.linux.InvalidValueException cause) {
    List<Violation> v = new java.util.ArrayList<>();
    for (dev.containerj.linux.InvalidValueException.Violation x : cause.violations()) {
      v.add(new Violation(prefix + x.field(), x.value(), x.rule()));
    }
    SpecValidationException e = new SpecValidationException(v);
    e.initCause(cause);
    return e;
  }

  /**
   * Every violation, at least one.
   *
   * @param violations the broken rules, in the order they were checked; not empty
   */
  public SpecValidationException(List<Violation> violations) {
    super(message(violations));
    this.violations = List.copyOf(violations);
  }

  /** {@return the broken rules, in the order they were checked} */
  public List<Violation> violations() {
    return violations;
  }

  private static String message(List<Violation> v) {
    if (v.size() == 1) {
      return "invalid container spec: " + v.get(0);
    }
    return "invalid container spec, " + v.size() + " violations: "
        + v.stream().map(Violation::toString).collect(Collectors.joining("; "));
  }
}
