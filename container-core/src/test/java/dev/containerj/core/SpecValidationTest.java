package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.IdMapping;
import dev.containerj.linux.InvalidValueException;
import dev.containerj.namespaces.Namespace;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spec's rules, without a kernel: each message names field, value and rule. */
class SpecValidationTest {

  private static ContainerSpec.Builder ok() {
    return ContainerSpec.builder().command("true");
  }

  @Test
  void defaultsAreTheSecureOnes() {
    ContainerSpec s = ok().build();
    assertThat(s.namespaces()).containsExactlyInAnyOrder(Namespace.USER, Namespace.MOUNT, Namespace.PID,
        Namespace.UTS, Namespace.IPC, Namespace.NET, Namespace.CGROUP);
    assertThat(s.network()).isEqualTo(Network.loopback());
    assertThat(s.capabilities()).isEqualTo(dev.containerj.namespaces.Capability.DEFAULT_SET);
    assertThat(s.noNewPrivileges()).isTrue();
    assertThat(s.rootfs().isHost()).isTrue();
    assertThat(s.privateTmp()).isTrue();
    assertThat(s.detached()).isFalse();
    assertThat(s.maskedPaths()).contains("/proc/kcore", "/proc/keys", "/sys/firmware");
    assertThat(s.readonlyPaths()).contains("/proc/sys", "/proc/sysrq-trigger");
  }

  @Test
  void tmpfsSizeDefaultsTo64MibAndMustBePositive() {
    assertThat(ok().build().tmpfsSize()).isEqualTo(64L << 20);
    assertThat(ok().tmpfsSize(1L << 30).build().toBuilder().build().tmpfsSize()).isEqualTo(1L << 30);
    assertThatThrownBy(() -> ok().tmpfsSize(0).build())
        .hasMessage("invalid container spec: tmpfsSize must be > 0 (bytes): 0");
  }

  @Test
  void emptyCommand() {
    assertThatThrownBy(() -> ContainerSpec.builder().build())
        .isInstanceOf(SpecValidationException.class)
        .hasMessage("invalid container spec: command must not be empty: []");
    assertThatThrownBy(() -> ContainerSpec.builder().command("").build())
        .hasMessage("invalid container spec: command[0] must name a program: \"\"");
  }

  @Test
  void relativeOrMissingRootfs(@TempDir Path dir) {
    assertThatThrownBy(() -> ok().rootfs(RootFs.directory(Path.of("rel/root"))).build())
        .hasMessage("invalid container spec: rootfs must be an absolute path: rel/root");
    assertThatThrownBy(() -> ok().rootfs(RootFs.directory(dir.resolve("missing"))).build())
        .hasMessage("invalid container spec: rootfs does not exist: " + dir.resolve("missing"));
  }

  @Test
  void anImageOfAStoreOfTheOtherKindIsRefused(@TempDir Path dir) throws Exception {
    // A root JVM's overlay reads trusted.overlay.*, an ordinary user's user.overlay.*: a store of the
    // other kind would have its opaque directories ignored.
    boolean root = dev.containerj.linux.internal.LibC.geteuid() == 0;
    dev.containerj.layers.LayerStore store = new dev.containerj.layers.LayerStore(dir, root);
    dev.containerj.layers.Image image = new dev.containerj.layers.Image("sha256:" + "a".repeat(64), "oci:/img:t",
        List.of(), dev.containerj.layers.ImageConfig.builder().build(), java.time.Instant.EPOCH);
    assertThatThrownBy(() -> ok().image(store, image).build())
        .hasMessage("invalid container spec: rootfs " + (root
            ? "must be in a root layer store when the JVM is root (this store's layers carry user.overlay.* xattrs)"
            : "must be in a rootless layer store when the JVM is not root (this store's layers carry trusted.overlay.* xattrs)")
            + ": image oci:/img:t in " + dir);
    assertThat(ok().image(new dev.containerj.layers.LayerStore(dir.resolve("ok"), !root), image).build().rootfs()
        .layerStore().directory()).isEqualTo(dir.resolve("ok"));
  }

  @Test
  void invalidHostname() {
    for (String bad : new String[] {"-bad", "bad-", "has space", "a..b", "x".repeat(65), ""}) {
      assertThatThrownBy(() -> ok().hostname(bad).build())
          .as(bad)
          .hasMessageStartingWith("invalid container spec: hostname must be at most 64 characters")
          .hasMessageEndingWith(": " + bad);
    }
    assertThat(ok().hostname("web-1.example").build().hostname()).isEqualTo("web-1.example");
  }

  @Test
  void negativeUid() {
    assertThatThrownBy(() -> ok().user(-1, 0).build())
        .hasMessage("invalid container spec: uid must be in [0, 4294967294]: -1");
  }

  @Test
  void duplicateMountTarget() {
    assertThatThrownBy(() -> ok().mount(MountSpec.tmpfs("/data")).mount(MountSpec.tmpfs("/data/")).build())
        .hasMessage("invalid container spec: mounts[1].target duplicates mounts[0].target: /data/");
  }

  @Test
  void missingBindSource(@TempDir Path dir) {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> ok().mount(MountSpec.bind(missing, "/mnt")).build())
        .hasMessage("invalid container spec: mounts[0].source does not exist: " + missing);
  }

  @Test
  void everyViolationIsReportedAtOnce() {
    SpecValidationException e = (SpecValidationException) org.assertj.core.api.Assertions.catchThrowable(() ->
        ContainerSpec.builder().command(List.of()).hostname("-x").user(-5, -6).workingDirectory("rel")
            .mount(MountSpec.tmpfs("relative")).build());
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field)
        .containsExactly("command", "workingDirectory", "uid", "gid", "hostname", "mounts[0].target");
    assertThat(e.getMessage()).startsWith("invalid container spec, 6 violations: command must not be empty: []; ");
  }

  @Test
  void crossFieldRules() {
    assertThatThrownBy(() -> ok().hostname("h").namespaces(EnumSet.of(Namespace.MOUNT, Namespace.NET)).build())
        .hasMessage("invalid container spec: hostname needs the UTS namespace: h");
    assertThatThrownBy(() -> ok().namespaces(EnumSet.of(Namespace.USER, Namespace.NET)).build())
        .hasMessageContaining("namespaces must contain MOUNT");
    assertThatThrownBy(() -> ok().user(1000, 0).uidMappings(List.of(IdMapping.single(0, 1000))).build())
        .hasMessageContaining("uid must be mapped by uidMappings");
    assertThatThrownBy(() -> ok().network(Network.loopback()).namespaces(EnumSet.of(Namespace.MOUNT)).build())
        .hasMessageContaining("network needs the NET namespace");
  }

  @Test
  void volumeSyntax() {
    assertThat(MountSpec.parseVolume("/a:/b:ro")).isEqualTo(MountSpec.bindReadOnly(Path.of("/a"), "/b"));
    assertThatThrownBy(() -> MountSpec.parseVolume("/a")).hasMessage("invalid container spec: volume must be HOST:CONTAINER[:ro|rw]: /a");
    assertThatThrownBy(() -> MountSpec.parseVolume("/a:/b:rx")).hasMessage("invalid container spec: volume option must be ro or rw: /a:/b:rx");
  }

  @Test
  void ulimitSyntax() {
    assertThat(Rlimit.parse("nofile=1024:2048")).isEqualTo(new Rlimit(Rlimit.Resource.NOFILE, 1024, 2048));
    assertThatThrownBy(() -> Rlimit.parse("nofile=10:5")).hasMessage("invalid container spec: rlimit nofile soft limit must not exceed the hard limit: 10:5");
    assertThatThrownBy(() -> Rlimit.parse("bogus=1")).hasMessage("invalid container spec: ulimit must name a limit of setrlimit(2): bogus=1");
  }

  @Test
  void toBuilderRoundTrips() {
    ContainerSpec s = ok().hostname("h").env("A", "1").mount(MountSpec.tmpfs("/x")).build();
    ContainerSpec copy = s.toBuilder().build();
    assertThat(copy.toString()).isEqualTo(s.toString());
    assertThat(copy.environment()).isEqualTo(s.environment());
    assertThat(s.toBuilder().env("B", "2").build().environment()).containsOnlyKeys("A", "B");
    assertThat(s.environment()).containsOnlyKeys("A");
  }

  @Test
  void theStateDirectoryOfRootIsRunContainerj() {
    String saved = System.getProperty("containerj.stateDir");
    System.clearProperty("containerj.stateDir");
    try {
      java.nio.file.Path root = dev.containerj.core.internal.StateStore.forCurrentUser().root();
      if (dev.containerj.linux.internal.LibC.geteuid() == 0) {
        assertThat(root).isEqualTo(java.nio.file.Path.of("/run/containerj"));
      } else {
        assertThat(root.toString()).matches(".*/containerj(-" + dev.containerj.linux.internal.LibC.geteuid() + ")?");
      }
    } finally {
      if (saved != null) {
        System.setProperty("containerj.stateDir", saved);
      }
    }
  }

  @Test
  void passFdsAreEachZeroOrMoreAndGivenOnceAndKeptByToBuilder() {
    assertThat(ok().build().passFds()).isEmpty();
    assertThat(ok().passFds(List.of(3, 4)).build().toBuilder().build().passFds()).containsExactly(3, 4);
    assertThatThrownBy(() -> ok().passFds(List.of(3, 3)).build())
        .hasMessage("invalid container spec: passFds must list each fd (0 or more) once: [3, 3]");
    assertThatThrownBy(() -> ok().passFds(List.of(-1)).build()).isInstanceOf(SpecValidationException.class)
        .hasMessageContaining("passFds");
  }

  @Test
  void aBadPortMappingImageReferenceOrSubnetReachesTheFacadeAsASpecValidationExceptionNamingTheField(@TempDir Path dir) {
    assertThatThrownBy(() -> ok().publish("70000:80")).isInstanceOfSatisfying(SpecValidationException.class, e -> {
      assertThat(e.violations()).singleElement().satisfies(v -> {
        assertThat(v.field()).isEqualTo("ports");
        assertThat(v.value()).isEqualTo("70000:80");
        assertThat(v.rule()).endsWith("hostPort must be 1..65535: 70000");
      });
      assertThat(e.getCause()).isInstanceOfSatisfying(InvalidValueException.class,
          c -> assertThat(List.of(c.field(), c.value(), c.rule())).containsExactly("hostPort", "70000", "must be 1..65535"));
    });
    ContainerRuntime rt = ContainerRuntime.builder().stateDirectory(dir.resolve("state")).layerStore(dir.resolve("layers")).build();
    assertThatThrownBy(() -> rt.images().importImage("docker://busybox")).isInstanceOfSatisfying(SpecValidationException.class, e -> {
      assertThat(e.violations()).singleElement().satisfies(v -> {
        assertThat(v.field()).isEqualTo("reference");
        assertThat(v.value()).isEqualTo("docker://busybox");
        assertThat(v.rule()).contains("image reference must name a known transport, not 'docker'");
      });
      assertThat(e.getCause()).isInstanceOf(InvalidValueException.class);
    });
    assertThatThrownBy(() -> rt.images().pull("Upper/Case", dev.containerj.layers.PullOptions.defaults()))
        .isInstanceOfSatisfying(SpecValidationException.class, e -> assertThat(e.violations()).singleElement().satisfies(v -> {
          assertThat(v.field()).isEqualTo("reference");
          assertThat(v.rule()).contains("repository must be lower-case path components");
        }));
    // the facade maps a lower module's violations one to one (Unchecked.translate): field "subnet"
    assertThatThrownBy(() -> rt.networks().create("cjbadsub", "10.66.0.1/24"))
        .isInstanceOfSatisfying(SpecValidationException.class, e -> assertThat(e.violations()).singleElement().satisfies(v -> {
          assertThat(v.field()).isEqualTo("subnet");
          assertThat(v.value()).startsWith("10.66.0.1/24");
          assertThat(v.rule()).isEqualTo("must be a network address (host bits zero)");
        }));
    assertThat(rt.networks().list()).extracting(Networks.Info::name).doesNotContain("cjbadsub");
  }
}
