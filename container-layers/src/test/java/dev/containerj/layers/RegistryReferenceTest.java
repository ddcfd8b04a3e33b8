package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Docker-style reference parsing: no network, docker.io names are only parsed. */
class RegistryReferenceTest {
  static final String D = "sha256:" + "a".repeat(64);

  @Test
  void dockerHubShortNamesExpand() {
    assertThat(RegistryReference.parse("alpine").toString()).isEqualTo("docker.io/library/alpine:latest");
    assertThat(RegistryReference.parse("alpine:3.19").toString()).isEqualTo("docker.io/library/alpine:3.19");
    assertThat(RegistryReference.parse("org/tool").toString()).isEqualTo("docker.io/org/tool:latest");
    assertThat(RegistryReference.parse("docker://postgres:16").toString()).isEqualTo("docker.io/library/postgres:16");
    assertThat(RegistryReference.parse("index.docker.io/library/alpine").registry()).isEqualTo("docker.io");
  }

  @Test
  void hostsPortsAndDigests() {
    RegistryReference r = RegistryReference.parse("127.0.0.1:5000/test/busybox:1");
    assertThat(r.registry()).isEqualTo("127.0.0.1:5000");
    assertThat(r.repository()).isEqualTo("test/busybox");
    assertThat(r.tag()).isEqualTo("1");
    RegistryReference d = RegistryReference.parse("ghcr.io/org/tool@" + D);
    assertThat(d.tag()).isNull();
    assertThat(d.digest()).isEqualTo(D);
    assertThat(d.tagOrDigest()).isEqualTo(D);
    assertThat(RegistryReference.parse("localhost/x:1").registry()).isEqualTo("localhost");
    assertThat(RegistryReference.parse("registry.example.com/plugins/x:1.2@" + D).toString())
        .isEqualTo("registry.example.com/plugins/x:1.2@" + D);
    assertThat(RegistryReference.parse(r.toString())).isEqualTo(r);
  }

  @Test
  void localTransportsStayLocal() {
    assertThat(RegistryReference.isRegistryReference("oci:/srv/img:1")).isFalse();
    assertThat(RegistryReference.isRegistryReference("docker-archive:/tmp/x.tar")).isFalse();
    assertThat(RegistryReference.isRegistryReference("docker://alpine")).isTrue();
    assertThat(RegistryReference.isRegistryReference("alpine")).isTrue();
  }

  @Test
  void badReferencesNameTheRule() {
    assertThatThrownBy(() -> RegistryReference.parse("Alpine")).hasMessageContaining("Alpine")
        .hasMessageContaining("lower-case");
    assertThatThrownBy(() -> RegistryReference.parse("alpine@sha256:12")).hasMessageContaining("sha256:12")
        .hasMessageContaining("64");
    assertThatThrownBy(() -> RegistryReference.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> RegistryReference.parse("x:" + "t".repeat(200))).hasMessageContaining("tag must match");
  }

  @Test
  void credentialsNeverPrintTheirSecret() {
    Credentials c = Credentials.parse("user:pa:ss");
    assertThat(c.secret()).isEqualTo("pa:ss");
    assertThat(c.toString()).doesNotContain("pa:ss");
    assertThatThrownBy(() -> Credentials.parse("nosecret")).hasMessageNotContaining("nosecret");
  }
}
