package dev.containerj.core;

import dev.containerj.linux.InvalidValueException;
import dev.containerj.linux.UnsupportedFeatureException;
import java.io.IOException;

/**
 * The facade's one translation of the lower modules' exceptions (docs/design.md, "API changes"): an
 * {@code IOException} becomes a {@link ContainerException} with the same message (the lower layers'
 * messages name the path, the image or the network already), a value they refuse a {@link
 * SpecValidationException} naming the field, a feature the host lacks an {@link
 * UnsupportedHostException} (see {@link #translate}).
 */
final class Unchecked {
  private Unchecked() {}

  /** A call that may fail with an I/O error. */
  interface IoCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code call}; an {@code IOException} as a {@link ContainerException}, an {@code
   * IllegalArgumentException} as a {@link SpecValidationException} of {@code field} and {@code value}.
   */
  static <T> T call(String field, String value, IoCall<T> call) {
    try {
      return call.call();
    } catch (IOException e) {
      throw new ContainerException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
    } catch (ContainerException e) {
      throw e;
    } catch (InvalidValueException e) {
      throw SpecValidationException.of("", e);
    } catch (IllegalArgumentException e) {
      throw SpecValidationException.of(field, value, e.getMessage() == null ? "is refused" : e.getMessage());
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  /**
   * The facade's one mapping of a lower module's unchecked exception: an {@link
   * InvalidValueException} becomes a {@link SpecValidationException} with the same field, value and
   * rule; an {@link UnsupportedFeatureException} an {@link UnsupportedHostException} with the same
   * feature and reason; any other (an {@link dev.containerj.linux.InvalidStateException}, a bare
   * {@code IllegalStateException}) a {@link ContainerException} with the same message. A {@link
   * ContainerException} stays as it is.
   */
  static ContainerException translate(RuntimeException e) {
    if (e instanceof ContainerException c) {
      return c;
    } else if (e instanceof InvalidValueException v) {
      return SpecValidationException.of("", v);
    } else if (e instanceof UnsupportedFeatureException u) {
      UnsupportedHostException h = new UnsupportedHostException(u.feature(), u.reason(), String.valueOf(u.getMessage()));
      h.initCause(u);
      return h;
    }
    return new ContainerException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
  }
}
