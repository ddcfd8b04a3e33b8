package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerException;
import dev.containerj.core.ContainerSpec;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * copyFrom reads a tar stream that the container's own {@code tar} writes: the payload can replace
 * that program (here through the image's PATH) and send any stream. These are the attacks on the
 * host side of the copy.
 */
@Tag("kernel")
class CopyFromEscapeTest {
  @RegisterExtension
  ContainerExtension box = ContainerExtension.of(ContainerSpec.builder().command("sleep", "600")
      .env("PATH", "/tmp/bin:/usr/local/bin:/usr/bin:/bin").build());

  /**
   * A link entry {@code out/x -> HOST_DIR} and then a directory entry {@code out/x/} with mode 0777:
   * the directory entry must not chmod the host directory the link leads to (without the check in
   * {@code TarCopy.extract}, a private host directory became {@code rwxrwxrwx}; as a root JVM that
   * could be {@code /etc}).
   */
  @Test
  void aDirectoryEntryOnALinkTheStreamMadeCannotChmodAHostDirectory(@TempDir Path tmp) throws Exception {
    Path victim = Files.createDirectory(tmp.resolve("victim"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path evil = tmp.resolve("evil.tar");
    try (OutputStream f = Files.newOutputStream(evil); TarArchiveOutputStream tar = new TarArchiveOutputStream(f)) {
      TarArchiveEntry top = new TarArchiveEntry("out/");
      top.setMode(040755);
      tar.putArchiveEntry(top);
      tar.closeArchiveEntry();
      TarArchiveEntry link = new TarArchiveEntry("out/x", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName(victim.toString());
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
      TarArchiveEntry dir = new TarArchiveEntry("out/x/");
      dir.setMode(040777);
      tar.putArchiveEntry(dir);
      tar.closeArchiveEntry();
    }
    box.container().copyTo(evil, "/tmp/evil.tar");
    // The payload replaces the tar that copyFrom runs with one that sends its stream.
    ExecResult r = box.container().exec("sh", "-c", "mkdir -p /tmp/bin && printf '#!/bin/sh\\nexec cat /tmp/evil.tar\\n'"
        + " > /tmp/bin/tar && chmod 755 /tmp/bin/tar && command -v tar");
    assertThat(r.stdout().strip()).isEqualTo("/tmp/bin/tar");

    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
        () -> box.container().copyFrom("/tmp/out", tmp.resolve("out")));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rwx------");
    assertThat(thrown).isInstanceOf(ContainerException.class).hasMessageContaining("refused entry out/x/")
        .hasMessageContaining("is a symbolic link");
  }
}
