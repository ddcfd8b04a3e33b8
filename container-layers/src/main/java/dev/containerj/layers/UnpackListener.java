package dev.containerj.layers;

/**
 * Hears about an unpack in progress. Called on the unpacking thread; keep it quick. Both methods
 * default to doing nothing.
 */
public interface UnpackListener {
  /** After each entry: the file content bytes and the entries written so far in this layer. */
  default void progress(String layer, long bytes, long entries) {}

  /** Something in the layer was skipped or simplified (for instance a device node when rootless). */
  default void warning(String layer, String entry, String message) {}

  /** A listener that ignores everything. */
  UnpackListener NONE = new UnpackListener() {};
}
