package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.layers.Image;
import dev.containerj.linux.internal.KernelFeatures;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image and directory roots of a root JVM run with the unused id range, like the host root (issue
 * #11, class 3): their host-owned files are shown through idmapped mounts, so the container's root
 * owns its image but is no one on the host. {@code IdMapping.identity()} is the opt-out, and the
 * "off" run of each test.
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class ImageRootIdsTest {
  @TempDir static Path work;
  private static Image image;
  private static Path rootfs;
  private static Path hostFile;


  @BeforeAll
  static void buildImage() throws Exception {
    assumeTrue(LibC.geteuid() == 0, "the id maps of image and directory roots are a root JVM's (rootless: the caller's)");
    image = UmociImage.build(work, root -> Files.createDirectories(root.resolve("etc")));
    rootfs = work.resolve("bundle/rootfs");
    hostFile = Files.writeString(work.resolve("host-root-file"), "host\n"); // the host's root's, 0644
  }

  private static void assumeIdmapped(Path dir, boolean overlay) {
    KernelFeatures.Feature f = KernelFeatures.idmappedMounts(dir, overlay);
    assumeTrue(f.available(), "not applicable here: " + f.unavailabilityCause()
        + " (such a root then needs IdMapping.identity(); the decision: IdmappedMountsProbeTest)");
  }

  private static final String IDS = "echo uid_map: $(cat /proc/self/uid_map); echo owner: $(busybox stat -c %u:%g /bin/busybox);"
      + " echo x > /new-file && echo write: ok; (echo y >> /bound) 2>/dev/null && echo bound: written || echo bound: refused";

  private static String run(ContainerSpec.Builder b) throws Exception {
    Run.Result r = Run.run(b.stdout(dev.containerj.namespaces.Redirect.PIPE).stderr(dev.containerj.namespaces.Redirect.PIPE).build());
    assertThat(r.status().code()).as("stdout %s stderr %s", r.out(), r.err()).isZero();
    return r.out();
  }

  private static ContainerSpec.Builder identity(ContainerSpec.Builder b) {
    return b.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
  }

  private static String range() {
    return "uid_map: 0 " + ContainerStarter.ROOT_ID_BASE + " " + ContainerStarter.ROOT_ID_COUNT;
  }

  @Test
  void anImageRootHasTheUnusedRangeAndOwnsItsFiles() throws Exception {
    assumeIdmapped(ContainerStarter.layers().directory(), true);
    ContainerSpec.Builder b = ContainerSpec.builder().image(image).mount(MountSpec.bind(hostFile, "/bound"))
        .command("sh", "-c", IDS);
    assertThat(run(b)).isEqualTo(range() + "\nowner: 0:0\nwrite: ok\nbound: refused\n");
    assertThat(hostFile).hasContent("host");
    // Protection off (the identity map, the old default): the container's root is the host's and
    // writes the host's root-owned file.
    assertThat(run(identity(ContainerSpec.builder().image(image).mount(MountSpec.bind(hostFile, "/bound"))
        .command("sh", "-c", IDS)))).isEqualTo("uid_map: 0 0 4294967295\nowner: 0:0\nwrite: ok\nbound: written\n");
    Files.writeString(hostFile, "host\n");
  }

  @Test
  void aDirectoryRootHasTheUnusedRangeAndWritesAsTheFilesOwners() throws Exception {
    assumeIdmapped(rootfs, false);
    Files.deleteIfExists(rootfs.resolve("new-file"));
    ContainerSpec.Builder b = ContainerSpec.builder().rootfs(RootFs.writableDirectory(rootfs))
        .mount(MountSpec.bind(hostFile, "/bound")).command("/bin/sh", "-c", IDS);
    assertThat(run(b)).isEqualTo(range() + "\nowner: 0:0\nwrite: ok\nbound: refused\n");
    // Written through the idmapped root: on the host the file belongs to the tree's own owner.
    assertThat(Files.getAttribute(rootfs.resolve("new-file"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0);
    assertThat(hostFile).hasContent("host");
    Files.delete(rootfs.resolve("new-file"));
    // A read-only directory root reads the same owners and refuses writes.
    assertThat(run(ContainerSpec.builder().rootfs(RootFs.directory(rootfs))
        .command("/bin/sh", "-c", "echo owner: $(busybox stat -c %u:%g /bin/busybox); touch /x 2>&1 || true")))
        .contains("owner: 0:0").contains("Read-only file system");
    // Protection off: the identity map.
    assertThat(run(identity(ContainerSpec.builder().rootfs(RootFs.writableDirectory(rootfs))
        .mount(MountSpec.bind(hostFile, "/bound")).command("/bin/sh", "-c", IDS))))
        .isEqualTo("uid_map: 0 0 4294967295\nowner: 0:0\nwrite: ok\nbound: written\n");
    Files.writeString(hostFile, "host\n");
    Files.deleteIfExists(rootfs.resolve("new-file"));
  }

  @Test
  void aRootWhoseFilesystemCannotBeIdmappedIsRefusedBeforeAnythingIsMade() throws Exception {
    // devtmpfs takes no idmapped mounts: the start fails naming the filesystem and the opt-out.
    Path dev = Path.of("/dev");
    assumeTrue(!KernelFeatures.idmappedMounts(dev, false).available(), "/dev takes idmapped mounts here");
    List<String> before = dev.toFile().list() == null ? List.of() : List.of(dev.toFile().list());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Container.start(ContainerSpec.builder()
            .rootfs(RootFs.directory(dev)).command("/bin/true").build()))
        .isInstanceOf(dev.containerj.core.UnsupportedHostException.class)
        .hasMessageContaining("idmapped mounts of /dev").hasMessageContaining("devtmpfs")
        .hasMessageContaining("IdMapping.identity() (--userns host)");
    assertThat(dev.toFile().list()).containsExactlyInAnyOrderElementsOf(before);
  }

  private static final String CORE_PATTERN = "busybox umount /proc/sys 2>/dev/null && echo umount: OK || echo umount: refused;"
      + " echo core_pattern: $( (: >> /proc/sys/kernel/core_pattern && echo OK) 2>&1 | busybox sed 's/.*: //')";

  @Test
  void anImageContainerWithSysAdminCannotOpenTheHostsCorePattern() throws Exception {
    assumeIdmapped(ContainerStarter.layers().directory(), true);
    // Only opened (O_APPEND, nothing written): in the "off" run a write would change the host.
    ContainerSpec.Builder b = ContainerSpec.builder().image(image).addCapability(Capability.CAP_SYS_ADMIN)
        .command("sh", "-c", CORE_PATTERN);
    // Locked /proc/sys, and a root that is not the host's: the permission check refuses first.
    assertThat(run(b)).isEqualTo("umount: refused\ncore_pattern: Permission denied\n");
    ProtectionsOff.unlockedMounts = true;
    try {
      // Each protection alone holds: unlocked, the unused range still refuses the open.
      assertThat(run(ContainerSpec.builder().image(image).addCapability(Capability.CAP_SYS_ADMIN)
          .command("sh", "-c", CORE_PATTERN))).isEqualTo("umount: OK\ncore_pattern: Permission denied\n");
      // Both off (the old assembly and the identity map): the host's kernel.core_pattern opens for writing.
      assertThat(run(identity(ContainerSpec.builder().image(image).addCapability(Capability.CAP_SYS_ADMIN)
          .command("sh", "-c", CORE_PATTERN)))).isEqualTo("umount: OK\ncore_pattern: OK\n");
    } finally {
      ProtectionsOff.unlockedMounts = false;
    }
    // The identity map alone, locked: the read-only /proc/sys refuses.
    assertThat(run(identity(ContainerSpec.builder().image(image).addCapability(Capability.CAP_SYS_ADMIN)
        .command("sh", "-c", CORE_PATTERN)))).isEqualTo("umount: refused\ncore_pattern: Read-only file system\n");
  }

  @Test
  void anImageContainerCannotRaiseItsMemoryLimitThroughCgroupV1() throws Exception {
    assumeIdmapped(ContainerStarter.layers().directory(), true);
    assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/memory")),
        "no cgroup v1 memory hierarchy on this host (a cgroup v2 host): nothing to mount");
    String script = "busybox mkdir -p /tmp/cg; busybox mount -t cgroup -o memory cgroup /tmp/cg 2>/dev/null"
        + " && echo mount: OK || echo mount: refused; echo limit: $(cat /tmp/cg/memory.limit_in_bytes);"
        + " echo raise: $( (echo 1073741824 > /tmp/cg/memory.limit_in_bytes && echo OK) 2>&1 | busybox sed 's/.*: //')";
    ContainerSpec.Builder b = ContainerSpec.builder().image(image).addCapability(Capability.CAP_SYS_ADMIN).cgroup(true)
        .limits(CgroupLimits.builder().memoryMax(64L << 20).build()).command("sh", "-c", script);
    // The hierarchy may be mounted (its root is the container's own cgroup), but its files belong to
    // the host's root, whom the unused range does not contain.
    assertThat(run(b)).isEqualTo("mount: OK\nlimit: 67108864\nraise: Permission denied\n");
    // Protection off (the identity map): the container raises its own limit.
    assertThat(run(identity(ContainerSpec.builder().image(image).addCapability(Capability.CAP_SYS_ADMIN).cgroup(true)
        .limits(CgroupLimits.builder().memoryMax(64L << 20).build()).command("sh", "-c", script))))
        .isEqualTo("mount: OK\nlimit: 67108864\nraise: OK\n");
  }
}
