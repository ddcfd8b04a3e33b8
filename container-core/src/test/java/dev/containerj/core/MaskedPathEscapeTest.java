package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.linux.internal.ProcFiles;
import dev.containerj.namespaces.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * runc's CVE-2025-31133 class: the {@code /dev/null} bound over the masked paths swapped for a link
 * to a writable kernel file ({@code /proc/sys/kernel/core_pattern}) by a hostile root or by a
 * container sharing a volume: here a root's link {@code /data -> /dev} leads the user's volume over
 * the container's {@code /dev}, and the volume's {@code null} is a link to core_pattern. Bound over
 * {@code /proc/interrupts}, core_pattern would be reachable outside the read-only {@code /proc/sys}.
 * The second run resolves the mask's source in the container's tree
 * ({@link ProtectionsOff#maskSourceInRoot}).
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class MaskedPathEscapeTest {

  @Test
  void aLinkAtTheContainersDevNullIsNotWhatMasksTheMaskedPaths(@TempDir Path dir) throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String tool : new String[] {"sh", "cat", "stat", "readlink", "wc"}) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    for (String d : new String[] {"proc", "dev", "sys", "tmp", "etc"}) {
      Files.createDirectories(root.resolve(d));
    }
    Files.createSymbolicLink(root.resolve("data"), Path.of("/dev"));
    // The volume, as a hostile container sharing it left it.
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Files.createSymbolicLink(volume.resolve("null"), Path.of("/proc/sys/kernel/core_pattern"));
    for (Path p : new Path[] {dir, root, volume}) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    ContainerSpec spec = ImageIds.forDirectory(ContainerSpec.builder().rootfs(RootFs.writableDirectory(root)), root)
        .command("/bin/sh", "-c", "readlink /dev/null; stat -c '%F %t:%T' /proc/interrupts; cat /proc/interrupts")
        .mount(MountSpec.bind(volume, "/data")).stdout(Redirect.PIPE).stderr(Redirect.PIPE).build();
    String corePattern = ProcFiles.read("/proc/sys/kernel/core_pattern");
    assertThat(corePattern).isNotEmpty();

    // Protection on: the volume is the container's /dev (its null the link), yet /proc/interrupts is
    // the host's /dev/null (char 1:3) and reads nothing.
    Run.Result on = Run.run(spec);
    assertThat(on.out()).as("stderr: %s", on.err())
        .isEqualTo("/proc/sys/kernel/core_pattern\ncharacter special file 1:3\n");

    // Protection off: the link picked the source, core_pattern is bound over /proc/interrupts.
    ProtectionsOff.maskSourceInRoot = true;
    Run.Result off;
    try {
      off = Run.run(spec);
    } finally {
      ProtectionsOff.maskSourceInRoot = false;
    }
    assertThat(off.out()).as("stderr: %s", off.err())
        .isEqualTo("/proc/sys/kernel/core_pattern\nregular empty file 0:0\n" + corePattern);
  }
}
