package dev.containerj.core;

import dev.containerj.linux.internal.KernelFeatures;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.IdMapping;
import java.nio.file.Path;
import java.util.List;

/**
 * The id map of the image and directory-root tests that are not about ids. A root JVM maps an image root to the unused
 * range and idmaps its layers; where the store's filesystem cannot be idmapped under overlayfs (a
 * tmpfs before Linux 6.3: the QEMU lane's Debian 12 guest), such a start fails by design, and these
 * tests take the documented opt-out, {@code IdMapping.identity()}, to still test the overlay itself.
 * {@code ImageRootIdsTest} covers the ids, and is not applicable there.
 */
final class ImageIds {
  private ImageIds() {}

  /** Whether a root JVM's image containers on {@code store} run with the unused range here. */
  static boolean rangeWorks(Path store) {
    return LibC.geteuid() != 0 || KernelFeatures.idmappedMounts(store, true).available();
  }

  /** {@code b}, with the identity map when {@link #rangeWorks} is false. */
  static ContainerSpec.Builder forStore(ContainerSpec.Builder b, Path store) {
    return identityUnless(b, store, true);
  }

  /** {@code b} of a directory root {@code dir}, with the identity map where {@code dir} cannot be idmapped. */
  static ContainerSpec.Builder forDirectory(ContainerSpec.Builder b, Path dir) {
    return identityUnless(b, dir, false);
  }

  private static ContainerSpec.Builder identityUnless(ContainerSpec.Builder b, Path dir, boolean overlay) {
    KernelFeatures.Feature f = KernelFeatures.idmappedMounts(dir, overlay);
    if (LibC.geteuid() == 0 && !f.available()) {
      System.err.println("ImageIds: " + f.unavailabilityCause() + ": this test runs with IdMapping.identity()");
      b.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
    }
    return b;
  }
}
