package dev.containerj.layers;

/**
 * Hears about a pull in progress ({@link LayerStore#pull}). Called from the download threads,
 * several at once; implementations must be thread-safe and quick. Every method defaults to nothing.
 */
public interface PullListener {
  /**
   * The manifest is resolved: the image's layers and their total compressed size.
   *
   * @param reference the reference, with the manifest's digest
   * @param layers the image's layers, lowest first, each with its compressed size
   */
  default void resolved(RegistryReference reference, java.util.List<Descriptor> layers) {}

  /**
   * A layer is already in the store (or another JVM has just unpacked it): not fetched.
   *
   * @param layer the layer
   */
  default void layerPresent(Descriptor layer) {}

  /**
   * Compressed bytes of {@code layer} received so far, of {@code layer.size()}.
   *
   * @param layer the layer being fetched
   * @param bytes compressed bytes received so far
   */
  default void layerProgress(Descriptor layer, long bytes) {}

  /**
   * The layer is verified and in the store.
   *
   * @param layer the layer
   */
  default void layerDone(Descriptor layer) {}

  /**
   * The connection dropped at {@code offset}; the download goes on from there (an HTTP Range
   * request).
   *
   * @param layer the layer being fetched
   * @param offset the byte offset the download resumes at
   */
  default void resumed(Descriptor layer, long offset) {}

  /** A listener that ignores everything. */
  PullListener NONE = new PullListener() {};
}
