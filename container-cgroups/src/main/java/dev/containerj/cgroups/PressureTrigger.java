package dev.containerj.cgroups;

import dev.containerj.linux.InvalidValueException;
import java.time.Duration;
import java.util.Objects;

/**
 * A PSI threshold (Documentation/accounting/psi.rst): the listener fires when tasks of the cgroup
 * stalled on {@code resource} for at least {@code stall} within a {@code window}. {@code full} means
 * all non-idle tasks stalled at once, {@code some} at least one. The kernel wants the window in
 * 500 ms..10 s and the stall not longer than the window; a process without CAP_SYS_RESOURCE in the
 * initial user namespace (an ordinary user, or root inside a container) gets only unprivileged
 * triggers, whose window must be a multiple of 2 s. Such a trigger fires at most once per window.
 */
public final class PressureTrigger {
  private final PressureResource resource;
  private final boolean full;
  private final Duration stall;
  private final Duration window;

  private PressureTrigger(PressureResource resource, boolean full, Duration stall, Duration window) {
    this.resource = Objects.requireNonNull(resource, "resource");
    this.full = full;
    this.stall = Objects.requireNonNull(stall, "stall");
    this.window = Objects.requireNonNull(window, "window");
    if (stall.isNegative() || stall.isZero()) {
      throw new InvalidValueException("stall", stall.toString(), "must be > 0");
    }
    if (window.toMillis() < 500 || window.toMillis() > 10_000) {
      throw new InvalidValueException("window", window.toString(), "must be in 500ms..10s");
    }
    if (stall.compareTo(window) > 0) {
      throw new InvalidValueException("stall", stall.toString(), "must be <= window (" + window + ")");
    }
  }

  /**
   * Fires when at least one task stalled on {@code resource} for {@code stall} within {@code
   * window}.
   *
   * @param resource the resource whose pressure file gets the trigger
   * @param stall the stall time that fires it, within each window
   * @param window the tracking window (500 ms to 10 s, Documentation/accounting/psi.rst)
   * @return the trigger
   */
  public static PressureTrigger some(PressureResource resource, Duration stall, Duration window) {
    return new PressureTrigger(resource, false, stall, window);
  }

  /**
   * Fires when all non-idle tasks stalled on {@code resource} together for {@code stall} within
   * {@code window}.
   *
   * @param resource the resource whose pressure file gets the trigger
   * @param stall the stall time that fires it, within each window
   * @param window the tracking window (500 ms to 10 s, Documentation/accounting/psi.rst)
   * @return the trigger
   */
  public static PressureTrigger full(PressureResource resource, Duration stall, Duration window) {
    return new PressureTrigger(resource, true, stall, window);
  }

  /** {@return the resource} */
  public PressureResource resource() {
    return resource;
  }

  /** {@return whether this is a {@code full} (else {@code some}) trigger} */
  public boolean full() {
    return full;
  }

  /** {@return the stall time that fires the trigger} */
  public Duration stall() {
    return stall;
  }

  /** {@return the window the stall is measured in} */
  public Duration window() {
    return window;
  }

  /**
   * {@return the line written to the pressure file, as {@code "some 150000 1000000"}
   * (microseconds)}
   */
  public String triggerLine() {
    return (full ? "full " : "some ") + stall.toNanos() / 1000 + " " + window.toNanos() / 1000;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PressureTrigger && ((PressureTrigger) o).resource == resource
        && ((PressureTrigger) o).full == full && ((PressureTrigger) o).stall.equals(stall)
        && ((PressureTrigger) o).window.equals(window);
  }

  @Override
  public int hashCode() {
    return Objects.hash(resource, full, stall, window);
  }

  @Override
  public String toString() {
    return resource.file() + ": " + triggerLine();
  }
}
