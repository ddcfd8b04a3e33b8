package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The launcher script ({@code src/main/launchers/containerj}) run for real: in a temporary
 * installation made of a copy of the script under both names and a jar of this test's class path,
 * readable by {@code nobody}. What the JVM maps is read from its own class-load log ("source: shared
 * objects file"), not from the launcher's word.
 */
class LauncherTest {
  private static final String MAIN_LINE = "dev.containerj.examples.cli.ContainerjCommand source: ";

  private static Path install;
  private static Path launcher;
  private static Path jar;

  @BeforeAll
  static void installLauncherAndJar() throws IOException {
    install = Files.createTempDirectory("containerj-launcher-test-");
    Files.setPosixFilePermissions(install, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path bin = Files.createDirectories(install.resolve("bin"));
    launcher = bin.resolve("containerj");
    Files.copy(Path.of("src/main/launchers/containerj"), launcher);
    Files.copy(launcher, bin.resolve("containerj-runtime"));
    for (Path p : List.of(launcher, bin.resolve("containerj-runtime"))) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    jar = install.resolve("containerj.jar");
    fatJar(jar);
  }

  @AfterAll
  static void removeInstall() throws IOException {
    deleteTree(install);
  }

  @Test
  void picksTheNewestJdkAndRunsFromItsCacheAfterRecordingIt() throws Exception {
    Path cache = install.resolve("cache-newest");
    Jdk newest = Jdk.newest();
    Map<String, String> env = Map.of("CONTAINERJ_CACHE", cache.toString());

    Result first = launch(env, "--version");
    assertThat(first.code).as(first.err).isZero();
    assertThat(first.err).contains("containerj-launcher: java " + newest.home.resolve("bin/java"))
        .contains("recording " + cache);
    // JVM warnings (the AOT recorder has many) never reach stdout: a runtime's caller parses it.
    assertThat(first.out.lines()).hasSize(2);
    assertThat(first.out).startsWith("containerj ").contains("Java " + newest.major + ".");

    Result second = launch(env, "--version");
    assertThat(second.err).contains("containerj-launcher: cache " + cache).doesNotContain("recording");
    assertThat(classSource(env, "--version")).startsWith("shared objects file");
    if (newest.major >= 25) {
      // --version alone has its own cache, recorded without AOT class linking (its classes load
      // when used); every other command maps one with the classes linked ahead of time.
      assertThat(second.err).contains("-lazy.aot");
      Result other = launch(env, "--help");
      assertThat(other.code).as(other.err).isZero();
      assertThat(other.err).contains("recording " + cache).doesNotContain("-lazy.aot");
      assertThat(launch(env, "--help").err).contains("containerj-launcher: cache " + cache)
          .doesNotContain("recording");
    }

    // Off-run: without the cache the same class comes from the jar.
    assertThat(classSource(Map.of("CONTAINERJ_CACHE", "off"), "--version")).startsWith("file:" + jar);
  }

  @Test
  void aJarOrJdkChangedSinceTheRecordingIsRecordedAgain() throws Exception {
    // A JDK of our own (a link to the real java, a copy of its release file, a lib/modules whose
    // mtime stands for the JDK's build): its update can be played by touching that file.
    Jdk jdk = Jdk.newest();
    Path home = install.resolve("jdk-stale");
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("lib"));
    Files.createSymbolicLink(home.resolve("bin/java"), jdk.home.resolve("bin/java"));
    Files.copy(jdk.home.resolve("release"), home.resolve("release"));
    Path modules = Files.createFile(home.resolve("lib/modules"));
    Path cache = install.resolve("cache-stale");
    Map<String, String> env = Map.of("CONTAINERJ_CACHE", cache.toString(),
        "CONTAINERJ_JAVA", home.resolve("bin/java").toString());
    assertThat(launch(env, "--version").err).contains("recording");
    assertThat(launch(env, "--version").err).doesNotContain("recording");

    Files.setLastModifiedTime(modules, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    Result jdkUpdated = launch(env, "--version");
    assertThat(jdkUpdated.code).as(jdkUpdated.err).isZero();
    assertThat(jdkUpdated.err).contains("recording");

    FileTime before = Files.getLastModifiedTime(jar);
    try {
      // Older as well as newer: a jar copied with its old mtime is a different jar too.
      Files.setLastModifiedTime(jar, FileTime.fromMillis(before.toMillis() - 60_000));
      Result jarChanged = launch(env, "--version");
      assertThat(jarChanged.err).contains("recording");
      assertThat(launch(env, "--version").err).doesNotContain("recording");
      assertThat(classSource(env, "--version")).startsWith("shared objects file");
    } finally {
      Files.setLastModifiedTime(jar, before);
    }
  }

  @Test
  void withOnlyAJdk17ItUsesADynamicCdsArchive() throws Exception {
    @Nullable Jdk old = Jdk.all().stream().filter(j -> j.major >= 17 && j.major < 25).findFirst().orElse(null);
    assumeTrue(old != null, "no JDK 17-24 on this host");
    Path cache = install.resolve("cache-17");
    Map<String, String> env = Map.of("CONTAINERJ_CACHE", cache.toString(),
        "CONTAINERJ_JAVA", old.home.resolve("bin/java").toString());
    Result version = launch(env, "--version");
    assertThat(version.code).as(version.err).isZero();
    assertThat(version.out).contains("Java " + old.major + ".");
    try (Stream<Path> files = Files.list(cache)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".jsa"));
    }
    assertThat(classSource(env, "--version")).startsWith("shared objects file");
    Result run = launch(env, "run", "--", "/bin/true");
    assertThat(run.code).as(run.err).isZero();
  }

  @Test
  void asRootAndAsNobodyARealContainerRuns() throws Exception {
    assumeTrue(isRoot(), "runs nobody through runuser, which needs root");
    Result root = launch(Map.of("CONTAINERJ_CACHE", install.resolve("cache-root").toString()),
        "run", "--", "sh", "-c", "exit 7");
    assertThat(root.code).as(root.err).isEqualTo(7);
    // The same directory keeps the compiled default seccomp program, for the owner only.
    assertThat(seccompEntries(install.resolve("cache-root"))).singleElement()
        .satisfies(f -> assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------"));

    // nobody's HOME does not exist: the cache goes to a directory of its own in TMPDIR, mode 0700.
    Path tmp = Files.createDirectory(install.resolve("tmp"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> asNobody = List.of("runuser", "-u", "nobody", "--", "env", "-i",
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent", "TMPDIR=" + tmp,
        "CONTAINERJ_LAUNCHER_DEBUG=1", launcher.toString());
    Result nobody = exec(concat(asNobody, "run", "--", "sh", "-c", "exit 7"));
    assertThat(nobody.code).as(nobody.err).isEqualTo(7);
    Path ownDir = tmp.resolve("containerj-cache-" + uid("nobody"));
    assertThat(nobody.err).contains("recording " + ownDir);
    assertThat(Files.getOwner(ownDir).getName()).isEqualTo("nobody");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ownDir))).isEqualTo("rwx------");
    // The next command maps what the first one recorded (--version alone has a cache of its own).
    Result again = exec(concat(asNobody, "run", "--", "sh", "-c", "exit 7"));
    assertThat(again.code).as(again.err).isEqualTo(7);
    assertThat(again.err).contains("cache " + ownDir).doesNotContain("recording");
    assertThat(seccompEntries(ownDir)).singleElement()
        .satisfies(f -> assertThat(Files.getOwner(f).getName()).isEqualTo("nobody"));
  }

  /** The compiled seccomp programs that the launcher's cache directory {@code dir} holds. */
  private static List<Path> seccompEntries(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches("seccomp-[0-9a-f]+\\.bpf")).toList();
    }
  }

  @Test
  void aCacheDirectoryOfSomeoneElseIsNeverUsed() throws Exception {
    assumeTrue(isRoot(), "runs nobody through runuser, which needs root");
    // Someone (root here) made nobody's directory name first in a shared TMPDIR: a cache in it could
    // be anything, so nobody runs without one.
    Path tmp = Files.createDirectory(install.resolve("tmp-planted"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path planted = Files.createDirectory(tmp.resolve("containerj-cache-" + uid("nobody")));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    Result nobody = exec(List.of("runuser", "-u", "nobody", "--", "env", "-i", "PATH=/usr/bin:/bin",
        "HOME=/nonexistent", "TMPDIR=" + tmp, "CONTAINERJ_LAUNCHER_DEBUG=1", launcher.toString(), "--version"));
    assertThat(nobody.code).as(nobody.err).isZero();
    assertThat(nobody.err).contains("no cache").doesNotContain("recording");
    try (Stream<Path> files = Files.list(planted)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void jnaLoadsItsNativePartFromTheCopyNextToTheJar() throws Exception {
    // As the build lays it out (target/jna/com/sun/jna/ARCH), from the JNA jar of this class path.
    String arch = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "x86-64";
      case "aarch64" -> "aarch64";
      default -> "";
    };
    assumeTrue(!arch.isEmpty(), "JNA's copy is laid out for x86-64 and aarch64 only");
    String entry = "com/sun/jna/linux-" + arch + "/libjnidispatch.so";
    Path copy = install.resolve("jna").resolve(entry);
    Files.createDirectories(copy.getParent());
    try (InputStream in = com.sun.jna.Native.class.getClassLoader().getResourceAsStream(entry)) {
      assertThat(in).as(entry).isNotNull();
      Files.copy(in, copy);
    }
    Map<String, String> env = Map.of("CONTAINERJ_CACHE", "off");
    try {
      // The container may be refused (an ordinary user without user namespaces): JNA is loaded first.
      assertThat(loadedLibraries(env, "run", "--", "/bin/true")).anyMatch(l -> l.equals(copy.toString()))
          .noneMatch(l -> l.contains("jnidispatch") && !l.equals(copy.toString()));
    } finally {
      deleteTree(install.resolve("jna"));
    }
    // Off-run: without the copy JNA extracts its library from the jar to a temporary file.
    assertThat(loadedLibraries(env, "run", "--", "/bin/true")).anyMatch(l -> l.contains("jna"))
        .noneMatch(l -> l.startsWith(install.toString()));
  }

  /** The native libraries that the JVM started by the launcher with {@code args} loaded (-Xlog:library). */
  private static List<String> loadedLibraries(Map<String, String> env, String... args) throws Exception {
    Path log = Files.createTempFile(install, "library", ".log");
    Map<String, String> withLog = new HashMap<>(env);
    withLog.put("CONTAINERJ_JAVA_OPTS", "-Xlog:library=info:file=" + log);
    launch(withLog, args);
    List<String> libraries = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      int at = line.indexOf("Loaded library ");
      if (at >= 0) {
        String rest = line.substring(at + "Loaded library ".length());
        libraries.add(rest.substring(0, rest.indexOf(',') < 0 ? rest.length() : rest.indexOf(',')));
      }
    }
    return libraries;
  }

  @Test
  void theNameOrALinkToItPicksTheMainClass() throws Exception {
    Map<String, String> env = Map.of("CONTAINERJ_CACHE", "off");
    assertThat(launch(env, "--version").err).contains("main dev.containerj.examples.cli.ContainerjCommand");
    Path runtime = install.resolve("bin/containerj-runtime");
    // A caller that wants "runc" on its PATH links to the runtime's launcher from elsewhere.
    Path link = Files.createSymbolicLink(Files.createDirectories(install.resolve("links")).resolve("runc"), runtime);
    Result viaLink = exec(List.of("env", "CONTAINERJ_CACHE=off", "CONTAINERJ_LAUNCHER_DEBUG=1", link.toString(), "--version"));
    assertThat(viaLink.err).contains("main dev.containerj.examples.oci.RuntimeMain");
  }

  @Test
  void recordingTheRuntimesCacheLeavesNoCgroupOfItsTrainingContainer() throws Exception {
    // The recording runs create, start and delete --force of a real container in one JVM
    // (RuntimeCacheTraining); as root that container has a cgroup in every hierarchy.
    assumeTrue(isRoot(), "the training's container gets cgroups only as root");
    Path cache = install.resolve("cache-runtime-cgroups");
    Set<Path> before = containerCgroups();
    Path runtime = install.resolve("bin/containerj-runtime");
    Result r = exec(List.of("env", "CONTAINERJ_CACHE=" + cache, "CONTAINERJ_LAUNCHER_DEBUG=1", runtime.toString(),
        "--version"));
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).contains("recording " + cache).contains("-runtime.");
    Set<Path> left = containerCgroups();
    left.removeAll(before);
    assertThat(left).as("cgroups of the training's container left after the recording").isEmpty();
  }

  /**
   * The containers' cgroups below this JVM's own cgroups (/proc/self/cgroup: the launcher's JVM,
   * its child, starts in the same ones): {@code containerj/ID} in each hierarchy.
   */
  private static Set<Path> containerCgroups() throws IOException {
    Set<Path> all = new HashSet<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      String hierarchy = f[1].isEmpty() ? "unified" : f[1].startsWith("name=") ? f[1].substring(5) : f[1];
      Path parent = Path.of("/sys/fs/cgroup", hierarchy, f[2], "containerj");
      if (!Files.isDirectory(parent) && f[1].isEmpty()) {
        parent = Path.of("/sys/fs/cgroup", f[2], "containerj"); // a unified-only host
      }
      if (Files.isDirectory(parent)) {
        try (Stream<Path> s = Files.list(parent)) {
          s.filter(Files::isDirectory).forEach(all::add);
        }
      }
    }
    return all;
  }

  /** Where the JVM started by the launcher with {@code args} took ContainerjCommand from. */
  private static String classSource(Map<String, String> env, String... args) throws Exception {
    Path log = Files.createTempFile(install, "class-load", ".log");
    Map<String, String> withLog = new HashMap<>(env);
    withLog.put("CONTAINERJ_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    Result r = launch(withLog, args);
    assertThat(r.code).as(r.err).isZero();
    for (String line : Files.readAllLines(log)) {
      int at = line.indexOf(MAIN_LINE);
      if (at >= 0) {
        return line.substring(at + MAIN_LINE.length());
      }
    }
    throw new AssertionError("no class-load line for ContainerjCommand in " + log);
  }

  private record Result(int code, String out, String err) {}

  private static Result launch(Map<String, String> env, String... args) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.put("CONTAINERJ_LAUNCHER_DEBUG", "1");
    List<String> command = new ArrayList<>(List.of("env"));
    all.forEach((k, v) -> command.add(k + "=" + v));
    command.add(launcher.toString());
    command.addAll(List.of(args));
    return exec(command);
  }

  private static Result exec(List<String> command) throws Exception {
    Path out = Files.createTempFile(install, "out", ".txt");
    Path err = Files.createTempFile(install, "err", ".txt");
    Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("timed out: " + command);
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }

  private static boolean isRoot() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"));
  }

  private static String uid(String user) throws IOException {
    return Files.readAllLines(Path.of("/etc/passwd")).stream().filter(l -> l.startsWith(user + ":"))
        .map(l -> l.split(":")[2]).findFirst().orElseThrow();
  }

  /** A JDK of the host and its major version, read independently of the launcher. */
  private record Jdk(Path home, int major) {
    static List<Jdk> all() throws IOException {
      List<Jdk> jdks = new ArrayList<>();
      try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
        for (Path home : homes.filter(h -> !Files.isSymbolicLink(h)).toList()) {
          Path release = home.resolve("release");
          if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/java"))) {
            continue;
          }
          for (String line : Files.readAllLines(release)) {
            if (line.startsWith("JAVA_VERSION=\"")) {
              String v = line.substring("JAVA_VERSION=\"".length());
              jdks.add(new Jdk(home, Integer.parseInt(v.split("[.\"]")[0])));
            }
          }
        }
      }
      jdks.sort(Comparator.comparingInt(Jdk::major).reversed());
      return jdks;
    }

    static Jdk newest() throws IOException {
      // The launcher also looks at JAVA_HOME and PATH: this test's JVM is one of /usr/lib/jvm's here.
      return all().get(0);
    }
  }

  /**
   * Merges this test's class path (classes directories and jars) into one jar, as the build's
   * shade step does: the cache needs the application in a jar (CDS archives no directories).
   */
  private static void fatJar(Path target) throws IOException {
    Set<String> seen = new HashSet<>();
    Map<String, StringBuilder> services = new HashMap<>();
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target))) {
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path p = Path.of(entry);
        if (Files.isDirectory(p)) {
          try (Stream<Path> files = Files.walk(p)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
              String name = p.relativize(f).toString().replace(File.separatorChar, '/');
              try (InputStream in = Files.newInputStream(f)) {
                add(out, name, in, seen, services);
              }
            }
          }
        } else if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
          try (JarFile jf = new JarFile(p.toFile())) {
            for (JarEntry e : java.util.Collections.list(jf.entries())) {
              if (!e.isDirectory()) {
                try (InputStream in = jf.getInputStream(e)) {
                  add(out, e.getName(), in, seen, services);
                }
              }
            }
          }
        }
      }
      for (Map.Entry<String, StringBuilder> s : services.entrySet()) {
        out.putNextEntry(new JarEntry(s.getKey()));
        out.write(s.getValue().toString().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
  }

  private static void add(JarOutputStream out, String name, InputStream in, Set<String> seen,
      Map<String, StringBuilder> services) throws IOException {
    String upper = name.toUpperCase(java.util.Locale.ROOT);
    if (name.endsWith("module-info.class") || name.equals("META-INF/MANIFEST.MF")
        || (upper.startsWith("META-INF/") && (upper.endsWith(".SF") || upper.endsWith(".DSA") || upper.endsWith(".RSA")))) {
      return;
    }
    if (name.startsWith("META-INF/services/")) {
      services.computeIfAbsent(name, n -> new StringBuilder())
          .append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
      return;
    }
    if (seen.add(name)) {
      out.putNextEntry(new JarEntry(name));
      in.transferTo(out);
      out.closeEntry();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
