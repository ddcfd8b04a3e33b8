package dev.containerj.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The idmapped-mount decision from a filesystem type and a kernel release, without a kernel. */
class IdmappedMountsProbeTest {
  @Test
  void eachFilesystemHasItsFloorAndOverlayLayersNeed519() {
    assertThat(KernelFeatures.idmappedUnavailability("ext4", new int[] {5, 12}, false)).isNull();
    assertThat(KernelFeatures.idmappedUnavailability("ext4", new int[] {5, 15}, true))
        .isEqualTo("its filesystem ext4 under overlayfs takes them from Linux 5.19, this kernel is 5.15");
    // The QEMU lane's Debian 12 guest: a store on tmpfs under 6.1.
    assertThat(KernelFeatures.idmappedUnavailability("tmpfs", new int[] {6, 1}, true))
        .isEqualTo("its filesystem tmpfs under overlayfs takes them from Linux 6.3, this kernel is 6.1");
    assertThat(KernelFeatures.idmappedUnavailability("tmpfs", new int[] {6, 18}, true)).isNull();
    assertThat(KernelFeatures.idmappedUnavailability("nfs", new int[] {6, 18}, false))
        .isEqualTo("its filesystem nfs is not known to support idmapped mounts");
  }

  @Test
  void theFilesystemIsTheLongestMountPointAboveThePath() {
    List<String> mountinfo = List.of(
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
        "30 22 0:26 / /tmp rw,nosuid shared:2 - tmpfs tmpfs rw",
        "31 22 0:27 / /tmp2 rw shared:3 - xfs /dev/vdb rw");
    assertThat(KernelFeatures.filesystemType(Path.of("/tmp/store/l"), mountinfo)).isEqualTo("tmpfs");
    assertThat(KernelFeatures.filesystemType(Path.of("/tmp2x"), mountinfo)).isEqualTo("ext4");
    assertThat(KernelFeatures.filesystemType(Path.of("/tmp2"), mountinfo)).isEqualTo("xfs");
  }
}
