package dev.containerj.namespaces.internal;

import dev.containerj.namespaces.LaunchException;
import org.jspecify.annotations.Nullable;

/**
 * Test-only fault injection: makes one step of a start fail, on the Java side (by name) or in the
 * native helper (by operation index), so tests can prove that every failure names its step and
 * leaves nothing behind. Never set in production; the fields are read once per start.
 */
public final class FaultPlan {
  /** Errno reported by an injected fault. */
  public static final int INJECTED_ERRNO = 125; // ECANCELED

  private static volatile @Nullable FaultPlan current;

  private final @Nullable String javaStep;
  private final int helperStep;
  private final boolean killJvm;
  private final int stdioChecksSkipped;

  private FaultPlan(@Nullable String javaStep, int helperStep, boolean killJvm) {
    this(javaStep, helperStep, killJvm, 0);
  }

  private FaultPlan(@Nullable String javaStep, int helperStep, boolean killJvm, int stdioChecksSkipped) {
    this.javaStep = javaStep;
    this.helperStep = helperStep;
    this.killJvm = killJvm;
    this.stdioChecksSkipped = stdioChecksSkipped;
  }

  /**
   * The same step, but instead of failing the start there this JVM kills itself with SIGKILL, as
   * a {@code kill -9} of the owner at that moment would (a helper step is reached when the helper
   * reports its injected failure): what a later reaper must clean up.
   */
  public FaultPlan killingTheJvm() {
    return new FaultPlan(javaStep, helperStep, true, stdioChecksSkipped);
  }

  /**
   * The protection-off runs of the stdio tests: skip the Java check of stdio descriptors ({@link
   * Stdio#check}) and, with {@code inTheHelperToo}, the native helper's own check of fds 0-2 as well.
   */
  public static FaultPlan skipStdioChecks(boolean inTheHelperToo) {
    return new FaultPlan(null, -1, false, inTheHelperToo ? 2 : 1);
  }

  /** Whether the Java check of stdio descriptors is skipped (tests only). */
  static boolean skipsJavaStdioCheck() {
    FaultPlan p = current;
    return p != null && p.stdioChecksSkipped >= 1;
  }

  /** Whether the helper's check of fds 0-2 is skipped (tests only). */
  static boolean skipsHelperStdioCheck() {
    FaultPlan p = current;
    return p != null && p.stdioChecksSkipped >= 2;
  }

  /** Fail the Java-side step with this name. */
  public static FaultPlan javaStep(String name) {
    return new FaultPlan(name, -1, false);
  }

  /** Fail the helper operation with this index. */
  public static FaultPlan helperStep(int index) {
    return new FaultPlan(null, index, false);
  }

  public static void install(@Nullable FaultPlan plan) {
    current = plan;
  }

  public static @Nullable FaultPlan current() {
    return current;
  }

  public int helperStep() {
    return helperStep;
  }

  /** Throws an injected failure if {@code step} is the one to fail. */
  public static void check(String step) throws LaunchException {
    FaultPlan p = current;
    if (p != null && (step.equals(p.javaStep) || step.replaceAll("/proc/[0-9]+/", "/proc/PID/").equals(p.javaStep))) {
      if (p.killJvm) {
        killSelf();
      }
      throw new LaunchException(step, INJECTED_ERRNO, "injected fault");
    }
  }

  /** Called when the helper reports a failure at operation {@code index}. */
  static void helperFailed(int index) {
    FaultPlan p = current;
    if (p != null && p.killJvm && p.helperStep == index) {
      killSelf();
    }
  }

  private static void killSelf() {
    dev.containerj.linux.internal.LibC.kill(dev.containerj.linux.internal.LibC.getpid(),
        dev.containerj.linux.internal.Constants.SIGKILL);
    while (true) {
      Thread.onSpinWait(); // SIGKILL is delivered before kill(2) returns to a single target; never reached
    }
  }
}
