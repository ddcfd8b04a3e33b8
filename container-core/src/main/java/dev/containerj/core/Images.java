package dev.containerj.core;

import dev.containerj.core.internal.StateStore;
import dev.containerj.layers.LayerStore;
import dev.containerj.layers.Image;
import dev.containerj.layers.ImageReference;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The images of a {@link ContainerRuntime}'s layer store ({@link ContainerRuntime#images()}; by
 * default {@code /var/lib/containerj} as root, else {@code $XDG_DATA_HOME/containerj}, by default
 * {@code $HOME/.local/share/containerj}): import once, start many containers from them. A store that
 * cannot be opened makes each method throw an {@code IOException} naming it.
 *
 * <pre>{@code
 * ContainerRuntime runtime = ContainerRuntime.defaults();
 * Image busybox = runtime.images().importImage("oci:/srv/images/busybox:latest");
 * try (Container c = runtime.start(ContainerSpec.builder().image(busybox).build())) { ... }
 * }</pre>
 */
public final class Images {
  private final StateStore.LayerStoreSource store;

  Images(StateStore.LayerStoreSource store) {
    this.store = store;
  }

  /**
   * {@return the layer store itself (its directory, prepared roots, layers)}
   *
   * @throws IOException when the store's directory cannot be created
   */
  public LayerStore store() throws IOException {
    return store.open();
  }

  /**
   * Imports an image given in skopeo's transport syntax ({@code oci:DIR[:TAG]},
   * {@code docker-archive:FILE}), verifying every blob, unpacking each layer once; an image already
   * in the store is returned as it is.
   *
   * @param reference the transport, path and optional tag
   * @return the image in the store
   * @throws IOException when the image cannot be read, a blob does not verify, or a layer entry is
   *     refused
   */
  public Image importImage(String reference) throws IOException {
    Optional<Image> known = store.open().image(reference);
    if (known.isPresent()) {
      return known.get();
    }
    return store.open().importImage(ImageReference.parse(reference));
  }

  /**
   * Pulls an image from a registry ({@code alpine}, {@code host:port/name:tag},
   * {@code name@sha256:...}, {@code docker://...}) into the layer store: layers already there are
   * not fetched. See {@link dev.containerj.layers.LayerStore#pull}.
   *
   * @param reference the image in Docker's syntax
   * @param options platform, credentials, TLS and timeout
   * @return the image in the store
   * @throws IOException when the registry refuses or fails a request ({@link
   *     dev.containerj.layers.RegistryException}) or a blob does not verify
   */
  public Image pull(String reference, dev.containerj.layers.PullOptions options) throws IOException {
    return store.open().pull(dev.containerj.layers.RegistryReference.parse(reference), options);
  }

  /**
   * {@return the image {@code reference} names, pulled first when it is a registry reference not in
   * the store (or always, with {@code always}); a local transport is imported as by {@link
   * #importImage(String)}}
   *
   * @param always pull even when the store has an image by that name (a tag may have moved)
   * @param reference a registry reference, or a local transport reference
   * @param options platform, credentials, TLS and timeout
   * @throws IOException as {@link #pull} or {@link #importImage(String)}
   */
  public Image pullIfMissing(String reference, boolean always, dev.containerj.layers.PullOptions options)
      throws IOException {
    if (!dev.containerj.layers.RegistryReference.isRegistryReference(reference)
        || store.open().image(reference).filter(i -> !always).isPresent()) {
      return importImage(reference);
    }
    String canonical = dev.containerj.layers.RegistryReference.parse(reference).toString();
    Optional<Image> known = always ? Optional.empty() : store.open().image(canonical);
    return known.isPresent() ? known.get() : pull(canonical, options);
  }

  /**
   * {@return the image with this id, id prefix or reference, if imported}
   *
   * @param idOrReference an id, a unique prefix of its hex, or the reference it was imported from
   * @throws IOException when the layer store cannot be read or written
   */
  public Optional<Image> find(String idOrReference) throws IOException {
    return store.open().image(idOrReference);
  }

  /**
   * {@return every imported image}
   *
   * @throws IOException when the layer store cannot be read or written
   */
  public List<Image> list() throws IOException {
    return store.open().images();
  }

  /**
   * Removes an image (its layers stay until {@link #gc()}); false if there was none.
   *
   * @param id the image's id
   * @return whether there was an image with that id
   * @throws IOException when the layer store cannot be read or written
   */
  public boolean remove(String id) throws IOException {
    return store.open().removeImage(id);
  }

  /**
   * Deletes the layers no image uses; returns their digests.
   *
   * @return the digests of the deleted layers
   * @throws IOException when the layer store cannot be read or written
   */
  public List<String> gc() throws IOException {
    return store.open().gc();
  }
}
