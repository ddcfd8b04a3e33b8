package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.linux.SyscallException;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts in the test JVM's mount namespace, read back from /proc/self/mountinfo. */
@Tag("kernel")
class MountTest {
  @TempDir Path tmp;

  @BeforeEach
  void needRoot() {
    Assumptions.assumeTrue(LibC.geteuid() == 0,
        "mounts in the JVM's own mount namespace need root; the rootless overlay is tested in RootlessOverlayTest");
  }

  /** The mountinfo line (proc(5)) whose mount point is {@code target}. */
  static Optional<String> mountinfo(Path target) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f[4].equals(target.toString())) {
        return Optional.of(line);
      }
    }
    return Optional.empty();
  }

  @Test
  void tmpfsWithSizeAndMode() throws IOException {
    Path t = Files.createDirectory(tmp.resolve("t"));
    Mount m = Mount.tmpfs(t).sizeBytes(1 << 20).mode(0750).build();
    assertThat(m.fstype()).isEqualTo("tmpfs");
    try (MountPoint mp = m.mount()) {
      String line = mountinfo(t).orElseThrow();
      assertThat(line).contains(" - tmpfs tmpfs ").contains("size=1024k").contains("mode=750");
      assertThat(Files.getAttribute(t, "unix:mode")).isEqualTo(040750);
      mp.close();
      mp.close();
      assertThat(mountinfo(t)).isEmpty();
    }
  }

  @Test
  void readOnlyPrivateBind() throws IOException {
    Path src = Files.createDirectory(tmp.resolve("src"));
    Files.writeString(src.resolve("f"), "x");
    Path dst = Files.createDirectory(tmp.resolve("dst"));
    Mount m = Mount.bind(src, dst).readOnly(true).propagation(Mount.Propagation.PRIVATE).build();
    assertThat(m.calls()).hasSize(3);
    try (MountPoint mp = m.mount()) {
      String line = mountinfo(dst).orElseThrow();
      assertThat(line.split(" ")[5]).startsWith("ro");
      assertThat(line.split(" - ")[0]).doesNotContain("shared:");
      assertThat(dst.resolve("f")).hasContent("x");
      assertThatThrownBy(() -> Files.writeString(dst.resolve("g"), "y"))
          .hasMessageContaining("Read-only file system");
    }
    assertThat(mountinfo(dst)).isEmpty();
  }

  @Test
  void procAndSysfs() throws IOException {
    Path p = Files.createDirectory(tmp.resolve("proc"));
    Path s = Files.createDirectory(tmp.resolve("sys"));
    try (MountPoint a = Mount.proc(p).mount(); MountPoint b = Mount.sysfs(s).mount()) {
      assertThat(p.resolve("self/status")).exists();
      assertThat(mountinfo(p).orElseThrow()).contains(" - proc proc ");
      assertThat(s.resolve("kernel")).isDirectory();
      assertThat(mountinfo(s).orElseThrow()).contains(" - sysfs sysfs ").contains(" ro,");
    }
  }

  @Test
  void overlayWithOptionsLongerThanAPage() throws IOException, InterruptedException {
    String overlay = OverlayProbe.problem(false);
    Assumptions.assumeTrue(overlay.isEmpty(), "overlay not tested: " + overlay);
    Mount m = longOverlay();
    try (MountPoint mp = m.mount()) {
      assertLongOverlayWorks(m);
    }
    assertThat(mountinfo(m.target())).isEmpty();
  }

  /** What kernels before 6.8 (no fsconfig lowerdir+) get: every directory as /proc/self/fd/N. */
  @Test
  void overlayWithOptionsLongerThanAPageThroughDescriptors() throws IOException, InterruptedException {
    String overlay = OverlayProbe.problem(false);
    Assumptions.assumeTrue(overlay.isEmpty(), "overlay not tested: " + overlay);
    Mount m = longOverlay();
    long fdsBefore = openFds();
    m.mountOverlayThroughFds();
    try (MountPoint mp = new MountPoint(m.target())) {
      assertLongOverlayWorks(m);
      // A descriptor the mount left open makes the count higher; one fewer is another thread of this
      // JVM closing its own (seen once in the QEMU lane: 23 against 24).
      assertThat(openFds()).as("descriptors left open").isLessThanOrEqualTo(fdsBefore);
    }
    assertThat(mountinfo(m.target())).isEmpty();
  }

  private static long openFds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private void assertLongOverlayWorks(Mount m) throws IOException {
    Path merged = m.target();
    assertThat(mountinfo(merged).orElseThrow()).contains(" - overlay overlay ");
    assertThat(merged.resolve("layer-0")).hasContent("layer 0");
    assertThat(merged.resolve("layer-59")).hasContent("layer 59");
    assertThat(merged.resolve("shadowed")).hasContent("from layer 59");
    Files.writeString(merged.resolve("new"), "upper");
    assertThat(java.util.Objects.requireNonNull(m.upperDir()).resolve("new")).hasContent("upper");
  }

  private Mount longOverlay() throws IOException {
    String longName = "a-deliberately-long-directory-name-to-fill-the-option-string-".repeat(2);
    List<Path> lowers = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Path l = Files.createDirectories(tmp.resolve(longName + i));
      Files.writeString(l.resolve("layer-" + i), "layer " + i);
      Files.writeString(l.resolve("shadowed"), "from layer " + i);
      lowers.add(0, l); // uppermost first: layer 59 on top
    }
    Path upper = Files.createDirectory(tmp.resolve("upper"));
    Path work = Files.createDirectory(tmp.resolve("work"));
    Path merged = Files.createDirectory(tmp.resolve("merged"));
    Mount m = Mount.overlay(merged).lowerDirs(lowers).upper(upper, work).volatileUpper(true).build();
    assertThat(m.data().length()).isGreaterThan(4096);
    assertThat(m.fitsInOnePage()).isFalse();
    return m;
  }

  @Test
  void failedMountNamesSourceTargetTypeAndErrno() throws IOException {
    Path merged = Files.createDirectory(tmp.resolve("m"));
    Mount m = Mount.overlay(merged).lowerDirs(List.of(tmp.resolve("missing-a"), tmp.resolve("missing-b"))).build();
    assertThatThrownBy(m::mount).isInstanceOf(SyscallException.class)
        .hasMessageContaining("overlay -> " + merged).hasMessageContaining("type overlay")
        .hasMessageContaining("ENOENT");
    Path missing = tmp.resolve("no-such-target");
    assertThatThrownBy(() -> Mount.tmpfs(missing).build().mount()).isInstanceOf(SyscallException.class)
        .hasMessage("mount(tmpfs -> " + missing + " (type tmpfs, flags 0x6)) failed: ENOENT (No such file or directory)");
  }
}
