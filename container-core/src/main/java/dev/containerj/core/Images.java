package dev.containerj.core;

import dev.containerj.core.internal.StateStore;
import dev.containerj.layers.LayerStore;
import dev.containerj.layers.Image;
import dev.containerj.layers.ImageReference;
import java.util.List;
import java.util.Optional;

/**
 * The images of a {@link ContainerRuntime}'s layer store ({@link ContainerRuntime#images()}; by
 * default {@code /var/lib/containerj} as root, else {@code $XDG_DATA_HOME/containerj}, by default
 * {@code $HOME/.local/share/containerj}): import once, start many containers from them. Every method
 * throws a {@link ContainerException} naming the store, the image and the cause (an I/O error, a
 * store that cannot be opened, a registry's refusal) and a {@link SpecValidationException} for a
 * reference of the wrong form.
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

  /** {@return the layer store itself (its directory, prepared roots, layers)} */
  public LayerStore store() {
    return Unchecked.call("layerStore", "", () -> store.open());
  }

  /**
   * Imports an image given in skopeo's transport syntax ({@code oci:DIR[:TAG]},
   * {@code docker-archive:FILE}), verifying every blob, unpacking each layer once; an image already
   * in the store is returned as it is.
   *
   * @param reference the transport, path and optional tag
   * @return the image in the store
   * @throws ContainerException when the image cannot be read, a blob does not verify, or a layer
   *     entry is refused (the store's {@code IOException}, with its message)
   * @throws SpecValidationException when {@code reference} is not of that syntax
   */
  public Image importImage(String reference) {
    ImageReference parsed = parse("reference", reference, ImageReference::parse);
    return Unchecked.call("reference", reference, () -> {
      Optional<Image> known = store.open().image(reference);
      return known.isPresent() ? known.get() : store.open().importImage(parsed);
    });
  }

  /**
   * Pulls an image from a registry ({@code alpine}, {@code host:port/name:tag},
   * {@code name@sha256:...}, {@code docker://...}) into the layer store: layers already there are
   * not fetched. See {@link dev.containerj.layers.LayerStore#pull}.
   *
   * @param reference the image in Docker's syntax
   * @param options platform, credentials, TLS and timeout
   * @return the image in the store
   * @throws ContainerException when the registry refuses or fails a request ({@link
   *     dev.containerj.layers.RegistryException}, with its message) or a blob does not verify
   * @throws SpecValidationException when {@code reference} is not of that syntax
   */
  public Image pull(String reference, dev.containerj.layers.PullOptions options) {
    dev.containerj.layers.RegistryReference parsed =
        parse("reference", reference, dev.containerj.layers.RegistryReference::parse);
    return Unchecked.call("reference", reference, () -> store.open().pull(parsed, options));
  }

  /**
   * {@return the image {@code reference} names, pulled first when it is a registry reference not in
   * the store (or always, with {@code always}); a local transport is imported as by {@link
   * #importImage(String)}}
   *
   * @param always pull even when the store has an image by that name (a tag may have moved)
   * @param reference a registry reference, or a local transport reference
   * @param options platform, credentials, TLS and timeout
   * @throws ContainerException as {@link #pull} or {@link #importImage(String)}
   * @throws SpecValidationException when {@code reference} is of neither syntax
   */
  public Image pullIfMissing(String reference, boolean always, dev.containerj.layers.PullOptions options) {
    if (!dev.containerj.layers.RegistryReference.isRegistryReference(reference)
        || Unchecked.call("reference", reference, () -> store.open().image(reference)).filter(i -> !always).isPresent()) {
      return importImage(reference);
    }
    String canonical = parse("reference", reference, dev.containerj.layers.RegistryReference::parse).toString();
    Optional<Image> known = always ? Optional.empty() : Unchecked.call("reference", canonical, () -> store.open().image(canonical));
    return known.isPresent() ? known.get() : pull(canonical, options);
  }

  /**
   * The image with this id, id prefix or reference, if imported.
   *
   * @param idOrReference a full id, an unambiguous id prefix or a reference as imported or pulled
   * @return the image, empty when none matches
   */
  public Optional<Image> find(String idOrReference) {
    return Unchecked.call("reference", idOrReference, () -> store.open().image(idOrReference));
  }

  /** {@return every imported image} */
  public List<Image> list() {
    return Unchecked.call("layerStore", "", () -> store.open().images());
  }

  /**
   * Removes an image (its layers stay until {@link #gc()}); false if there was none.
   *
   * @param id the id of the image to remove
   * @return true when an image was removed
   */
  public boolean remove(String id) {
    return Unchecked.call("id", id, () -> store.open().removeImage(id));
  }

  /**
   * Deletes the layers no image uses; returns their digests.
   *
   * @return the digests of the deleted layers, empty when none was unused
   */
  public List<String> gc() {
    return Unchecked.call("layerStore", "", () -> store.open().gc());
  }

  /** Parses {@code text}, a wrong form as a {@link SpecValidationException} naming the field and the rule. */
  private static <T> T parse(String field, String text, java.util.function.Function<String, T> parser) {
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      // the layers' InvalidValueException names the part (tag, repository, ...); kept as the cause
      SpecValidationException x = SpecValidationException.of(field, text, "must be a valid image reference: " + e.getMessage());
      x.initCause(e);
      throw x;
    }
  }
}
