package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.linux.internal.KernelFeatures;
import dev.containerj.linux.internal.LibC;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Plants no bug: checks the library's kernel probes against the independent twins the kernel tests
 * skip on ({@link OverlayProbe}). A library probe that says "unavailable" where the kernel can do it
 * would make library code skip a feature it should use; a twin that disagrees would hide a bug.
 */
@Tag("kernel")
@Tag("rootless")
class ProbeTwinTest {
  @Test
  void overlayProbeAgreesWithMountingOne() throws Exception {
    KernelFeatures.Feature overlay = KernelFeatures.overlay();
    if (LibC.geteuid() == 0) {
      String twin = OverlayProbe.problem(false);
      assertThat(overlay.available())
          .as("KernelFeatures.overlay() (%s) against mount -t overlay as root (%s)", overlay.unavailabilityCause(), twin)
          .isEqualTo(twin.isEmpty());
    }
    // Rootless, the library's probes say whether the kernel has overlay and user namespaces; an
    // overlay in a user namespace also needs Linux 5.11, so only one direction must hold.
    String rootless = OverlayProbe.problem(true);
    if (rootless.isEmpty()) {
      KernelFeatures.Feature userns = KernelFeatures.userNamespaces();
      assertThat(overlay.available()).as("KernelFeatures.overlay(): %s; unshare -Urm mount -t overlay worked",
          overlay.unavailabilityCause()).isTrue();
      assertThat(userns.available()).as("KernelFeatures.userNamespaces(): %s; unshare -Urm worked",
          userns.unavailabilityCause()).isTrue();
    }
  }
}
