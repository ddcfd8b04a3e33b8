package dev.containerj.examples.cli;

import dev.containerj.core.Images;
import dev.containerj.layers.Image;
import dev.containerj.layers.PullOptions;
import dev.containerj.layers.RegistryReference;

/** {@code run --pull always|missing|never}: how {@code --image} finds its image. */
final class PullPolicy {
  private PullPolicy() {}

  static Image image(String reference, String policy) {
    switch (policy) {
      case "always":
        return dev.containerj.core.ContainerRuntime.defaults().images().pullIfMissing(reference, true, PullOptions.defaults());
      case "missing":
        return dev.containerj.core.ContainerRuntime.defaults().images().pullIfMissing(reference, false, PullOptions.defaults());
      case "never":
        if (RegistryReference.isRegistryReference(reference) && dev.containerj.core.ContainerRuntime.defaults().images().find(reference).isEmpty()) {
          String canonical = RegistryReference.parse(reference).toString();
          return dev.containerj.core.ContainerRuntime.defaults().images().find(canonical).orElseThrow(() -> new IllegalArgumentException("--pull never: image "
              + canonical + " is not in the layer store (containerj pull " + reference + ")"));
        }
        return dev.containerj.core.ContainerRuntime.defaults().images().importImage(reference);
      default:
        throw new IllegalArgumentException("--pull must be always, missing or never: " + policy);
    }
  }
}
