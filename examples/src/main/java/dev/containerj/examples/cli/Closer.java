package dev.containerj.examples.cli;

import dev.containerj.core.Container;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/**
 * {@link Container#close()} for the tool, shielded from one known library race.
 *
 * <p>Workaround for container-core at 75f44ff: {@code close()} and the container's own exit callback
 * both remove its state directory, and the loser's {@code Files.walk} throws {@code
 * UncheckedIOException(NoSuchFileException)} out of {@code close()} (seen about once in 300
 * benchmark iterations). The directory is gone either way, and the state removal is the last step of
 * {@code close()}, so ignoring exactly that exception loses nothing. Remove when core catches it.
 */
public final class Closer {
  private Closer() {}

  /** Closes {@code c}, ignoring only the concurrent-removal race described above. */
  public static void close(Container c) {
    try {
      c.close();
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof NoSuchFileException)) {
        throw e;
      }
    }
  }
}
