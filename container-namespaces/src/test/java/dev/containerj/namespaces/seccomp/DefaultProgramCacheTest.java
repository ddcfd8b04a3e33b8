package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-disk cache of the default program: an entry is used only when this user owns it and it
 * parses back whole. Each test plants a valid but different program (the hardened profile's) under
 * the lookup's key and changes one thing about it; a cache that trusted the changed entry would
 * hand that program out instead of the default one.
 */
class DefaultProgramCacheTest {
  private static final Set<String> CAPS = Set.of("CAP_CHOWN", "CAP_KILL");
  private static final String KERNEL = System.getProperty("os.version");

  @TempDir Path tmp;
  private Path dir;
  private DefaultProgramCache cache;
  private SeccompArch arch;
  private SeccompProgram expected;
  private SeccompProgram planted;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createDirectory(tmp.resolve("cache"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    cache = new DefaultProgramCache(dir, "test-compiler:1");
    arch = SeccompArch.current();
    expected = SeccompProfile.defaultProfile(CAPS).compile(arch);
    planted = SeccompProfile.hardened().compile(arch);
    assertThat(planted).isNotEqualTo(expected);
  }

  private Path plant() throws IOException {
    String key = cache.key(CAPS, KERNEL, arch);
    Path f = cache.file(key);
    Files.write(f, DefaultProgramCache.format(key, planted));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  @Test
  void aMissCompilesAndWritesAnOwnerOnlyEntryThatTheNextLookupReads() throws IOException {
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
    Path f = cache.file(cache.key(CAPS, KERNEL, arch));
    assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(f); // no temporary file left
    }
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
  }

  @Test
  void aValidOwnedEntryIsUsed() throws IOException {
    plant();
    // Proves the read path: the planted program comes back instead of a compilation.
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(planted);
  }

  @Test
  void anEntryWithAFlippedByteIsIgnoredAndRewritten() throws IOException {
    Path f = plant();
    byte[] b = Files.readAllBytes(f);
    b[b.length - 20] ^= 0x01; // inside the filter, before the checksum
    Files.write(f, b);
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
    assertThat(DefaultProgramCache.parse(Files.readAllBytes(f), cache.key(CAPS, KERNEL, arch), arch))
        .isEqualTo(expected);
  }

  @Test
  void aTruncatedEntryIsIgnored() throws IOException {
    Path f = plant();
    byte[] b = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(b, b.length - 9));
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
  }

  @Test
  void anEntryOfAnotherKeyAtTheSameNameIsIgnored() throws IOException {
    String key = cache.key(CAPS, KERNEL, arch);
    Path f = cache.file(key);
    // Another kernel's entry written under this name (as a CRC collision would).
    Files.write(f, DefaultProgramCache.format(cache.key(CAPS, "1.0.0-other", arch), planted));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
  }

  @Test
  void aGroupWritableEntryIsIgnored() throws IOException {
    Files.setPosixFilePermissions(plant(), PosixFilePermissions.fromString("rw-rw----"));
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
  }

  @Test
  void anEntryInAWorldWritableDirectoryIsIgnored() throws IOException {
    plant();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
  }

  @Test
  void aSymbolicLinkToAValidEntryIsIgnored() throws IOException {
    Path f = plant();
    Path elsewhere = Files.move(f, tmp.resolve("elsewhere"));
    Files.createSymbolicLink(f, elsewhere);
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
  }

  @Test
  void anEntryOwnedBySomeoneElseIsIgnored() throws IOException {
    // chown(2) to another user needs CAP_CHOWN: root only (an independent probe of the user name).
    assumeTrue("root".equals(System.getProperty("user.name")), "chown to another user needs root");
    Path f = plant();
    UserPrincipal nobody = f.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Files.setOwner(f, nobody);
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
  }

  @Test
  void aDirectoryOwnedBySomeoneElseIsNeitherReadNorWritten() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "chown to another user needs root");
    Path f = plant();
    UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Files.setOwner(dir, nobody);
    byte[] before = Files.readAllBytes(f);
    assertThat(cache.program(CAPS, KERNEL, arch)).isEqualTo(expected);
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
  }
}
