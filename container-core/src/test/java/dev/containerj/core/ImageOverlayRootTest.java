package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.RootfsProgram;
import dev.containerj.core.internal.StateStore;
import dev.containerj.layers.Descriptor;
import dev.containerj.layers.Image;
import dev.containerj.layers.ImageReference;
import dev.containerj.layers.LayerStore;
import dev.containerj.layers.PreparedRoot;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.ExitStatus;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Redirect;
import dev.containerj.namespaces.internal.FaultPlan;
import dev.containerj.namespaces.internal.HelperProgram;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image root end to end through the public API ({@code Images}, {@code Container.start}), as root
 * and, in CI's rootless lane, as an ordinary user: the caller imports the image into its own layer
 * store, the container's root is the overlay of the image's layers and an upper and a work directory
 * of its own, mounted inside the container's namespaces (as an ordinary user with {@code userxattr},
 * in the user namespace), and close leaves nothing behind.
 *
 * <p>The image is built with umoci ({@code --rootless} as an ordinary user) from busybox-static:
 * layer 1 a small root, layer 2 deletes a file of layer 1 (a whiteout), layer 3 makes a directory
 * of layer 1 opaque (an xattr on the directory in the store).
 */
@Tag("kernel")
@Tag("rootless")
@Timeout(120)
@ExtendWith(LeakCheck.class)
class ImageOverlayRootTest {
  private static final int UID = LibC.geteuid();
  private static final boolean ROOTLESS = UID != 0;
  /** The xattr namespace of overlayfs' own attributes in this caller's store. */
  private static final String OVERLAY_XATTRS = ROOTLESS ? "user.overlay." : "trusted.overlay.";
  private static final String OTHER_OVERLAY_XATTRS = ROOTLESS ? "trusted.overlay." : "user.overlay.";

  @TempDir static Path work;
  private static @Nullable Image image;

  private static String sh(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("%s: %s", String.join(" ", cmd), out).isTrue();
    return out;
  }

  /** umoci unpack: as an ordinary user with --rootless (owners become the caller, no chown). */
  private static void unpack(String image, String bundle) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("umoci", "unpack"));
    if (ROOTLESS) {
      cmd.add("--rootless");
    }
    cmd.addAll(List.of("--image", image, bundle));
    sh(work, cmd.toArray(String[]::new));
  }

  @BeforeAll
  static void buildAndImport() throws Exception {
    // The image root needs a user namespace and an overlay mounted in it: probed with unshare and
    // mount(8), independent of the code under test.
    String overlay = OverlayProbe.problem(true);
    Assumptions.assumeTrue(overlay.isEmpty(), "image roots not tested: " + overlay);
    assertThat(Path.of("/bin/busybox")).as("busybox-static (run-tests.sh installs it)").isRegularFile();
    assertThat(Path.of("/usr/bin/umoci")).as("umoci (run-tests.sh installs it)").exists();
    if (ROOTLESS) {
      // A rootless store keeps overlay's whiteouts as user.* xattrs, which a tmpfs holds only from
      // Linux 6.6 (the QEMU lane's 6.1 guest keeps the store on one).
      Path probe = Files.createTempFile(ContainerStarter.layers().directory().resolve("tmp"), "xattr-probe", "");
      try {
        Files.getFileAttributeView(probe, java.nio.file.attribute.UserDefinedFileAttributeView.class)
            .write("containerj.probe", java.nio.ByteBuffer.wrap(new byte[] {1}));
      } catch (IOException e) {
        Assumptions.abort("image roots not tested rootless: the layer store's filesystem ("
            + ContainerStarter.layers().directory() + ") holds no user.* xattrs: " + e.getMessage());
      } finally {
        Files.deleteIfExists(probe);
      }
    }

    String img = work.resolve("layout") + ":t";
    sh(work, "umoci", "init", "--layout", work.resolve("layout").toString());
    sh(work, "umoci", "new", "--image", img);

    unpack(img, "b1");
    Path r1 = work.resolve("b1/rootfs");
    Path bin = Files.createDirectories(r1.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String tool : new String[] {"sh", "cat", "ls", "echo", "grep", "test", "sleep"}) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    Files.writeString(Files.createDirectories(r1.resolve("etc")).resolve("motd"), "from layer 1\n");
    Files.writeString(Files.createDirectories(r1.resolve("del")).resolve("gone.txt"), "deleted by layer 2\n");
    Files.writeString(r1.resolve("del/stays.txt"), "stays\n");
    Files.writeString(Files.createDirectories(r1.resolve("opq")).resolve("old.txt"), "hidden by layer 3\n");
    sh(work, "umoci", "repack", "--image", img, "b1");

    unpack(img, "b2");
    Files.delete(work.resolve("b2/rootfs/del/gone.txt"));
    sh(work, "umoci", "repack", "--image", img, "b2");

    // umoci writes a deleted directory's entries one by one; an opaque directory needs its own tar.
    Path opq = Files.createDirectories(work.resolve("l3/opq"));
    Files.writeString(opq.resolve(".wh..wh..opq"), "");
    Files.writeString(opq.resolve("new.txt"), "from layer 3\n");
    sh(work, "tar", "--numeric-owner", "--owner=0", "--group=0", "-cf", "l3.tar", "-C", "l3", "opq");
    sh(work, "umoci", "raw", "add-layer", "--image", img, "l3.tar");
    sh(work, "umoci", "config", "--image", img, "--config.cmd", "sh");

    image = ContainerRuntime.defaults().images().importImage("oci:" + img);
  }

  @AfterAll
  static void removeImage() throws IOException {
    if (image == null) {
      return;
    }
    ContainerRuntime.defaults().images().remove(image.id());
    ContainerRuntime.defaults().images().gc(); // only layers that no image uses: other classes' images in the store stay
    for (Descriptor d : image.layers()) {
      assertThat(ContainerStarter.layers().hasLayer(d.digest())).as("layer %s after gc", d.digest()).isFalse();
    }
  }

  @Test
  void theCallerImportsIntoItsOwnStoreInOverlayFormat() throws Exception {
    LayerStore store = ContainerStarter.layers();
    assertThat(store.rootless()).as("store %s is rootless", store.directory()).isEqualTo(ROOTLESS);
    assertThat(Files.getAttribute(store.directory(), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(UID);
    assertThat(image.layers()).hasSize(3);
    List<Path> layers = new ArrayList<>();
    for (Descriptor d : image.layers()) {
      layers.add(store.layerDirectory(d));
    }
    for (Path layer : layers) {
      try (Stream<Path> files = Files.walk(layer)) {
        files.forEach(f -> assertThat(owner(f)).as("owner of %s", f).isEqualTo(UID));
      }
    }
    assertThat(layers.get(0).resolve("bin/busybox")).isRegularFile();
    assertThat(layers.get(0).resolve("del/gone.txt")).hasContent("deleted by layer 2");

    // overlayfs' whiteout: a 0/0 character device (made without CAP_MKNOD since Linux 5.8).
    Path whiteout = layers.get(1).resolve("del/gone.txt");
    Map<String, Object> a = Files.readAttributes(whiteout, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
    assertThat((Integer) a.get("mode") & 0170000).as("file type of the whiteout %s", whiteout).isEqualTo(0020000);
    assertThat(a.get("rdev")).as("device number of the whiteout").isEqualTo(0L);
    assertThat(layers.get(1).resolve("del/.wh.gone.txt")).doesNotExist();

    // The opaque directory: user.overlay.opaque for a rootless store (read by a userxattr overlay),
    // trusted.overlay.opaque for root's.
    Path opaque = layers.get(2).resolve("opq");
    assertThat(xattr(opaque, OVERLAY_XATTRS + "opaque")).as("%sopaque on %s", OVERLAY_XATTRS, opaque).isEqualTo("y");
    assertThat(xattr(opaque, OTHER_OVERLAY_XATTRS + "opaque")).as("%sopaque on %s", OTHER_OVERLAY_XATTRS, opaque).isNull();
    assertThat(opaque.resolve(".wh..wh..opq")).doesNotExist();
  }

  @Test
  void thePayloadRunsOnTheOverlayWritesIntoItsOwnUpperDirAndCloseLeavesNothing() throws Exception {
    LayerStore store = ContainerStarter.layers();
    String script = "grep ' / / ' /proc/self/mountinfo; echo uid_map: $(cat /proc/self/uid_map);"
        + " cat /etc/motd; echo del: $(ls -A /del); echo opq: $(ls -A /opq); cat /opq/new.txt;"
        + " test -e /del/gone.txt && echo gone.txt: present || echo gone.txt: absent;"
        + " echo written > /written && echo write: ok; echo ready; read go; echo bye";
    ContainerSpec.Builder b = ImageIds.forStore(ContainerSpec.builder().image(image), store.directory()).command("sh", "-c", script)
        .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE);
    if (!ROOTLESS) {
      b.cgroup(true); // an ordinary user gets a cgroup only in a delegated subtree (CgroupContainerTest)
    }
    String id;
    Path containerDir;
    List<String> out = new ArrayList<>();
    List<Path> cgroups = new ArrayList<>();
    try (Container c = Container.start(b.build())) {
      id = c.id();
      containerDir = store.directory().resolve("containers").resolve(id);
      CompletableFuture<String> err = Run.drain(c.stderr());
      BufferedReader lines = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null && !line.equals("ready"); line = lines.readLine()) {
        out.add(line);
      }
      assertThat(out).as("the payload's output before 'ready' (stderr: %s)", c.isRunning() ? "" : err.get())
          .hasSizeGreaterThanOrEqualTo(8);

      // While it runs: the root is the overlay, with this container's own upper directory.
      String rootMount = out.get(0);
      String[] sides = rootMount.split(" - ", 2);
      assertThat(sides[1]).as("the container's / in its mountinfo: %s", rootMount).startsWith("overlay overlay ");
      String superOptions = sides[1].split(" ")[2];
      assertThat(List.of(superOptions.split(","))).as("overlay options of /: %s", superOptions)
          .contains("upperdir=" + containerDir.resolve("upper"), "workdir=" + containerDir.resolve("work"));
      assertThat(superOptions).contains("lowerdir=" + store.directory().resolve("l") + "/");
      if (ROOTLESS) {
        assertThat(List.of(superOptions.split(","))).as("overlay options of /").contains("userxattr");
      } else {
        assertThat(List.of(superOptions.split(","))).as("overlay options of /").doesNotContain("userxattr");
      }
      // An ordinary user's container maps exactly one id: its root is the caller. Root's image
      // containers map 0-65535 to the unused host range (the layers are idmapped to it).
      assertThat(out.get(1).substring("uid_map:".length()).trim().split("\\s+")).as(out.get(1))
          .containsExactly(ROOTLESS ? new String[] {"0", Integer.toString(UID), "1"}
              : !ImageIds.rangeWorks(store.directory()) ? new String[] {"0", "0", "4294967295"}
              : new String[] {"0", Long.toString(ContainerStarter.ROOT_ID_BASE), Long.toString(ContainerStarter.ROOT_ID_COUNT)});
      assertThat(out.subList(2, 8)).containsExactly("from layer 1", "del: stays.txt", "opq: new.txt", "from layer 3",
          "gone.txt: absent", "write: ok");

      Path written = containerDir.resolve("upper/written");
      assertThat(written).as("the write, in the container's upper directory").hasContent("written");
      assertThat((long) owner(written)).as("owner of %s on the host", written)
          .isEqualTo(ROOTLESS || !ImageIds.rangeWorks(store.directory()) ? UID : ContainerStarter.ROOT_ID_BASE);
      for (Descriptor d : image.layers()) {
        assertThat(store.layerDirectory(d).resolve("written")).as("the write in a layer").doesNotExist();
      }
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("the host's mount table")
          .doesNotContain(containerDir.toString());
      assertThat(StateStore.forCurrentUser().dir(id)).isDirectory();
      cgroups.addAll(cgroupDirsNamed(id));
      if (ROOTLESS) {
        assertThat(cgroups).as("cgroups of a container that asked for none").isEmpty();
      } else {
        assertThat(cgroups).as("the container's cgroups").isNotEmpty();
      }

      OutputStream in = c.stdin();
      in.write('\n');
      in.close();
      assertThat(lines.readLine()).isEqualTo("bye");
      ExitStatus status = c.waitFor();
      assertThat(status.code()).as(err.get()).isZero();
    }

    // After close: the upper and work directories, the state directory and the cgroups are gone,
    // nothing is mounted; the image's layers stay for the next container.
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    assertThat(containerDir).as("the container's upper, work and mount point directories").doesNotExist();
    assertThat(store.preparedRoots()).as("prepared roots in %s", store.directory()).doesNotContain(id);
    assertThat(StateStore.forCurrentUser().dir(id)).as("state directory").doesNotExist();
    for (Path cg : cgroups) {
      assertThat(cg).as("cgroup after close").doesNotExist();
    }
    assertThat(cgroupDirsNamed(id)).as("cgroups named after the container").isEmpty();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(id);
    for (Descriptor d : image.layers()) {
      assertThat(store.hasLayer(d.digest())).as("layer %s after close", d.digest()).isTrue();
    }
  }

  @Test
  void theReaperRemovesThePreparedRootOfAContainerWhoseJvmDied() throws Exception {
    // What a JVM killed with SIGKILL leaves: its state record and its container's upper and work
    // directories in the layer store (the owner below is no running process).
    String id = "f".repeat(16) + String.format("%016x", System.nanoTime());
    StateStore states = StateStore.forCurrentUser();
    LayerStore store = ContainerStarter.layers();
    states.create(id);
    store.prepareRoot(image, id, ROOTLESS); // never closed, as by a crashed JVM
    states.write(new dev.containerj.core.internal.StateRecord(id, Integer.MAX_VALUE - 1, 1, Integer.MAX_VALUE - 1, 1,
        false, System.currentTimeMillis(), "sh", ""));
    assertThat(store.preparedRoots()).contains(id);
    assertThat(Container.reapOrphans()).contains(id);
    assertThat(store.preparedRoots()).doesNotContain(id);
    assertThat(store.directory().resolve("containers").resolve(id)).doesNotExist();
    assertThat(states.dir(id)).doesNotExist();
  }

  @Test
  void aFailedStartRemovesTheUpperDirectoryAgain() throws Exception {
    List<String> before = ContainerStarter.layers().preparedRoots();
    ContainerSpec spec = ImageIds.forStore(ContainerSpec.builder().image(image), ContainerStarter.layers().directory())
        .command("/bin/no-such-command").build();
    assertThatThrownBy(() -> Container.start(spec).close()).isInstanceOf(ContainerStartException.class)
        .hasMessageContaining("/bin/no-such-command").hasMessageContaining("ENOENT");
    assertThat(ContainerStarter.layers().preparedRoots()).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void everyHelperStepOfAnImageStartFailsCleanly() throws Exception {
    LayerStore store = ContainerStarter.layers();
    ContainerSpec spec = ImageIds.forStore(ContainerSpec.builder().image(image), store.directory()).command("true")
        .hostname("faulty").build();
    List<IdMapping> gids = ContainerStarter.gidMappings(spec, ROOTLESS);
    String stateRoot = StateStore.forCurrentUser().root().toString();
    String probeId = "0".repeat(32);
    HelperProgram program;
    try (PreparedRoot probe = store.prepareRoot(image, probeId, ROOTLESS)) {
      program = RootfsProgram.build(spec, stateRoot + "/" + probeId, stateRoot, "faulty", ROOTLESS,
          ContainerStarter.uidMappings(spec, ROOTLESS), gids, probe.overlay(),
          ContainerStarter.plannedCgroupPaths(spec, ROOTLESS));
    }
    List<String> rootsBefore = store.preparedRoots();
    String mountsBefore = Files.readString(Path.of("/proc/self/mountinfo"));
    List<String> failed = new ArrayList<>();
    try {
      for (int i = 0; i < program.size(); i++) {
        FaultPlan.install(FaultPlan.helperStep(i));
        String name = program.step(i).replaceAll("[0-9a-f]{32}", "ID");
        assertThatThrownBy(() -> Container.start(spec).close()).as("step %s", name)
            .isInstanceOfSatisfying(ContainerStartException.class, e -> {
              assertThat(e.errno()).as("step %s: %s", name, e.getMessage()).hasValue(FaultPlan.INJECTED_ERRNO);
              assertThat(e.call().replaceAll("[0-9a-f]{32}", "ID")).isEqualTo(name);
              failed.add(name);
            });
        assertThat(store.preparedRoots()).as("prepared roots after a fault at %s", name)
            .containsExactlyInAnyOrderElementsOf(rootsBefore);
      }
    } finally {
      FaultPlan.install(null);
    }
    assertThat(failed).hasSize(program.size()).anySatisfy(step -> assertThat(step).startsWith("mount(overlay -> "));
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).isEqualTo(mountsBefore);
  }

  @Test
  void anImageOfAStoreOfItsOwnRunsAndLeavesItsStoreClean() throws Exception {
    Path tmp = storeBesideTheDefaultOne();
    LayerStore own = new LayerStore(tmp.resolve("store"));
    Image mine = own.importImage(ImageReference.parse("oci:" + work.resolve("layout") + ":t"));
    List<String> defaultRoots = ContainerStarter.layers().preparedRoots();
    Run.Result r = Run.run(ImageIds.forStore(ContainerSpec.builder().image(own, mine), own.directory()).command("sh", "-c", "cat /etc/motd; ls -A /opq")
        .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
    assertThat(r.out()).as(r.err()).isEqualTo("from layer 1\nnew.txt\n");
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    assertThat(own.preparedRoots()).as("prepared roots in the container's own store after close").isEmpty();
    assertThat(ContainerStarter.layers().preparedRoots()).as("this user's store is not used")
        .containsExactlyInAnyOrderElementsOf(defaultRoots);
  }

  @Test
  void anOverlayWhoseOptionsExceedAPageIsMountedWithPathsRelativeToTheStore() throws Exception {
    Path tmp = storeBesideTheDefaultOne();
    // mount(2) copies one page of options: given whole, the upperdir, last, would be lost.
    Path deep = tmp;
    for (int i = 0; i < 7; i++) {
      deep = deep.resolve(Character.toString('a' + i).repeat(200));
    }
    LayerStore far = new LayerStore(deep);
    Image mine = far.importImage(ImageReference.parse("oci:" + work.resolve("layout") + ":t"));
    Run.Result r = Run.run(ImageIds.forStore(ContainerSpec.builder().image(far, mine), far.directory()).command("sh", "-c", "cat /etc/motd; ls -A /opq; "
        + "echo w > /written && cat /written").stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
    assertThat(r.out()).as(r.err()).isEqualTo("from layer 1\nnew.txt\nw\n");
    LeakCheck.drainTeardown(); // close() left the removals to the background lane (the default)
    assertThat(far.preparedRoots()).isEmpty();
  }

  @Test
  void overlayOptionsAreMadeRelativeToTheDirectoryTheirPathsShare() {
    String[] r = dev.containerj.core.internal.RootfsProgram.relativeOverlayData(
        "lowerdir=/s/l/AB:/s/l/CD,upperdir=/s/containers/x/upper,workdir=/s/containers/x/work,userxattr");
    assertThat(r).containsExactly("/s", "lowerdir=l/AB:l/CD,upperdir=containers/x/upper,workdir=containers/x/work,userxattr");
    assertThat(dev.containerj.core.internal.RootfsProgram.relativeOverlayData("lowerdir=/a/x:/b/y,upperdir=/a/u,workdir=/a/w"))
        .isNull();
  }

  /**
   * A directory for a store of the test's own on the default store's filesystem, which can hold
   * whiteouts: java.io.tmpdir may be on an overlay (the QEMU lane's /tmp when the checkout is there),
   * and overlayfs refuses to create its own whiteout format. Removed after each test.
   */
  private static Path storeBesideTheDefaultOne() throws IOException {
    Path dir = Files.createTempDirectory(ContainerStarter.layers().directory().resolve("tmp"), "own-store-");
    OWN_STORES.add(dir);
    return dir;
  }

  private static final List<Path> OWN_STORES = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void removeOwnStores() throws IOException {
    for (Path p : OWN_STORES) {
      if (Files.exists(p)) {
        try (Stream<Path> all = Files.walk(p)) {
          for (Path q : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(q);
          }
        }
      }
    }
    OWN_STORES.clear();
  }

  private static int owner(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code lgetxattr(2)} (the layers module's binding is internal to it). */
  private static final class Xattr {
    static {
      com.sun.jna.Native.register(Xattr.class, com.sun.jna.Platform.C_LIBRARY_NAME);
    }

    static native long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;
  }

  /** The value of an xattr, or null when there is none (ENODATA). */
  private static @Nullable String xattr(Path p, String name) {
    byte[] v = new byte[256];
    try {
      long n = Xattr.lgetxattr(p.toString(), name, v, v.length);
      return new String(v, 0, (int) n, StandardCharsets.UTF_8);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 61 || e.getErrorCode() == 95) { // ENODATA, or EOPNOTSUPP: no such namespace here
        return null;
      }
      throw e;
    }
  }

  /** Directories named {@code name} anywhere in the cgroup hierarchies (v1 and v2). */
  private static List<Path> cgroupDirsNamed(String name) throws IOException {
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(Path.of("/sys/fs/cgroup"), new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes a) {
        if (dir.getFileName() != null && dir.getFileName().toString().equals(name)) {
          found.add(dir);
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
        return java.nio.file.FileVisitResult.CONTINUE; // another user's subtree: none of ours is in it
      }
    });
    return found;
  }
}
