package dev.containerj.namespaces.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URL;
import java.security.CodeSource;
import java.security.cert.Certificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
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

  // --- the parts of an entry, each at its limit: one byte or one field off is a miss ---

  private static final String KEY = "k\n";

  private static SeccompProgram program(int insns, int flags, List<String> skipped) {
    byte[] filter = new byte[insns * 8];
    for (int i = 0; i < filter.length; i++) {
      filter[i] = (byte) i;
    }
    return new SeccompProgram(SeccompArch.X86_64, filter, flags, skipped);
  }

  /** An entry laid out as format writes it, from the given fields, with a correct checksum. */
  private static byte[] entry(int magic, String key, String arch, int flags, List<String> skipped, int declaredLen,
      byte[] filter, byte[] trailer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeUTF(key);
    out.writeUTF(arch);
    out.writeInt(flags);
    out.writeInt(skipped.size());
    for (String name : skipped) {
      out.writeUTF(name);
    }
    out.writeInt(declaredLen);
    out.write(filter);
    out.write(trailer);
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    return bytes.toByteArray();
  }

  private static final int MAGIC = 0x434a5331;

  @Test
  void formatAndParseAreInverseWithFlagsAndSkippedNames() throws IOException {
    SeccompProgram p = program(3, 5, List.of("a", "b"));
    SeccompProgram back = DefaultProgramCache.parse(DefaultProgramCache.format(KEY, p), KEY, SeccompArch.X86_64);
    assertThat(back).isEqualTo(p);
    assertThat(back.installFlags()).isEqualTo(5);
    assertThat(back.skippedSyscalls()).containsExactly("a", "b");
    assertThat(back.arch()).isEqualTo(SeccompArch.X86_64);
    // the format is the one written by hand here, so the cases below change one field each
    assertThat(DefaultProgramCache.format(KEY, p))
        .isEqualTo(entry(MAGIC, KEY, "X86_64", 5, List.of("a", "b"), 24, p.bytes(), new byte[0]));
  }

  @Test
  void eachFieldOutOfPlaceIsAMiss() throws IOException {
    byte[] f = program(2, 0, List.of()).bytes();
    SeccompArch x = SeccompArch.X86_64;
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 16, f, new byte[0]), KEY, x))
        .isEqualTo(program(2, 0, List.of()));
    assertThat(DefaultProgramCache.parse(entry(MAGIC + 1, KEY, "X86_64", 0, List.of(), 16, f, new byte[0]), KEY, x)).isNull();
    assertThat(DefaultProgramCache.parse(entry(MAGIC, "other", "X86_64", 0, List.of(), 16, f, new byte[0]), KEY, x)).isNull();
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "AARCH64", 0, List.of(), 16, f, new byte[0]), KEY, x)).isNull();
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 16, f, new byte[0]), KEY,
        SeccompArch.AARCH64)).isNull();
    // a length of no instruction, not a multiple of 8, or more than the file holds
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 0, new byte[0], new byte[0]), KEY, x)).isNull();
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), -8, new byte[0], new byte[0]), KEY, x)).isNull();
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 12, Arrays.copyOf(f, 12), new byte[0]), KEY, x)).isNull();
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 24, f, new byte[0]), KEY, x)).isNull();
    // a length past the filter and the checksum both: a miss, not an end-of-file error
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 32, f, new byte[0]), KEY, x)).isNull();
    // the length exactly to the checksum, and one instruction of slack
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 8, Arrays.copyOf(f, 8), new byte[8]), KEY, x)).isNull();
    // bytes after the filter, before the checksum
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, List.of(), 16, f, new byte[1]), KEY, x)).isNull();
    // a negative count of skipped names
    byte[] negative = entry(MAGIC, KEY, "X86_64", 0, List.of(), 16, f, new byte[0]);
    int countAt = 4 + 2 + KEY.length() + 2 + "X86_64".length() + 4;
    negative[countAt] = (byte) 0xff;
    assertThat(DefaultProgramCache.parse(negative, KEY, x)).isNull();
    // a wrong checksum
    byte[] sum = entry(MAGIC, KEY, "X86_64", 0, List.of(), 16, f, new byte[0]);
    sum[sum.length - 1] ^= 1;
    assertThat(DefaultProgramCache.parse(sum, KEY, x)).isNull();
  }

  @Test
  void theLimitsOfNamesAndInstructionsAreInclusive() throws IOException {
    List<String> many = Collections.nCopies(4096, "s");
    SeccompProgram most = program(4096, 0, many);
    SeccompProgram back = DefaultProgramCache.parse(DefaultProgramCache.format(KEY, most), KEY, SeccompArch.X86_64);
    assertThat(back).isEqualTo(most);
    assertThat(back.skippedSyscalls()).hasSize(4096);
    byte[] f = program(1, 0, List.of()).bytes();
    assertThat(DefaultProgramCache.parse(entry(MAGIC, KEY, "X86_64", 0, Collections.nCopies(4097, "s"), 8, f, new byte[0]),
        KEY, SeccompArch.X86_64)).isNull();
    assertThat(DefaultProgramCache.parse(DefaultProgramCache.format(KEY, program(4097, 0, List.of())), KEY,
        SeccompArch.X86_64)).isNull();
  }

  @Test
  void aFileAtTheSizeLimitIsReadAndOneByteMoreIsNot() throws IOException {
    String key = cache.key(CAPS, KERNEL, arch);
    // pad the skipped names so that the entry is exactly 64 KiB, then one byte more
    for (int extra = 0; extra <= 1; extra++) {
      int base = DefaultProgramCache.format(key, new SeccompProgram(arch, new byte[8], 0, List.of(""))).length;
      String pad = "p".repeat(65536 - base + extra);
      SeccompProgram p = new SeccompProgram(arch, new byte[8], 0, List.of(pad));
      byte[] bytes = DefaultProgramCache.format(key, p);
      assertThat(bytes.length).isEqualTo(65536 + extra);
      Path f = cache.file(key);
      Files.write(f, bytes);
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
      assertThat(cache.read(key, arch)).isEqualTo(extra == 0 ? p : null);
    }
  }

  @Test
  void anEntryWithoutRoomForItsChecksumIsAnError() throws IOException {
    assertThatThrownBy(() -> DefaultProgramCache.parse(new byte[7], KEY, SeccompArch.X86_64))
        .isInstanceOf(EOFException.class).hasMessageContaining("7 bytes");
    assertThat(DefaultProgramCache.parse(new byte[8], KEY, SeccompArch.X86_64)).isNull(); // no magic
  }

  @Test
  void aShortFileIsAMiss() throws IOException {
    String key = cache.key(CAPS, KERNEL, arch);
    Path f = cache.file(key);
    Files.write(f, new byte[7]);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertThat(cache.read(key, arch)).isNull();
  }

  @Test
  void keysNameEveryInputAndIgnoreTheOrderOfCapabilities() {
    String k = cache.key(Set.of("CAP_A", "CAP_B"), "6.1", SeccompArch.X86_64);
    assertThat(k).isEqualTo("default-profile\ncompiler test-compiler:1\ncaps CAP_A,CAP_B\nkernel 6.1\narch X86_64\n");
    assertThat(cache.file(k)).isEqualTo(cache.file(cache.key(new java.util.LinkedHashSet<>(List.of("CAP_B", "CAP_A")),
        "6.1", SeccompArch.X86_64)));
    assertThat(cache.file(k).getParent()).isEqualTo(dir);
    assertThat(cache.file(k).getFileName().toString()).matches("seccomp-[0-9a-f]+\\.bpf");
    assertThat(cache.file(k)).isNotEqualTo(cache.file(cache.key(Set.of("CAP_A"), "6.1", SeccompArch.X86_64)));
  }

  @Test
  void ownedIsTheUsersOwnNotWritableByOthersAndOfTheRightKind() throws IOException {
    Path file = Files.createFile(dir.resolve("f"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rw-------")));
    assertThat(DefaultProgramCache.owned(file, false)).isTrue();
    assertThat(DefaultProgramCache.owned(dir, true)).isTrue();
    assertThat(DefaultProgramCache.owned(file, true)).isFalse();
    assertThat(DefaultProgramCache.owned(dir, false)).isFalse();
    assertThat(DefaultProgramCache.owned(dir.resolve("missing"), false)).isFalse();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw----r--"));
    assertThat(DefaultProgramCache.owned(file, false)).isTrue(); // readable by others is not a way in
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-----w-"));
    assertThat(DefaultProgramCache.owned(file, false)).isFalse();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw--w----"));
    assertThat(DefaultProgramCache.owned(file, false)).isFalse();
  }

  @Test
  void aFailedRenameLeavesNoTemporaryFile() throws IOException {
    String key = cache.key(CAPS, KERNEL, arch);
    Path f = Files.createDirectory(cache.file(key));
    Files.createFile(f.resolve("keep")); // a non-empty directory at the entry's name: the rename fails
    cache.write(key, expected);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(f);
    }
  }

  @Test
  void theCacheIsMadeOnlyForADirectoryAndAJarFile() throws IOException {
    Path jar = Files.write(tmp.resolve("compiler.jar"), new byte[] {1, 2, 3});
    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(1234000));
    CodeSource location = new CodeSource(jar.toUri().toURL(), (Certificate[]) null);
    assertThat(DefaultProgramCache.compilerIdentity(location)).isEqualTo(jar + ":3:1234000");
    assertThat(DefaultProgramCache.compilerIdentity(source(tmp.toUri().toURL()))).isNull();
    assertThat(DefaultProgramCache.compilerIdentity(source(tmp.resolve("missing.jar").toUri().toURL()))).isNull();
    assertThat(DefaultProgramCache.compilerIdentity(source(new URL("http://example.invalid/x.jar")))).isNull();
    assertThat(DefaultProgramCache.compilerIdentity(source(null))).isNull();
    assertThat(DefaultProgramCache.compilerIdentity(null)).isNull();
    DefaultProgramCache c = DefaultProgramCache.of(dir.toString(), location);
    assertThat(c).isNotNull();
    String key = c.key(CAPS, KERNEL, arch);
    assertThat(key).contains("compiler " + jar + ":3:1234000\n");
    assertThat(c.file(key).getParent()).isEqualTo(dir);
    assertThat(DefaultProgramCache.of(dir.toString(), source(tmp.toUri().toURL()))).isNull();
    assertThat(DefaultProgramCache.of("", location)).isNull();
    assertThat(DefaultProgramCache.of(null, location)).isNull();
  }

  private static CodeSource source(@org.jspecify.annotations.Nullable URL url) {
    return new CodeSource(url, (Certificate[]) null);
  }

  @Test
  void withoutThePropertyTheDefaultIsCompiledAsBefore() {
    assertThat(System.getProperty(DefaultProgramCache.DIR_PROPERTY)).isNull();
    assertThat(DefaultProgramCache.fromSystemProperty()).isNull();
    assertThat(SeccompProfile.compileDefault(CAPS, arch)).isEqualTo(expected);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
