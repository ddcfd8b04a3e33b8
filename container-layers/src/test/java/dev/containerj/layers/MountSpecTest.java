package dev.containerj.layers;

import dev.containerj.linux.IdMapping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.InvalidValueException;
import dev.containerj.linux.internal.Constants;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mount descriptions as data (no kernel): what a launcher's helper receives. */
class MountSpecTest {
  @Test
  void bindCallsInOrder() {
    Mount m = Mount.bind(Path.of("/src"), Path.of("/dst")).readOnly(true)
        .propagation(Mount.Propagation.SLAVE).build();
    assertThat(m.calls()).containsExactly(
        new Mount.Call("/src", "/dst", "", Constants.MS_BIND | Constants.MS_REC, null),
        new Mount.Call("", "/dst", "", Constants.MS_REMOUNT | Constants.MS_BIND | Constants.MS_RDONLY, null),
        new Mount.Call("", "/dst", "", (1L << 19) | Constants.MS_REC, null));
    assertThat(Mount.bind(Path.of("/a"), Path.of("/b")).recursive(false).build().calls().get(0).flags()).isEqualTo(Constants.MS_BIND);
  }

  @Test
  void overlayOptionString() {
    Mount m = Mount.overlay(Path.of("/m")).lowerDirs(List.of(Path.of("/top"), Path.of("/with:colon")))
        .upper(Path.of("/u"), Path.of("/w")).userXattr(true).volatileUpper(true).build();
    assertThat(m.source()).isEqualTo("overlay");
    assertThat(m.data()).isEqualTo("lowerdir=/top:/with\\:colon,upperdir=/u,workdir=/w,userxattr,volatile");
    assertThat(m.overlayFlags()).containsExactly("userxattr", "volatile");
    assertThat(m.fitsInOnePage()).isTrue();
  }

  @Test
  void validation() {
    assertThatThrownBy(() -> Mount.overlay(Path.of("/m")).build())
        .hasMessage("lowerDirs must not be empty: []");
    assertThatThrownBy(() -> Mount.overlay(Path.of("/m")).lowerDirs(List.of(Path.of("/a,b"))).build())
        .hasMessage("lowerDirs[0] must not contain ',': /a,b");
    assertThatThrownBy(() -> Mount.tmpfs(Path.of("/t")).sizeBytes(-1)).hasMessage("sizeBytes must be >= 0: -1");
    assertThatThrownBy(() -> Mount.tmpfs(Path.of("/t")).mode(010000)).hasMessage("mode must be within 0..07777: 010000");
    assertThat(Mount.tmpfs(Path.of("/t")).sizeBytes(4096).mode(0700).build().data()).isEqualTo("mode=0700,size=4096");
  }

  @Test
  void imageReferences() {
    ImageReference r = ImageReference.parse("oci:/images/busybox:latest");
    assertThat(r.transport()).isEqualTo(ImageReference.Transport.OCI);
    assertThat(r.path()).isEqualTo(Path.of("/images/busybox"));
    assertThat(r.tag()).isEqualTo("latest");
    assertThat(r).hasToString("oci:/images/busybox:latest");
    assertThat(ImageReference.parse("docker-archive:/x.tar").tag()).isNull();
    assertThat(ImageReference.parse("docker-archive:/x.tar:repo/name:tag").tag()).isEqualTo("repo/name:tag");
    assertThatThrownBy(() -> ImageReference.parse("docker://busybox"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("image reference must name a known transport, not 'docker' (expected");
    assertThatThrownBy(() -> ImageReference.parse("oci:")).hasMessageStartingWith("image reference must have a non-empty path")
        .hasMessageEndingWith(": oci:");
    assertThatThrownBy(() -> ImageReference.parse("/just/a/path")).hasMessageStartingWith("image reference must start with a transport");
  }

  @Test
  void idMappingAndPlatform() {
    List<IdMapping> m = List.of(new IdMapping(0, 1000, 1), new IdMapping(1, 100000, 65536));
    assertThat(IdMapping.toHost(m, 0)).isEqualTo(1000);
    assertThat(IdMapping.toHost(m, 1000)).isEqualTo(100999);
    assertThat(IdMapping.toHost(m, 70000)).isEqualTo(-1);
    assertThat(IdMapping.toContainer(m, 100999)).isEqualTo(1000);
    assertThat(IdMapping.toContainer(m, 5)).isEqualTo(-1);
    assertThat(IdMapping.toMapText(m)).isEqualTo("0 1000 1\n1 100000 65536\n");
    assertThat(IdMapping.isIdentity(m)).isFalse();
    assertThat(IdMapping.isIdentity(List.of(IdMapping.identity()))).isTrue();
    assertThat(new Platform("linux", "arm64", null).matches(new Platform("linux", "arm64", "v8"))).isTrue();
    assertThat(new Platform("linux", "arm64", "v7").matches(new Platform("linux", "arm64", "v8"))).isFalse();
  }

  @Test
  void imageConfigRoundTrip() {
    ImageConfig c = ImageConfig.builder().entrypoint(List.of("/bin/sh")).cmd(List.of("-c", "x"))
        .env(List.of("A=1")).workingDir("/w").user("1:2").build();
    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(c.command()).containsExactly("/bin/sh", "-c", "x");
    assertThatThrownBy(() -> ImageConfig.builder().env(List.of("NOEQUALS")))
        .hasMessage("env entries must be NAME=value: NOEQUALS");
  }

  @Test
  void optionsAreTypedAndBecomeTheKernelsFlags() {
    Mount t = Mount.tmpfs(Path.of("/t")).build();
    assertThat(t.options()).containsExactlyInAnyOrder(Mount.Option.NOSUID, Mount.Option.NODEV);
    assertThat(t.calls().get(0).flags()).isEqualTo(Constants.MS_NOSUID | Constants.MS_NODEV);
    Mount ro = Mount.tmpfs(Path.of("/t")).options(java.util.Set.of(Mount.Option.READ_ONLY, Mount.Option.NOEXEC)).build();
    assertThat(ro.calls().get(0).flags()).isEqualTo(Constants.MS_RDONLY | Constants.MS_NOEXEC);
    assertThat(Mount.sysfs(Path.of("/s")).options()).containsExactlyInAnyOrder(Mount.Option.values());
    assertThat(Mount.bind(Path.of("/a"), Path.of("/b")).readOnly(true).build().options())
        .containsExactly(Mount.Option.READ_ONLY);
  }
}
