package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.namespaces.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * runc's CVE-2025-52881 class: the runtime's own writes to kernel files under {@code /proc} (here
 * {@code oom_score_adj}, written after the pivot, so through the container's tree) redirected by a
 * hostile root: a link of the root ({@code /data -> /proc}, {@code /data -> /proc/1/oom_score_adj})
 * leads a volume the user asked for over {@code /proc} or over the very file, and the write meant for
 * procfs lands in a host file (with a concurrently running container sharing the volume, in any file
 * that container points it at). Each case runs again with {@link ProtectionsOff#procWritesByPath}.
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class ProcWriteEscapeTest {

  /** A writable directory root with busybox and {@code /data} a link to {@code linkTarget}. */
  private static Path hostileRoot(Path dir, String linkTarget) throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String tool : new String[] {"sh", "cat", "stat"}) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    for (String d : new String[] {"proc", "dev", "sys", "tmp", "etc"}) {
      Files.createDirectories(root.resolve(d));
    }
    Files.createSymbolicLink(root.resolve("data"), Path.of(linkTarget));
    open(dir, "rwxrwxrwx");
    open(root, "rwxr-xr-x");
    return root;
  }

  private static void open(Path p, String mode) throws Exception {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
  }

  private static ContainerSpec spec(Path root, Path volume) {
    return spec(RootFs.writableDirectory(root), root, volume);
  }

  private static ContainerSpec spec(RootFs rootfs, Path root, Path volume) {
    return ImageIds.forDirectory(ContainerSpec.builder().rootfs(rootfs), root)
        .command("/bin/sh", "-c", "stat -f -c %T /proc; cat /proc/self/oom_score_adj")
        .oomScoreAdj(777)
        .mount(MountSpec.bind(volume, "/data")).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build();
  }

  @Test
  void aVolumeLaidOverProcThroughALinkOfTheRootTakesNoWriteOfTheRuntime(@TempDir Path dir) throws Exception {
    Path root = hostileRoot(dir, "/proc");
    // The volume: what the other container sharing it (or the host) put there.
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Path victim = Files.createDirectories(volume.resolve("self")).resolve("oom_score_adj");
    Files.writeString(victim, "victim");
    open(volume, "rwxrwxrwx");
    open(volume.resolve("self"), "rwxrwxrwx");
    open(victim, "rw-rw-rw-");

    // Protection on: /proc is not a procfs root any more, the write is refused, the start fails.
    // Protection off: the container starts with the host's volume as its /proc, and the runtime's
    // oom_score_adj went into the volume's file (written over its start: no O_TRUNC).
    onAndOff(spec(root, volume), victim, false);
  }

  @Test
  void aFileBoundOverTheProcFileThroughALinkOfTheRootTakesNoWriteOfTheRuntime(@TempDir Path dir) throws Exception {
    // The container's first process is pid 1 of its pid namespace: /proc/self after the pivot. A
    // read-only root: no mount target is created, the dangling link waits for the container's /proc.
    Path root = hostileRoot(dir, "/proc/1/oom_score_adj");
    RootFs rootfs = RootFs.directory(root);
    Path victim = dir.resolve("victim");
    Files.writeString(victim, "victim");
    open(victim, "rw-rw-rw-");

    // Protection on: the bind over the file is a mount crossed (RESOLVE_NO_XDEV): refused.
    onAndOff(spec(rootfs, root, victim), victim, true);
  }

  /**
   * The start of {@code spec} fails at the checked write and {@code victim} keeps its content; with
   * the protection off it starts, its {@code /proc} a procfs or not ({@code procfs}: the volume's
   * type, ext2/ext3 here), and the runtime's write (777) is in {@code victim}.
   */
  private static void onAndOff(ContainerSpec spec, Path victim, boolean procfs) throws Exception {
    assertThatThrownBy(() -> Run.run(spec))
        .isInstanceOf(ContainerStartException.class)
        .hasMessageContaining("write(/proc/self/oom_score_adj, procfs only)")
        .hasMessageContaining("EXDEV");
    assertThat(Files.readString(victim)).isEqualTo("victim");

    ProtectionsOff.procWritesByPath = true;
    try {
      Run.Result r = Run.run(spec);
      String[] lines = r.out().split("\n");
      assertThat(lines).as("stderr: %s", r.err()).hasSize(2);
      assertThat(lines[0].equals("proc")).as("/proc is %s", lines[0]).isEqualTo(procfs);
      assertThat(lines[1]).startsWith("777");
    } finally {
      ProtectionsOff.procWritesByPath = false;
    }
    assertThat(Files.readString(victim)).startsWith("777");
  }
}
