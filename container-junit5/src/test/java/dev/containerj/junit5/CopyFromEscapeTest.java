package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerException;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
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

  /**
   * The copy's target is bind-mounted into the container, so the payload can change it while the
   * copy runs: the stream makes {@code out/sub/} and starts {@code out/sub/f} (mode 0777); while the
   * host waits for the rest of the file's content, the payload moves {@code sub} away and puts a
   * link to a host directory in its place; the chmod after the content then landed on the host's
   * {@code victim/f} (the off-run: the copy before it was fd-relative made the root-owned 0600 file
   * {@code rwxrwxrwx}). Every step now acts on descriptors opened beneath the target with no link
   * followed: the file's mode goes to the file that was written.
   */
  @Test
  void aLinkSwappedIntoABoundTargetDuringTheCopyLeadsNowhere(@TempDir Path tmp) throws Exception {
    Path victimDir = Files.createDirectory(tmp.resolve("victim"));
    Path victim = Files.writeString(victimDir.resolve("f"), "host secret");
    Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx")); // the container's root may be any host id
    byte[] content = new byte[64 * 1024];
    Arrays.fill(content, (byte) 'x');
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      for (String d : List.of("out/", "out/sub/")) {
        TarArchiveEntry e = new TarArchiveEntry(d);
        e.setMode(040777);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      }
      TarArchiveEntry f = new TarArchiveEntry("out/sub/f");
      f.setMode(0100777);
      f.setSize(content.length);
      tar.putArchiveEntry(f);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    byte[] all = bytes.toByteArray();
    int cut = 3 * 512 + 512; // three headers and the first 512 bytes of f's content
    Path first = Files.write(tmp.resolve("p1"), Arrays.copyOfRange(all, 0, cut));
    Path rest = Files.write(tmp.resolve("p2"), Arrays.copyOfRange(all, cut, all.length));
    ContainerSpec spec = ContainerSpec.builder().command("sleep", "600")
        .env("PATH", "/tmp/bin:/usr/local/bin:/usr/bin:/bin").mount(MountSpec.bind(shared, "/shared")).build();
    try (TestContainer c = TestContainer.start(ContainerRuntime.defaults(), spec, Wait.none(), List.of())) {
      c.copyTo(first, "/tmp/p1");
      c.copyTo(rest, "/tmp/p2");
      // The payload's tar: the first part, then (once the host made out/sub/f) the swap, then the rest.
      String fake = "#!/bin/sh\ncat /tmp/p1\nwhile [ ! -e /shared/out/sub/f ]; do sleep 0.01; done\n"
          + "mv /shared/out/sub /shared/out/old && ln -s " + victimDir + " /shared/out/sub\nexec cat /tmp/p2\n";
      ExecResult r = c.exec("sh", "-c", "mkdir -p /tmp/bin && printf '" + fake + "' > /tmp/bin/tar"
          + " && chmod 755 /tmp/bin/tar && command -v tar");
      assertThat(r.stdout().strip()).as("stderr %s", r.stderr()).isEqualTo("/tmp/bin/tar");

      Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> c.copyFrom("/tmp/out", shared.resolve("out")));
      assertThat(Files.isSymbolicLink(shared.resolve("out/sub"))).as("the payload swapped the link in; copy: %s", thrown)
          .isTrue();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).as("copy: %s", thrown)
          .isEqualTo("rw-------");
      assertThat(Files.readString(victim)).isEqualTo("host secret");
      assertThat(thrown).as("the copy itself").isNull();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve("out/old/f"))))
          .as("the mode went to the file that was written").isEqualTo("rwxrwxrwx");
      assertThat(Files.size(shared.resolve("out/old/f"))).isEqualTo(content.length);
    }
  }
}
