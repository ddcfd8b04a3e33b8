package dev.containerj.core;

import static dev.containerj.core.EscapeProbe.ROOT;
import static dev.containerj.core.EscapeProbe.python;
import static dev.containerj.core.EscapeProbe.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Redirect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a container sees of its own cgroup (issue #18): a JVM inside a limited container sizes its
 * heap and processor count to the container, a JVM that allocates within that heap collects garbage
 * instead of being OOM-killed, the limits cannot be raised through the mounted files, and nothing of
 * the host's cgroup tree shows. On a v1 or hybrid host the view is Docker's layout (a tmpfs with one
 * read-only hierarchy per directory, rooted at the container's cgroup); on pure v2 the container's
 * own cgroup2 mount.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class CgroupViewTest {
  /** The host's layout, read directly (never through the library). */
  private static final String MOUNTINFO = read("/proc/self/mountinfo");
  private static final boolean V1 = MOUNTINFO.contains(" - cgroup cgroup ");
  private static final boolean PURE_V2 = !V1 && MOUNTINFO.contains(" /sys/fs/cgroup ")
      && Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));

  private static Path probeDir;

  /** The probe's class file, as Maven compiled it, alone below this directory. */
  private static final String PROBE = CgroupViewProbe.class.getName().replace('.', '/') + ".class";

  @BeforeAll
  static void probe() throws IOException {
    probeDir = Files.createTempDirectory("cj-cgview-");
    Path target = probeDir.resolve(PROBE);
    Files.createDirectories(target.getParent());
    try (java.io.InputStream in = CgroupViewProbe.class.getResourceAsStream("/" + PROBE)) {
      Files.copy(java.util.Objects.requireNonNull(in, PROBE), target);
    }
    // readable for the container's user (nobody in the rootless lane)
    for (Path p = target; p.startsWith(probeDir); p = p.getParent()) {
      p.toFile().setReadable(true, false);
      p.toFile().setExecutable(Files.isDirectory(p), false);
    }
  }

  @AfterAll
  static void removeProbe() throws IOException {
    Path p = probeDir.resolve(PROBE);
    while (p.startsWith(probeDir)) {
      Files.deleteIfExists(p);
      p = p.getParent();
    }
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path));
    } catch (IOException e) {
      return "";
    }
  }

  /** Where an ordinary user may have limits: a delegated v2 subtree (the QEMU lane's user.delegate). */
  private static void requireLimits() {
    if (ROOT) {
      return;
    }
    if (!PURE_V2) {
      abort("not applicable: an ordinary user's container has no cgroup on a v1 or hybrid host (no delegation "
          + "of v1 hierarchies), so there are no limits to show");
    }
    String own = read("/proc/self/cgroup").lines().filter(l -> l.startsWith("0::")).findFirst().orElse("0::/")
        .substring(3);
    Path dir = Path.of("/sys/fs/cgroup" + own);
    // The containers' cgroups go below the cgroup this JVM was started in: the leaf the runtime moves
    // a JVM into on cgroup v2 (containerj-jvm, HostProfile) shows only the controllers enabled so far.
    if (dir.getFileName() != null && dir.getFileName().toString().equals("containerj-jvm")) {
      dir = dir.getParent();
    }
    String controllers = read(dir.resolve("cgroup.controllers").toString());
    assumeTrue(Files.isWritable(dir) && controllers.contains("memory") && controllers.contains("cpu")
        && controllers.contains("pids"), "not applicable: this user's cgroup " + dir + " is not a delegated subtree "
        + "with memory, cpu and pids (cgroup.controllers: " + controllers.trim() + ")");
  }

  private static ContainerSpec.Builder java(String javaHome, String... args) {
    // C1 only: the JIT's work is what half a CPU under emulation (the QEMU lane) pays for most, and
    // the JDK's container detection and heap ergonomics do not depend on the compiler.
    List<String> cmd = new java.util.ArrayList<>(List.of(javaHome + "/bin/java", "-XX:+PrintFlagsFinal",
        "-XX:TieredStopAtLevel=1", "-cp", "/probe", CgroupViewProbe.class.getName()));
    cmd.addAll(List.of(args));
    return ContainerSpec.builder().command(cmd).stdout(Redirect.PIPE).stderr(Redirect.PIPE)
        .mount(MountSpec.bindReadOnly(probeDir, "/probe"))
        .limits(CgroupLimits.builder().memoryMax(256L << 20).cpus(0.5).build());
  }

  private static long value(String out, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(out);
    assertThat(m.find()).as("%s in:%n%s", regex, out).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static void sizesItself(String javaHome) throws Exception {
    Run.Result r = Run.run(java(javaHome).build());
    assertThat(r.status().code()).as("%s%n%s", r.out(), r.err()).isZero();
    // The JDK's ergonomics: a quarter of the memory (MaxRAMPercentage), but half (MinRAMPercentage)
    // where half is below its default maximum heap, as it is for 256 MiB: 128 MiB at most either way,
    // against a quarter of the host's RAM when it sees the host.
    assertThat(value(r.out(), "^\\s*size_t MaxHeapSize\\s+= (\\d+)")).as(javaHome).isLessThanOrEqualTo(128L << 20);
    assertThat(value(r.out(), "^maxMemory=(\\d+)")).as(javaHome).isLessThanOrEqualTo(128L << 20);
    assertThat(value(r.out(), "^cpus=(\\d+)")).as(javaHome).isEqualTo(1);
  }

  @Test
  void aJvmInsideSizesItsHeapAndCpusToTheContainer() throws Exception {
    requireLimits();
    sizesItself(System.getProperty("java.home"));
    Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    if (Files.isExecutable(jdk25.resolve("bin/java"))) {
      sizesItself(jdk25.toString());
    }
  }

  @Test
  void aJvmAllocatingWithinItsDefaultHeapCollectsGarbageInsteadOfBeingOomKilled() throws Exception {
    requireLimits();
    Run.Result r = Run.run(java(System.getProperty("java.home"), "alloc").build());
    assertThat(r.status().oomKilled()).as("%s%n%s", r.out(), r.err()).isFalse();
    assertThat(r.status().code()).as("%s%n%s", r.out(), r.err()).isZero();
    assertThat(r.out()).contains("allocated=" + (1L << 30));
  }

  private static final String RAISE = """
      import glob
      v1 = os.path.isdir('/sys/fs/cgroup/memory')
      mem = '/sys/fs/cgroup/memory/memory.limit_in_bytes' if v1 else '/sys/fs/cgroup/memory.max'
      pids = '/sys/fs/cgroup/pids/pids.max' if v1 else '/sys/fs/cgroup/pids.max'
      def write(path, value):
          with open(path, 'w') as f:
              f.write(value)
      out('memory', os_call(write, mem, str(512 << 20)))
      out('memory_now', open(mem).read().strip())
      out('pids', os_call(write, pids, '100000'))
      out('umount_memory', sc('umount2', '/sys/fs/cgroup/memory', 2) if v1 else 'ABSENT')
      out('umount_base', sc('umount2', '/sys/fs/cgroup', 2))
      # MS_REMOUNT | MS_BIND without MS_RDONLY
      out('remount_rw', sc('mount', 0, '/sys/fs/cgroup/memory' if v1 else '/sys/fs/cgroup', 0, 32 | 4096, 0))
      """;

  private static ContainerSpec.Builder raiser() {
    // The identity map: the container's root is the host's root, which owns the cgroup files, so only
    // the read-only, locked mounts stand in the way (and SYS_ADMIN for the unmount and the remount).
    return python(RAISE).addCapability(Capability.CAP_SYS_ADMIN)
        .uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()))
        .limits(CgroupLimits.builder().memoryMax(256L << 20).pidsMax(64).build());
  }

  @Test
  void theLimitsCannotBeRaisedThroughTheMountedFilesEvenWithSysAdmin() throws Exception {
    assumeTrue(ROOT, "not applicable: the identity map (the host's root owning the cgroup files) needs the host's "
        + "root; an ordinary user's container does not own its cgroup's limit files");
    Map<String, String> r = run(raiser());
    assertThat(r).containsEntry("memory", "EROFS").containsEntry("memory_now", String.valueOf(256L << 20))
        .containsEntry("pids", "EROFS").containsEntry("umount_base", "EINVAL").containsEntry("remount_rw", "EPERM");
    assertThat(r.get("umount_memory")).isIn("EINVAL", "ABSENT");
    if (!V1) {
      return; // the off-run below is the v1 view's (writableCgroupView)
    }
    // Protection off (the hierarchies mounted writable): the container's root raises its own limit.
    ProtectionsOff.writableCgroupView = true;
    try {
      Map<String, String> off = run(raiser());
      assertThat(off).containsEntry("memory", "OK").containsEntry("memory_now", String.valueOf(512L << 20))
          .containsEntry("pids", "OK");
    } finally {
      ProtectionsOff.writableCgroupView = false;
    }
  }

  @Test
  void noHostCgroupStateShowsBeyondTheContainersOwn() throws Exception {
    // A sibling container with a cgroup of its own runs meanwhile: its directory must not show.
    String script = "cat /proc/self/cgroup; echo ---; ls /sys/fs/cgroup; echo ---; "
        + "find /sys/fs/cgroup/ -mindepth 2 -type d 2>/dev/null | head; echo ---; "
        + "grep -c ' - cgroup' /proc/self/mountinfo || true";
    try (Container sibling = Container.start(ContainerSpec.builder().command("sleep", "30").build())) {
      for (ContainerSpec.Builder b : List.of(Run.sh(script), Run.sh(script).limits(CgroupLimits.builder()
          .memoryMax(256L << 20).build()))) {
        Container c;
        try {
          c = Container.start(b.build());
        } catch (ContainerStartException e) {
          assertThat(ROOT).as("only an ordinary user's limits may be refused: %s", e).isFalse();
          continue; // limits without a delegated subtree: refused, nothing runs
        }
        String out;
        try (c) {
          out = new String(c.stdout().readAllBytes());
          assertThat(c.waitFor().code()).as(out).isZero();
        }
        String[] parts = out.split("---\n", -1);
        assertThat(parts[2]).as("no cgroup below the container's own (a sibling's, the host's):%n%s", out).isEmpty();
        if (c.cgroupForTests() == null) {
          // No cgroup (an ordinary user without delegation): no hierarchy at all.
          assertThat(parts[1]).as(out).isEmpty();
          continue;
        }
        for (String line : parts[0].split("\n")) {
          String dir = line.split(":", 3)[1];
          if (V1 && !dir.isEmpty() && Files.isDirectory(Path.of("/sys/fs/cgroup", dir)) && parts[1].contains(dir + "\n")) {
            // A hierarchy the container sees is rooted at its own cgroup: the cgroup namespace's "/".
            assertThat(line).as(out).endsWith(":/");
          }
        }
        if (V1 && ROOT) {
          // Docker's layout: one directory per hierarchy of the container's cgroup, and no other.
          for (String h : c.cgroupDirectories().keySet()) {
            assertThat(parts[1]).as(out).contains(h.equals("unified") ? "unified" : h);
          }
          assertThat(parts[1]).as(out).doesNotContain("systemd").doesNotContain("freezer");
        }
      }
      sibling.kill();
    }
  }

  @Test
  void onPureV2TheContainersCgroup2MountShowsItsOwnLimits() throws Exception {
    assumeTrue(PURE_V2, "not applicable: this host is not pure cgroup v2 (a v1 hierarchy is in /proc/self/mountinfo "
        + "or /sys/fs/cgroup/cgroup.controllers is absent)");
    requireLimits();
    Run.Result r = Run.run(Run.sh("cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max")
        .limits(CgroupLimits.builder().memoryMax(256L << 20).cpus(0.5).pidsMax(77).build()).build());
    assertThat(r.status().code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo((256L << 20) + "\n50000 100000\n77\n");
  }
}
