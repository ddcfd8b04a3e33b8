package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.IdMapping;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default root: the host's {@code /} under a writable overlay whose changes vanish on
 * close. Runs as root and (CI's rootless lane) again as an ordinary user.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class HostRootOverlayTest {
  private static final boolean ROOT = LibC.geteuid() == 0;
  private static final String MARK = "cj-ovl-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

  @Test
  void writesLandInTheContainerAndVanishWithIt() throws Exception {
    Run.Result r = Run.run("mkdir /" + MARK + " && echo made > /" + MARK + "/f && cat /" + MARK + "/f"
        + " && stat -f -c %T /usr /var");
    assertThat(r.status().code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("made\noverlayfs\noverlayfs\n");
    assertThat(Path.of("/", MARK)).doesNotExist();
  }

  /**
   * Issue #11, class 6: the writable layer of the host root and the private /tmp are tmpfs, host
   * memory that outlives the writer. Each is capped (default 64 MiB): a write past the cap gets
   * ENOSPC in the container and no more than the cap is kept. Protection off: with the cap raised
   * to 1 GiB the same write goes past the old cap.
   */
  @Test
  void theWritableLayerAndTmpAreCappedAndAFullOneIsEnospc() throws Exception {
    // The default: 80 MiB into each stops at 64 MiB.
    long[] def = fill(ContainerSpec.builder(), 80);
    assertThat(def[0]).as("bytes kept in /").isGreaterThan(32L << 20).isLessThanOrEqualTo(ContainerSpec.DEFAULT_TMPFS_SIZE);
    assertThat(def[1]).as("bytes kept in /tmp").isGreaterThan(32L << 20).isLessThanOrEqualTo(ContainerSpec.DEFAULT_TMPFS_SIZE);
    // A smaller cap, in the spec.
    long cap = 32L << 20;
    long[] small = fill(ContainerSpec.builder().tmpfsSize(cap), 48);
    assertThat(small[0]).isLessThanOrEqualTo(cap);
    assertThat(small[1]).isLessThanOrEqualTo(cap);
    // Protection off: a cap far above the write lets all of it through, past the default cap.
    long[] off = fill(ContainerSpec.builder().tmpfsSize(1L << 30), 80);
    assertThat(off).containsExactly(80L << 20, 80L << 20);
  }

  /** Writes {@code mib} MiB into {@code /} and into {@code /tmp}; returns the bytes kept in each. */
  private static long[] fill(ContainerSpec.Builder b, int mib) throws Exception {
    String dd = "dd if=/dev/zero of=%s bs=1M count=" + mib + " 2>&1 | grep -o 'No space left on device'; "
        + "echo size=$(stat -c %%s %s); rm -f %s; ";
    Run.Result r = Run.run(b.command("sh", "-c", String.format(dd, "/" + MARK, "/" + MARK, "/" + MARK)
        + String.format(dd, "/tmp/big", "/tmp/big", "/tmp/big"))
        .stdout(dev.containerj.namespaces.Redirect.PIPE).stderr(dev.containerj.namespaces.Redirect.PIPE).build());
    assertThat(r.status().code()).as(r.out() + r.err()).isZero();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("size=([0-9]+)").matcher(r.out());
    long[] sizes = new long[2];
    for (int i = 0; i < 2; i++) {
      assertThat(m.find()).as(r.out()).isTrue();
      sizes[i] = Long.parseLong(m.group(1));
    }
    boolean full = sizes[0] < ((long) mib << 20);
    assertThat(r.out().split("No space left on device", -1).length - 1).as(r.out())
        .isEqualTo((full ? 1 : 0) + (sizes[1] < ((long) mib << 20) ? 1 : 0));
    return sizes;
  }

  @Test
  void aChangedHostFileIsCopiedUpAndTheHostsStaysAsItWas() throws Exception {
    // /tmp is world-writable on the host: this process owns the file it makes there, and the
    // container's root is this process's user (rootless) or, with the identity map, host root.
    Path file = Path.of("/tmp", MARK);
    Files.writeString(file, "original\n");
    try {
      ContainerSpec.Builder b = Run.sh("cat " + file + "; echo changed > " + file + " && cat " + file
          + " && rm " + file + " && ls " + file + " 2>&1; true").privateTmp(false);
      if (ROOT) {
        b.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
      }
      Run.Result r = Run.run(b.build());
      if (!ROOT && mountsBelow("/tmp")) {
        // Rootless, a top-level directory with mounts below it cannot be overlaid in the user
        // namespace (the kernel refuses layers with locked submounts): it is bound read-only.
        assertThat(r.err()).as("the documented rootless limit").contains("Read-only file system");
      } else {
        assertThat(r.out()).as(r.err()).startsWith("original\nchanged\n").contains("No such file or directory");
      }
      assertThat(Files.readString(file)).isEqualTo("original\n");
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void aWorldWritableHostDirectoryTakesNewFilesAsRootAndNotRootless() throws Exception {
    // /var/tmp belongs to the host's root, whom the container's map lacks. A root JVM's overlay is
    // mounted by the host's root, who may copy /var/tmp up; an ordinary user's overlay is mounted in
    // its user namespace, where the copy-up cannot give /var/tmp its unmapped owner.
    Run.Result r = Run.run("echo x > /var/tmp/" + MARK + " && cat /var/tmp/" + MARK);
    if (ROOT) {
      assertThat(r.out()).as(r.err()).isEqualTo("x\n");
    } else {
      // The documented rootless limits: /var/tmp cannot be copied up (EOVERFLOW), or, where it is a
      // mount of its own (the QEMU lane), /var has a mount below it and is bound read-only.
      assertThat(r.err()).as("the documented rootless limit").containsAnyOf("Value too large for defined data type",
          "Read-only file system");
    }
    assertThat(Path.of("/var/tmp", MARK)).doesNotExist();
  }

  @Test
  void aHostMountIsOverlaidTooAndTheMountsBelowItAreReadOnly() throws Exception {
    assumeTrue(ROOT, "only root can mount on the host (rootless, a directory with mounts below it is read-only)");
    // In / itself, so that the mount is one directly on /'s (a mount below another one is bound
    // read-only, as the nested one here is).
    Path point = Files.createDirectory(Path.of("/", MARK + "-mnt"));
    Path nested = point.resolve("nested");
    try {
      hostMount("tmpfs", point, "mode=0777");
      Files.writeString(point.resolve("f"), "host\n");
      // The container's root is no one on the host (the default map): a file it may write.
      Files.setPosixFilePermissions(point.resolve("f"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
      Files.createDirectory(nested);
      hostMount("tmpfs", nested, "mode=0777");
      Run.Result r = Run.run("cat " + point + "/f; echo inside > " + point + "/f && cat " + point + "/f"
          + " && stat -f -c %T " + point + "; touch " + nested + "/x");
      assertThat(r.out()).as(r.err()).isEqualTo("host\ninside\noverlayfs\n");
      assertThat(r.err()).contains(nested + "/x': Read-only file system");
      assertThat(Files.readString(point.resolve("f"))).isEqualTo("host\n");
    } finally {
      new ProcessBuilder("umount", "-R", "-l", point.toString()).inheritIO().start().waitFor();
      Files.deleteIfExists(point.resolve("f"));
      Files.deleteIfExists(nested);
      Files.deleteIfExists(point);
    }
  }

  private static void hostMount(String type, Path target, String data) throws Exception {
    Process p = new ProcessBuilder("mount", "-t", type, "-o", data, type, target.toString()).inheritIO().start();
    assertThat(p.waitFor()).as("mount %s", target).isZero();
  }

  @Test
  void theTopLevelDirectoriesKeepTheHostsModesAndLinks() throws Exception {
    Run.Result r = Run.run(
        "stat -c '%n %a' /etc /usr /var /root 2>&1; for l in /bin /lib; do echo \"$l $(readlink $l)\"; done");
    StringBuilder want = new StringBuilder();
    for (String d : new String[] {"/etc", "/usr", "/var", "/root"}) {
      int mode = (Integer) Files.getAttribute(Path.of(d), "unix:mode", LinkOption.NOFOLLOW_LINKS);
      want.append(d).append(' ').append(Integer.toOctalString(mode & 07777)).append('\n');
    }
    for (String l : new String[] {"/bin", "/lib"}) {
      Path p = Path.of(l);
      want.append(l).append(' ').append(Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString() : "")
          .append('\n');
    }
    assertThat(r.out()).isEqualTo(want.toString());
  }

  @Test
  void hostFilesKeepTheirOwnersSoTheDefaultMapCannotChangeThem() throws Exception {
    // The host's root owns /etc/passwd; the default map (root JVM: an unused range; rootless: one id)
    // does not contain host root, so the container's root may not change it, even in its overlay.
    Run.Result r = Run.run("echo x >> /etc/passwd; echo rc=$?");
    assertThat(r.out()).startsWith("rc=").isNotEqualTo("rc=0\n");
    assertThat(r.err()).contains("Permission denied");
  }

  @Test
  void aBindTargetMissingFromTheHostIsCreatedInTheContainer(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("in.txt"), "from host");
    openUp(dir);
    Path file = Files.writeString(dir.resolve("file.txt"), "a file");
    openUp(file);
    Run.Result r = Run.run(Run.sh("cat /" + MARK + "/deep/dir/in.txt; echo; cat /etc/" + MARK + ".conf")
        .mount(MountSpec.bindReadOnly(dir, "/" + MARK + "/deep/dir"))
        .mount(MountSpec.bindReadOnly(file, "/etc/" + MARK + ".conf")).build());
    assertThat(r.status().code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("from host\na file");
    assertThat(Path.of("/", MARK)).doesNotExist();
    assertThat(Path.of("/etc", MARK + ".conf")).doesNotExist();
  }

  @Test
  void aBindTargetThroughAnAbsoluteHostLinkLandsInsideTheContainer(@TempDir Path dir) throws Exception {
    assumeTrue(ROOT, "only root can make a symbolic link in the host's /");
    Path real = Files.createDirectory(Path.of("/var/tmp", MARK + "-real"));
    Path link = Files.createSymbolicLink(Path.of("/", MARK + "-link"), real);
    Files.writeString(dir.resolve("in.txt"), "volume");
    openUp(dir);
    try {
      // Before the pivot "/" is still the host's: followed naively, the absolute link would lead the
      // mkdir and the mount out of the new root, to the host's /var/tmp.
      // The identity map: the host's root owns the directory that the mount point is made in.
      Run.Result r = Run.run(Run.sh("cat " + link + "/vol/in.txt; echo; cat " + real + "/vol/in.txt")
          .uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()))
          .mount(MountSpec.bindReadOnly(dir, link + "/vol")).build());
      assertThat(r.status().code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo("volume\nvolume");
      assertThat(real.resolve("vol")).doesNotExist();
    } finally {
      Files.deleteIfExists(link);
      Files.deleteIfExists(real.resolve("vol"));
      Files.deleteIfExists(real);
    }
  }

  @Test
  void readOnlyGivesTheWholeHostRootReadOnly() throws Exception {
    Run.Result r = Run.run(Run.sh("touch /etc/" + MARK + " /" + MARK + " 2>&1; stat -f -c %T /")
        .readOnlyRootfs().build());
    assertThat(r.out()).contains("/etc/" + MARK + "': Read-only file system")
        .contains("/" + MARK + "': Read-only file system").doesNotContain("tmpfs");
  }

  private static boolean mountsBelow(String dir) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      if (line.split(" ")[4].startsWith(dir + "/")) {
        return true;
      }
    }
    return false;
  }

  /** A rootless container's user is this user, but a root JVM's default map is an unused id range. */
  private static void openUp(Path p) throws Exception {
    if (!ROOT) {
      return;
    }
    Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
    for (Path q = p.getParent(); q != null && q.startsWith("/tmp/") && !q.toString().equals("/tmp"); q = q.getParent()) {
      Files.setPosixFilePermissions(q, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    }
  }
}
