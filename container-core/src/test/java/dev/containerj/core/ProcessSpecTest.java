package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.Redirect;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ProcessSpec}: the first process of a ContainerSpec is one, and its rules. */
class ProcessSpecTest {

  @Test
  void theFirstProcessOfASpecIsAProcessSpecAndBack() {
    ContainerSpec spec = ContainerSpec.builder().command("sh", "-c", "id").env("A", "1").workingDirectory("/tmp")
        .user(1000, 1000).supplementaryGroups(List.of(44L)).capabilities(Set.of(Capability.CAP_CHOWN))
        .stdout(Redirect.PIPE).build();
    ProcessSpec p = spec.process();
    assertThat(p.command()).containsExactly("sh", "-c", "id");
    assertThat(p.environment()).containsEntry("A", "1");
    assertThat(p.workingDirectory()).contains("/tmp");
    assertThat(p.uid()).contains(1000L);
    assertThat(p.groups()).contains(List.of(44L));
    assertThat(p.capabilities()).contains(Set.of(Capability.CAP_CHOWN));
    assertThat(p.noNewPrivileges()).isTrue();
    assertThat(p.stdout()).isEqualTo(Redirect.PIPE);

    ContainerSpec again = ContainerSpec.builder().process(p).build();
    assertThat(again.command()).isEqualTo(spec.command());
    assertThat(again.environment()).isEqualTo(spec.environment());
    assertThat(again.workingDirectory()).isEqualTo("/tmp");
    assertThat(again.uid()).isEqualTo(1000);
    assertThat(again.supplementaryGroups()).containsExactly(44L);
    assertThat(again.capabilities()).containsExactly(Capability.CAP_CHOWN);
    assertThat(again.noNewPrivileges()).isTrue();
    assertThat(again.stdout()).isEqualTo(Redirect.PIPE);
  }

  @Test
  void aProcessThatDoesNotSetNoNewPrivsKeepsTheDefault() {
    ContainerSpec spec = ContainerSpec.builder().process(ProcessSpec.builder().command("true").build()).build();
    assertThat(spec.noNewPrivileges()).isTrue();
  }

  @Test
  @org.junit.jupiter.api.Tag("kernel")
  void theSameValueDescribesAProcessForTheBareLauncher() throws Exception {
    ProcessSpec spec = ProcessSpec.builder().command("sh", "-c", "echo $A; pwd; hostname").env("A", "1")
        .workingDirectory("/tmp").build();
    try (dev.containerj.namespaces.NamespacedProcess p = dev.containerj.namespaces.ProcessLauncher.builder()
        .process(spec).namespaces(java.util.EnumSet.of(dev.containerj.namespaces.Namespace.USER,
            dev.containerj.namespaces.Namespace.UTS)).hostname("bare").build().start()) {
      String out = new String(p.stdout().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.waitFor().code()).isZero();
      assertThat(out).isEqualTo("1\n/tmp\nbare\n");
    }
  }

  @Test
  void everyViolationAtOnce() {
    assertThatThrownBy(() -> ProcessSpec.builder().workingDirectory("rel").uid(-1).build())
        .isInstanceOf(SpecValidationException.class)
        .satisfies(e -> assertThat(((SpecValidationException) e).violations())
            .extracting(SpecValidationException.Violation::field)
            .containsExactlyInAnyOrder("command", "workingDirectory", "uid"));
  }
}
