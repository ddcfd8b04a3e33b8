package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.layers.Image;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11, classes 1 and 7 on the real kernel: device nodes of an image, a root directory or a
 * volume open nothing (nodev, layers without device nodes), the container's cgroup denies devices
 * outside its allow-list, and a container without a pids limit is bounded by the default. Each
 * security test runs once more with the protection relaxed through the API ({@code privileged()},
 * {@code pidsUnlimited()}) to show that it can fail.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class DeviceAndPidsDefaultsTest {
  private static final boolean ROOT = LibC.geteuid() == 0;

  private static void requireRoot(String why) {
    Assumptions.assumeTrue(ROOT, why);
  }

  private static void mknod(Path node, String type, int major, int minor) throws Exception {
    Process p = new ProcessBuilder("mknod", "-m", "666", node.toString(), type, Integer.toString(major),
        Integer.toString(minor)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("mknod %s: %s", node, out).isZero();
  }

  /** A directory root with busybox and the mount points the container needs. */
  private static Path busyboxRoot(Path dir) throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String tool : new String[] {"sh", "cat", "head", "echo"}) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    for (String d : new String[] {"proc", "dev", "sys", "tmp", "mnt", "nodes"}) {
      Files.createDirectories(root.resolve(d));
    }
    for (Path p : new Path[] {dir, root}) {
      ContainerTest.openUp(p, "rwxr-xr-x");
    }
    return root;
  }

  private static final String OPEN_NODES = "for n in /nodes/null /mnt/null; do head -c 1 $n > /dev/null 2>&1"
      + " && echo $n opened || echo $n denied; done";

  /**
   * A node of the allow-list (1:3, as /dev/null) made by the host in a root directory and in a
   * volume: only nodev keeps the container from opening it, since the device cgroup allows 1:3.
   */
  @Test
  void deviceNodesInTheRootDirectoryAndInAVolumeOpenNothing(@TempDir Path dir) throws Exception {
    requireRoot("mknod on the host needs root");
    Path root = busyboxRoot(dir);
    mknod(root.resolve("nodes/null"), "c", 1, 3);
    Path volume = Files.createDirectories(dir.resolve("volume"));
    ContainerTest.openUp(volume, "rwxr-xr-x");
    mknod(volume.resolve("null"), "c", 1, 3);
    // Where the root's filesystem cannot be idmapped (tmpfs before Linux 6.3: the QEMU lane), the
    // documented opt-out; nodev and the device cgroup are what this test is about, not the ids.
    ContainerSpec.Builder b = ImageIds.forDirectory(ContainerSpec.builder().rootfs(RootFs.directory(root))
        .command("/bin/sh", "-c", OPEN_NODES).mount(MountSpec.bind(volume, "/mnt")).stdout(Redirect.PIPE)
        .stderr(Redirect.PIPE), root);
    Run.Result on = Run.run(b.build());
    assertThat(on.out()).as(on.err()).isEqualTo("/nodes/null denied\n/mnt/null denied\n");
    // Protection off: privileged() drops nodev, and the same nodes open; unless the host's own
    // filesystem under them is mounted nodev (the QEMU lane's /tmp), which the host's root finds by
    // opening the node itself.
    if (!hostCanOpen(root.resolve("nodes/null"))) {
      return;
    }
    Run.Result off = Run.run(b.privileged().build());
    assertThat(off.out()).as(off.err()).isEqualTo("/nodes/null opened\n/mnt/null opened\n");
  }

  /**
   * A host process put into the container's cgroup opens a block device (a loop device, 7:0) only
   * when the container's device policy is off: the kernel checks the cgroup, wherever the node is.
   */
  @Test
  void theContainersCgroupDeniesDevicesOutsideItsAllowList() throws Exception {
    requireRoot("the device policy is for root containers (rootless ones cannot make or reach device nodes)");
    Assumptions.assumeTrue(Files.exists(Path.of("/dev/loop0")), "no /dev/loop0 on this host");
    String script = "read _go; head -c 1 /dev/loop0 > /dev/null && echo loop0 opened || echo loop0 denied; "
        + ": > /dev/null && echo null opened";
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").build())) {
      Cgroup cg = java.util.Objects.requireNonNull(c.cgroupForTests());
      Path devices = cg.paths().get("devices");
      if (devices != null) {
        assertThat(Files.readString(devices.resolve("devices.list"))).contains("c 1:3 rw").doesNotContain("a *:*");
      }
      assertThat(inCgroup(cg, script)).contains("Operation not permitted", "loop0 denied", "null opened");
    }
    // Protection off: a privileged container's cgroup has no device policy.
    try (Container c = Container.start(ContainerSpec.builder().command("sleep", "60").privileged().build())) {
      assertThat(inCgroup(java.util.Objects.requireNonNull(c.cgroupForTests()), script)).contains("loop0 opened", "null opened");
    }
  }

  private static String inCgroup(Cgroup cg, String script) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
    try {
      cg.addProcess(p.pid());
      p.getOutputStream().write('\n');
      p.getOutputStream().flush();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  /**
   * An image whose layer carries host device nodes (kvm 10:232, mem 1:1, vcs 7:0 and the host's
   * first disk as a block device): the store holds none of them as a node, and the container finds
   * nothing to open. The layer module's HostileLayerTest shows the nodes made without the fix.
   */
  @Test
  void anImagesDeviceNodesAreNotInTheStoreAndOpenNothing(@TempDir Path work) throws Exception {
    requireRoot("umoci keeps device nodes in a layer only as root");
    Path layout = work.resolve("layout");
    UmociImage.pack(work, layout, work.resolve("bundle"), root -> {
      Path nodes = Files.createDirectories(root.resolve("nodes"));
      mknod(nodes.resolve("kvm"), "c", 10, 232);
      mknod(nodes.resolve("mem"), "c", 1, 1);
      mknod(nodes.resolve("vcs"), "c", 7, 0);
      mknod(nodes.resolve("disk"), "b", 254, 0);
    }, "head", "echo", "ls");
    Image image = ContainerRuntime.defaults().images().importImage("oci:" + layout + ":t");
    try {
      // Every node with the image's numbers, anywhere in the store (whiteouts are 0/0).
      List<String> found = deviceNodes(ContainerStarter.layers().directory());
      found.removeIf(n -> n.endsWith(" rdev 0"));
      assertThat(found).as("device nodes of the image in the layer store").isEmpty();
      Run.Result r = Run.run(ImageIds.forStore(ContainerSpec.builder().image(image).command("sh", "-c",
          "for n in kvm mem vcs disk; do head -c 1 /nodes/$n > /dev/null 2>&1 && echo $n opened || echo $n denied; done;"
              + " ls /nodes | wc -l").stdout(Redirect.PIPE).stderr(Redirect.PIPE), ContainerStarter.layers().directory())
          .build());
      assertThat(r.out()).as(r.err()).isEqualTo("kvm denied\nmem denied\nvcs denied\ndisk denied\n0\n");
    } finally {
      ContainerRuntime.defaults().images().remove(image.id());
      ContainerRuntime.defaults().images().gc();
    }
  }

  private static boolean hostCanOpen(Path node) {
    try (var in = Files.newInputStream(node)) {
      return true;
    } catch (java.io.IOException nodev) {
      return false;
    }
  }


  private static List<String> deviceNodes(Path dir) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) == 0020000 || (mode & 0170000) == 0060000) {
          out.add(p + " rdev " + Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  /** Threads until the kernel refuses one (pids.max counts threads), at most {@code cap}. */
  private static String threads(int cap) {
    return "import threading\n"
        + "threading.stack_size(65536)\n"
        + "ev, n, err = threading.Event(), 0, ''\n"
        + "try:\n"
        + "    while n < " + cap + ":\n"
        + "        threading.Thread(target=ev.wait).start(); n += 1\n"
        + "except RuntimeError as e:\n"
        + "    err = str(e)\n"
        + "ev.set()\n"
        + "print(n, err)\n";
  }

  /** The pids.max of a container's cgroup, as the kernel shows it. */
  private static String pidsMax(Container c) throws Exception {
    Cgroup cg = java.util.Objects.requireNonNull(c.cgroupForTests());
    Path v1 = cg.paths().get("pids");
    return Files.readString(v1 != null ? v1.resolve("pids.max") : cg.unifiedPath().orElseThrow().resolve("pids.max")).trim();
  }

  @Test
  void withoutAPidsLimitTheDefaultBoundsTheContainerAndUnlimitedIsMax() throws Exception {
    ContainerSpec.Builder b = ContainerSpec.builder().command("python3", "-c", threads(2100))
        .stdout(Redirect.PIPE).stderr(Redirect.PIPE);
    try (Container c = Container.start(b.build())) {
      if (c.cgroupForTests() == null) {
        // Rootless without a delegated subtree (this host as nobody): no default, and the start works.
        Assumptions.assumeFalse(ROOT, "as root every container has a cgroup");
        c.waitFor();
        return;
      }
      assertThat(pidsMax(c)).isEqualTo(Long.toString(ContainerSpec.Builder.DEFAULT_PIDS_MAX));
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(c.waitFor().code()).isZero();
      // python3 is pid 1 and one task itself: 2047 threads, then clone(2) fails with EAGAIN.
      assertThat(out).isEqualTo("2047 can't start new thread\n");
    }
    // Protection off: explicitly unlimited, the same payload goes past 2048 tasks.
    try (Container c = Container.start(b.limits(CgroupLimits.builder().pidsUnlimited().build()).build())) {
      assertThat(pidsMax(c)).isEqualTo("max");
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(c.waitFor().code()).isZero();
      assertThat(out).isEqualTo("2100 \n");
    }
  }
}
