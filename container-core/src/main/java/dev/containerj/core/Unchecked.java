package dev.containerj.core;

import java.io.IOException;

/**
 * The facade's one translation of the lower modules' exceptions (docs/design.md, "API changes"): an
 * {@code IOException} becomes a {@link ContainerException} with the same message (the lower layers'
 * messages name the path, the image or the network already), a value they refuse a {@link
 * SpecValidationException} naming the field.
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
    } catch (IllegalArgumentException e) {
      throw SpecValidationException.of(field, value, e.getMessage() == null ? "is refused" : e.getMessage());
    }
  }
}
