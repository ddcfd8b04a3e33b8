package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.StateStore;
import dev.containerj.layers.Image;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Containers on an OCI image built with umoci from busybox-static, through the layer store. */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class ImageContainerTest {
  @TempDir static Path work;
  private static Image image;


  @BeforeAll
  static void buildImage() throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "umoci keeps file owners only as root (the layers module tests rootless unpacking)");
    Path layout = work.resolve("layout");
    UmociImage.pack(work, layout, work.resolve("bundle"),
        root -> Files.writeString(Files.createDirectories(root.resolve("etc")).resolve("motd"), "from the image\n"),
        "ls", "cat", "echo", "id", "hostname", "touch", "ps");
    UmociImage.sh(work, "umoci", "config", "--image", layout + ":t", "--config.env", "GREETING=hello",
        "--config.cmd", "sh", "--config.cmd", "-c", "--config.cmd", "echo $GREETING from $(cat /etc/motd)");
    image = ContainerRuntime.defaults().images().importImage("oci:" + layout + ":t");
  }

  @Test
  void theImagesConfigGivesTheDefaults() throws Exception {
    Run.Result r = Run.run(img().stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
    assertThat(r.out()).as(r.err()).isEqualTo("hello from from the image\n");
    assertThat(r.status().code()).isZero();
  }

  @Test
  void twoContainersShareTheLayersButNotTheirWrites() throws Exception {
    Path marker = work.resolve("layers-before");
    int layersBefore = layerCount();
    List<Container> cs = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        cs.add(Container.start(img()
            .command("sh", "-c", "echo mine-" + i + " > /written; sleep 100").build()));
      }
      Run.Result other = Run.run(img().command("sh", "-c", "cat /written 2>&1; ls /bin/busybox")
          .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
      assertThat(other.out()).contains("No such file").contains("/bin/busybox");
    } finally {
      cs.forEach(Container::close);
    }
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    assertThat(layerCount()).isEqualTo(layersBefore);
    assertThat(ContainerStarter.layers().preparedRoots()).as("containers' writable layers after close").isEmpty();
    assertThat(marker).doesNotExist();
  }

  @Test
  void aReadOnlyImageRootRefusesWrites() throws Exception {
    Run.Result r = Run.run(img().readOnlyRootfs()
        .command("sh", "-c", "touch /x 2>&1; echo done").stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
    assertThat(r.out()).contains("Read-only file system").endsWith("done\n");
  }

  @Test
  void aMissingMountTargetIsMadeInTheContainersOwnLayerEvenWhenTheRootIsReadOnly() throws Exception {
    Run.Result r = Run.run(img().readOnlyRootfs().mount(MountSpec.tmpfs("/data/cache"))
        .command("sh", "-c", "echo x > /data/cache/f && cat /data/cache/f; touch /data/y 2>&1; true")
        .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
    assertThat(r.out()).as(r.err()).startsWith("x\n").contains("Read-only file system");
    try (var layers = Files.walk(ContainerStarter.layers().directory().resolve("layers"))) {
      assertThat(layers.filter(p -> p.getFileName().toString().equals("data"))).as("a layer changed").isEmpty();
    }
  }

  /**
   * Issue #11, class 12: an image whose /etc/hosts is a dangling link (to /run/hosts) used to start
   * without a hosts file and say nothing. The link's target is now made beneath the root (in the
   * container's own layer, the link resolved as the container sees it, never on the host) and the
   * generated file bound there. Checked against the host: its /run/hosts is not made.
   */
  @Test
  void anImageWhoseEtcHostsIsADanglingLinkGetsTheHostsFile() throws Exception {
    Path layout = work.resolve("dangling");
    UmociImage.pack(work, layout, work.resolve("dangling-bundle"), root -> {
      Files.createDirectories(root.resolve("run"));
      Files.createSymbolicLink(Files.createDirectories(root.resolve("etc")).resolve("hosts"), Path.of("/run/hosts"));
    }, "cat", "readlink");
    Image dangling = ContainerRuntime.defaults().images().importImage("oci:" + layout + ":t");
    boolean hostHad = Files.exists(Path.of("/run/hosts"));
    Run.Result r = Run.run(ContainerSpec.builder().image(dangling).hostname("dangle")
        .command("sh", "-c", "readlink /etc/hosts; cat /etc/hosts").stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
    assertThat(r.out()).as(r.err()).startsWith("/run/hosts\n").contains("localhost").contains("dangle");
    assertThat(Files.exists(Path.of("/run/hosts"))).as("the host's /run/hosts").isEqualTo(hostHad);
  }

  /**
   * Issue #11, class 11, for image roots: a JVM killed during a start, after the container's
   * writable layer was made in the layer store, leaves that layer and a state directory without
   * state.json; a reap removes both. Off: a reap of records only would not have seen them.
   */
  @Test
  void aJvmKilledWhileStartingAnImageContainerLeavesNoWritableLayerAfterAReap() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (String step : List.of("write(config pipe)", "write(go)", "write state record")) {
      List<String> before = ContainerStarter.layers().preparedRoots();
      Process jvm = new ProcessBuilder(javaBin, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Dcontainerj.reapOnStart=false", "-Dcontainerj.stateDir=" + StateStore.forCurrentUser().root(),
          "-Dcontainerj.layerStore=" + ContainerStarter.layers().directory(), "-cp", SecureDefaultsTest.childClassPath(),
          OrphanReaperTest.class.getName(), "image", "oci:" + work.resolve("layout") + ":t", step)
          .redirectErrorStream(true).start();
      String out = new String(jvm.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(jvm.exitValue()).as("%s: %s", step, out).isEqualTo(128 + 9);
      List<String> left = new ArrayList<>(ContainerStarter.layers().preparedRoots());
      left.removeAll(before);
      assertThat(left).as("%s: the writable layer of the killed start", step).hasSize(1);
      String id = left.get(0);
      assertThat(StateStore.forCurrentUser().dir(id)).isDirectory();
      assertThat(Container.list()).as("%s: no record (a reap of records only misses it)", step)
          .extracting(ContainerInfo::id).doesNotContain(id);
      assertThat(Container.reapOrphans()).contains(id);
      assertThat(ContainerStarter.layers().preparedRoots()).doesNotContain(id);
      assertThat(StateStore.forCurrentUser().dir(id)).doesNotExist();
    }
  }

  private static ContainerSpec.Builder img() throws Exception {
    return ImageIds.forStore(ContainerSpec.builder().image(image), ContainerStarter.layers().directory());
  }

  private static int layerCount() throws Exception {
    try (var s = Files.list(ContainerStarter.layers().directory().resolve("layers"))) {
      return (int) s.count();
    }
  }
}
