package dev.containerj.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host root's listing from a mountinfo text and a directory of our own (no kernel state). */
class HostRootTest {
  private static final String MOUNTINFO = """
      22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
      23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw
      24 22 0:22 / /run rw,nosuid,nodev shared:3 - tmpfs tmpfs rw,mode=755
      25 24 0:23 / /run/user/1000 rw,nosuid,nodev,relatime shared:4 - tmpfs tmpfs rw
      26 22 8:2 / /home rw,relatime shared:5 - xfs /dev/sda2 rw
      27 22 0:24 / /srv/my\\040data rw,noexec - fuse.sshfs host:/d rw
      28 22 0:25 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw,lowerdir=/x
      """;

  @Test
  void mountinfoGivesEachPointItsFlagsAndType() {
    Map<String, HostRoot.MountInfo> points = HostRoot.mountPoints(MOUNTINFO);
    assertThat(points.get("/run")).isEqualTo(new HostRoot.MountInfo(2 | 4, "tmpfs"));
    assertThat(points.get("/proc")).isEqualTo(new HostRoot.MountInfo(2 | 4 | 8, "proc"));
    assertThat(points.get("/srv/my data")).as("octal escapes undone").isEqualTo(new HostRoot.MountInfo(8, "fuse.sshfs"));
    assertThat(points.get("/")).isEqualTo(new HostRoot.MountInfo(0, "ext4"));
  }

  @Test
  void theOutermostMountsAreThoseNoOtherContains() {
    Map<String, HostRoot.MountInfo> points = HostRoot.mountPoints(MOUNTINFO);
    assertThat(HostRoot.outermost(points.keySet(), "")).containsExactly("/home", "/proc", "/run", "/srv/my data",
        "/var/lib/docker/overlay2/abc/merged");
    assertThat(HostRoot.outermost(points.keySet(), "/run")).containsExactly("/run/user/1000");
    assertThat(HostRoot.outermost(List.of("/a", "/a-b", "/a/c"), "")).as("'-' sorts before '/'")
        .containsExactly("/a", "/a-b");
  }

  @Test
  void topLevelEntriesAreOverlaidUnlessTheyCannotBe(@TempDir Path root) throws Exception {
    Files.createDirectory(root.resolve("usr"));
    Files.createDirectory(root.resolve("run"));
    Files.createDirectory(root.resolve("proc"));
    Files.createDirectory(root.resolve("srv"));
    Files.createDirectory(root.resolve("a,b"));
    Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
    Files.writeString(root.resolve("note"), "x");
    Map<String, HostRoot.MountInfo> points = HostRoot.mountPoints(MOUNTINFO + "29 22 0:26 / /srv rw - fuse.x x rw\n");
    Map<String, HostRoot.Kind> kinds = new java.util.TreeMap<>();
    HostRoot.scan(root, points).forEach(e -> kinds.put(e.name(), e.kind()));
    assertThat(kinds).containsExactlyInAnyOrderEntriesOf(Map.of(
        "usr", HostRoot.Kind.OVERLAY,
        "run", HostRoot.Kind.BIND,          // mounts below it
        "proc", HostRoot.Kind.MOUNT_POINT,
        "srv", HostRoot.Kind.BIND,          // a fuse mount: not known to serve as a lower layer
        "a,b", HostRoot.Kind.BIND,          // a comma would split overlay's options
        "bin", HostRoot.Kind.SYMLINK,
        "note", HostRoot.Kind.FILE));
  }
}
