package dev.containerj.layers;

/**
 * Hears about a pull in progress ({@link LayerStore#pull}). Called from the download threads,
 * several at once; implementations must be thread-safe and quick. Every method defaults to nothing.
 */
public interface PullListener {
  /** The manifest is resolved: the image's layers and their total compressed size. */
  default void resolved(RegistryReference reference, java.util.List<Descriptor> layers) {}

  /** A layer is already in the store (or another JVM has just unpacked it): not fetched. */
  default void layerPresent(Descriptor layer) {}

  /** Compressed bytes of {@code layer} received so far, of {@code layer.size()}. */
  default void layerProgress(Descriptor layer, long bytes) {}

  /** The layer is verified and in the store. */
  default void layerDone(Descriptor layer) {}

  /** The connection dropped at {@code offset}; the download goes on from there (an HTTP Range request). */
  default void resumed(Descriptor layer, long offset) {}

  /** A listener that ignores everything. */
  PullListener NONE = new PullListener() {};
}
