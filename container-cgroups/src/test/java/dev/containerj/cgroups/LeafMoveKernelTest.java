package dev.containerj.cgroups;

import static dev.containerj.cgroups.KernelSupport.manager;
import static dev.containerj.cgroups.KernelSupport.read;
import static dev.containerj.cgroups.KernelSupport.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code moveParentProcessesTo}: a JVM whose cgroup holds processes moves them (itself included)
 * into a leaf so that its containers get controllers, and puts everything back when it exits, so
 * that its service's cgroup looks as before. Each test runs a child JVM in a cgroup of its own.
 * Applies only where cgroup v2 is the whole hierarchy and this JVM's cgroup is not the root (the
 * QEMU lane): a hybrid host never moves processes, since its v2 hierarchy has no controllers.
 */
@Tag("kernel")
class LeafMoveKernelTest {

  @BeforeEach
  void requirePureV2() throws IOException {
    assumeTrue(LibC.geteuid() == 0, "needs root: makes a cgroup for the child JVM beside this one");
    assumeTrue(HostCgroupProbe.pureV2() && !HostCgroupProbe.ownV2Cgroup().orElse("/").equals("/"),
        "not applicable: processes are moved into a leaf only on a pure cgroup v2 host from a non-root "
            + "cgroup (the QEMU lane runs this); here: pure v2 " + HostCgroupProbe.pureV2()
            + ", own v2 cgroup " + HostCgroupProbe.ownV2Cgroup().orElse("none"));
  }

  @Test
  void atExitTheProcessesGoBackAndTheLeafAndItsControllersGo() throws Exception {
    try (Cgroup service = manager().create(uniqueName(), CgroupLimits.none())) {
      Path dir = service.unifiedPath().orElseThrow();
      String own = runChild(dir, "close");
      assertThat(own).as("the child's cgroup while it ran").endsWith("/" + dir.getFileName() + "/jvm");
      assertThat(children(dir)).as("cgroups below the service's cgroup after the JVM exited").isEmpty();
      assertThat(read(dir.resolve("cgroup.subtree_control"))).as("controllers the JVM enabled").isEmpty();
    }
  }

  @Test
  void aCgroupStillThereAtExitKeepsTheLeafAndTheControllers() throws Exception {
    try (Cgroup service = manager().create(uniqueName(), CgroupLimits.none())) {
      Path dir = service.unifiedPath().orElseThrow();
      runChild(dir, "keep");
      assertThat(children(dir)).containsExactlyInAnyOrder("jvm", "work");
      assertThat(read(dir.resolve("cgroup.subtree_control"))).contains("pids");
      assertThat(read(dir.resolve("work/pids.max"))).isEqualTo("7");
    } // closing the service's cgroup removes what the child left
  }

  /** Runs {@link #main} in a child JVM that starts in {@code cgroup}; returns its cgroup then. */
  private static String runChild(Path cgroup, String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // The JVM must start inside the cgroup: the shell joins it, then becomes the JVM.
    Process p = new ProcessBuilder("sh", "-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"", cgroup.toString(),
        java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", childClassPath(), LeafMoveKernelTest.class.getName(), mode)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM ends").isTrue();
    assertThat(p.exitValue()).as("child JVM's exit status; it printed:%n%s", out).isZero();
    String line = out.lines().filter(l -> l.startsWith("0::")).findFirst().orElse("");
    assertThat(line).as("the child's /proc/self/cgroup; it printed:%n%s", out).isNotEmpty();
    return line.substring(3);
  }

  private static List<String> children(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    }
  }

  private static String childClassPath() throws Exception {
    List<String> parts = new ArrayList<>();
    if (LeafMoveKernelTest.class.getClassLoader() instanceof java.net.URLClassLoader u) {
      for (java.net.URL url : u.getURLs()) {
        parts.add(Path.of(url.toURI()).toString());
      }
    }
    parts.add(System.getProperty("java.class.path"));
    return String.join(java.io.File.pathSeparator, parts);
  }

  /** The child: a service's JVM that makes one cgroup with a limit, then closes it or not. */
  public static void main(String[] args) throws IOException {
    CgroupManager m = CgroupManager.builder().moveParentProcessesTo("jvm").build();
    Cgroup work = m.create("work", CgroupLimits.builder().pidsMax(7).build());
    System.out.println(Files.readString(Path.of("/proc/self/cgroup")).trim());
    if (args[0].equals("close")) {
      work.close();
    }
  }
}
