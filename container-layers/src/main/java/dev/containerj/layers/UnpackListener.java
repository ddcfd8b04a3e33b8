package dev.containerj.layers;

/**
 * Hears about an unpack in progress. Called on the unpacking thread; keep it quick. Both methods
 * default to doing nothing.
 */
public interface UnpackListener {
  /**
   * After each entry: the file content bytes and the entries written so far in this layer.
   *
   * @param layer the layer's name (its digest)
   * @param bytes file content bytes written so far
   * @param entries entries written so far
   */
  default void progress(String layer, long bytes, long entries) {}

  /**
   * Something in the layer was skipped or simplified (for instance a device node when rootless).
   *
   * @param layer the layer's name (its digest)
   * @param entry the entry's name as written in the tar
   * @param message what was skipped or simplified, and why
   */
  default void warning(String layer, String entry, String message) {}

  /** A listener that ignores everything. */
  UnpackListener NONE = new UnpackListener() {};
}
