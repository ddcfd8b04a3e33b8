package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runtimes own their state directory and layer store: two of them run side by side in one JVM and
 * each sees only its own containers, images and networks.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class ContainerRuntimeTest {
  private Path base;
  /** The runtimes a test made: their teardown lanes are drained before the base goes. */
  private final java.util.List<ContainerRuntime> made = new java.util.ArrayList<>();

  @BeforeEach
  void makeBase() throws IOException {
    // o+x: the containers' processes (unprivileged host ids) pass through to their mount points.
    base = Files.createTempDirectory("cj-runtimes-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
  }

  @AfterEach
  void removeBase() throws IOException {
    made.forEach(r -> assertThat(r.awaitTeardown(Duration.ofSeconds(30))).as("teardown lane drained").isTrue());
    try (Stream<Path> walk = Files.walk(base)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private ContainerRuntime runtime(String name) {
    ContainerRuntime r = ContainerRuntime.builder().stateDirectory(base.resolve(name + "-state"))
        .layerStore(base.resolve(name + "-images")).reapOnStart(false).build();
    made.add(r);
    return r;
  }

  @Test
  void twoRuntimesSideBySideSeeOnlyTheirOwnContainersAndStores() throws Exception {
    ContainerRuntime a = runtime("a");
    ContainerRuntime b = runtime("b");
    ContainerSpec sleep = ContainerSpec.builder().command("sleep", "60").build();
    try (Container ca = a.start(sleep); Container cb = b.start(sleep)) {
      assertThat(a.stateDirectory()).isEqualTo(base.resolve("a-state"));
      assertThat(base.resolve("a-state").resolve(ca.id())).as("a's container in a's state directory").isDirectory();
      assertThat(base.resolve("b-state").resolve(cb.id())).as("b's container in b's state directory").isDirectory();
      assertThat(base.resolve("a-state").resolve(cb.id())).doesNotExist();
      assertThat(a.list()).extracting(ContainerInfo::id).containsExactly(ca.id());
      assertThat(b.list()).extracting(ContainerInfo::id).containsExactly(cb.id());
      assertThat(ContainerRuntime.defaults().list()).extracting(ContainerInfo::id)
          .as("the default runtime sees neither").doesNotContain(ca.id(), cb.id());

      assertThat(a.images().store().directory()).isEqualTo(base.resolve("a-images"));
      assertThat(b.images().store().directory()).isEqualTo(base.resolve("b-images"));
      assertThat(a.images().list()).isEmpty();
      assertThat(a.networks().list()).isEmpty();

      assertThatThrownBy(() -> b.attach(ca.id())).isInstanceOf(ContainerNotFoundException.class)
          .hasMessageContaining(ca.id()).hasMessageContaining(base.resolve("b-state").toString());
    }
    assertThat(a.list()).isEmpty();
    assertThat(b.list()).isEmpty();
  }

  @Test
  void attachSignalsTheRecordedContainerAndCloseRemovesIt() throws Exception {
    ContainerRuntime a = runtime("a");
    try (Container c = a.start(ContainerSpec.builder().command("sleep", "60").build())) {
      Container attached = a.attach(c.id().substring(0, 12));
      assertThat(attached.id()).isEqualTo(c.id());
      assertThat(attached.pid()).isEqualTo(c.pid());
      assertThat(attached.isRunning()).isTrue();
      attached.signal(Signal.SIGKILL);
      ExitStatus status = c.waitFor(Duration.ofSeconds(10)).orElseThrow();
      assertThat(status.killSignal()).isEqualTo(Signal.SIGKILL);
      assertThatThrownBy(attached::waitFor).isInstanceOf(ContainerException.class)
          .hasMessageContaining("known only to its parent");
      attached.close();
      assertThatThrownBy(() -> a.attach(c.id())).isInstanceOf(ContainerNotFoundException.class);
    }
  }

  @Test
  void builderReportsEveryBadValueAtOnce() {
    assertThatThrownBy(() -> ContainerRuntime.builder().cgroupParent("../x").rootIdRange(0, 10)
        .defaultNetwork("a-name-longer-than-15").build())
        .isInstanceOf(SpecValidationException.class)
        .satisfies(e -> assertThat(((SpecValidationException) e).violations())
            .extracting(SpecValidationException.Violation::field)
            .containsExactlyInAnyOrder("cgroupParent", "rootIdRange.firstHostId", "rootIdRange.count", "defaultNetwork"));
  }
}
