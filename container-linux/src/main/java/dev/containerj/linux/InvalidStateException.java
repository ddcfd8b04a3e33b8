package dev.containerj.linux;

import java.util.Objects;

/**
 * A public method of a lower module called on an object in a state where it cannot act (a process
 * without a terminal asked to resize it, a closed handle used again), naming what the object is and
 * the rule. The facade ({@code dev.containerj.core}) turns it into a {@code ContainerException}.
 *
 * <p>It extends {@link IllegalStateException}, which callers of these modules caught before.
 */
public class InvalidStateException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** What was used, as {@code "process 1234"}. */
  private final String subject;

  /** The rule its state breaks. */
  private final String rule;

  /**
   * A call the object's state does not allow.
   *
   * @param subject what was used, as {@code "process 1234"}
   * @param rule the rule its state breaks, as {@code "has no terminal: start it with Redirect.tty()"}
   */
  public InvalidStateException(String subject, String rule) {
    super(Objects.requireNonNull(subject, "subject") + " " + Objects.requireNonNull(rule, "rule"));
    this.subject = subject;
    this.rule = rule;
  }

  /** {@return what was used} */
  public String subject() {
    return subject;
  }

  /** {@return the rule its state breaks} */
  public String rule() {
    return rule;
  }
}
