package dev.containerj.layers;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An image imported into a {@link LayerStore}: its layers (bottom first) and its config.
 *
 * @param id the store's name for it: the sha256 digest of its manifest (for docker-archive, of its
 *     config)
 * @param reference the reference it was imported from
 * @param layers the layer blobs, lowest first; each is unpacked once in the store under its digest
 * @param config the container defaults
 * @param imported when it was imported
 */
public record Image(String id, String reference, List<Descriptor> layers, ImageConfig config,
    Instant imported) {
  /**
   * Copies the collections, so the value stays immutable.
   *
   * @param id the store's name for it: the sha256 digest of its manifest (for docker-archive, of
   *     its config)
   * @param reference the reference it was imported from
   * @param layers the layer blobs, lowest first; each is unpacked once in the store under its
   *     digest
   * @param config the container defaults
   * @param imported when it was imported
   * @throws NullPointerException when a component that may not be null is null
   */
  public Image {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reference, "reference");
    layers = List.copyOf(layers);
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(imported, "imported");
  }
}
