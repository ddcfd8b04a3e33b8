package dev.containerj.linux;

import java.util.List;
import java.util.Objects;

/**
 * A value that a public method of a lower module (cgroups, layers, net, namespaces, linux) refuses,
 * naming the field, the value and the rule it breaks; several at once when a builder checks many.
 * The facade ({@code dev.containerj.core}) turns it into a {@code SpecValidationException} with the
 * same violations, so a user of the facade catches {@code ContainerException} only.
 *
 * <p>It extends {@link IllegalArgumentException}, which callers of these modules caught before.
 */
public class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * One broken rule.
   *
   * @param field the field or parameter, as {@code "memoryMax"}
   * @param value the refused value, as text
   * @param rule what the value must be, as {@code "must be > 0"}
   */
  public record Violation(String field, String value, String rule) {
    /**
     * Checks the parts are given.
     *
     * @param field the field or parameter
     * @param value the refused value, as text
     * @param rule what the value must be
     */
    public Violation {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(rule, "rule");
    }

    @Override
    public String toString() {
      return field + " " + rule + ": " + value;
    }
  }

  /** The broken rules, at least one. */
  private final transient List<Violation> violations;

  /**
   * One broken rule.
   *
   * @param field the field or parameter, as {@code "memoryMax"}
   * @param value the refused value, as text
   * @param rule what the value must be, as {@code "must be > 0"}
   */
  public InvalidValueException(String field, String value, String rule) {
    this(List.of(new Violation(field, value, rule)));
  }

  /**
   * Several broken rules, reported at once.
   *
   * @param violations the broken rules; not empty
   * @throws IllegalArgumentException when {@code violations} is empty
   */
  public InvalidValueException(List<Violation> violations) {
    super(message(violations));
    this.violations = List.copyOf(violations);
  }

  private static String message(List<Violation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("an InvalidValueException needs a violation");
    }
    StringBuilder b = new StringBuilder();
    for (Violation v : violations) {
      b.append(b.length() == 0 ? "" : "; ").append(v);
    }
    return b.toString();
  }

  /** {@return the broken rules, at least one, in the order they were found} */
  public List<Violation> violations() {
    return violations;
  }

  /** {@return the field of the first broken rule} */
  public String field() {
    return violations.get(0).field();
  }

  /** {@return the refused value of the first broken rule} */
  public String value() {
    return violations.get(0).value();
  }

  /** {@return the first broken rule} */
  public String rule() {
    return violations.get(0).rule();
  }
}
