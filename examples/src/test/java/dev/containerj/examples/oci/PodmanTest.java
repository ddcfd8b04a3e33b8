package dev.containerj.examples.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Podman 4.3 (the Debian package, rootful) runs its containers through {@code containerj-runtime}
 * ({@code --runtime}): conmon calls create (with {@code --console-socket} for {@code -it}), start,
 * state, kill, delete and exec as it calls runc. Nothing is mocked. Podman's storage, run root,
 * temporary files, configuration and events all live under the test's temporary directory (vfs
 * driver, cgroupfs manager, file events, no network), and every container, conmon and mount of it
 * is removed after each test, also on failure.
 */
@Tag("kernel")
@Timeout(300)
class PodmanTest {
  private static final Path PODMAN = Path.of("/usr/bin/podman");

  @TempDir Path tmp;
  private Path rootfs;
  private Path runtime;

  record Result(int code, String out) {}

  @BeforeEach
  void setUp() throws IOException {
    // Independent probe: the podman package, not anything of ContainerJ.
    assumeTrue(Files.isExecutable(PODMAN) && Files.isExecutable(Path.of("/usr/bin/conmon")),
        "podman and conmon are not installed");
    assertThat(Path.of("/bin/busybox")).as("needs busybox-static at /bin/busybox").exists();
    rootfs = tmp.resolve("rootfs");
    for (String d : List.of("proc", "dev", "sys", "tmp", "etc", "bin")) {
      Files.createDirectories(rootfs.resolve(d));
    }
    Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
    for (String tool : TOOLS) {
      Files.createSymbolicLink(rootfs.resolve("bin").resolve(tool), Path.of("busybox"));
    }
    // The runtime Podman is given: what examples/target/bin/containerj-runtime runs, on the test's
    // class path (the launcher itself is made by the package phase, after the tests).
    runtime = tmp.resolve("containerj-runtime");
    Files.writeString(runtime, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
        + System.getProperty("java.class.path") + "' " + RuntimeMain.class.getName() + " \"$@\"\n");
    runtime.toFile().setExecutable(true);
    // nofile/nproc: Podman's root defaults (1048576) are above this JVM's hard limits, and raising a
    // hard limit needs CAP_SYS_RESOURCE, which a CI sandbox may lack (runc fails the same way there).
    Files.writeString(tmp.resolve("containers.conf"), """
        [containers]
        default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
        default_sysctls = []
        [engine]
        events_logger = "file"
        cgroup_manager = "cgroupfs"
        """);
    Files.writeString(tmp.resolve("storage.conf"), "[storage]\ndriver = \"vfs\"\nrunroot = \"" + tmp.resolve("runroot")
        + "\"\ngraphroot = \"" + tmp.resolve("root") + "\"\n");
  }

  private static final List<String> TOOLS = List.of("sh", "sleep", "cat", "echo", "tty", "test", "grep", "hostname", "tr",
      "true");

  private List<String> podman(String... args) {
    List<String> cmd = new ArrayList<>(List.of(PODMAN.toString(), "--root", tmp.resolve("root").toString(),
        "--runroot", tmp.resolve("runroot").toString(), "--tmpdir", tmp.resolve("tmp").toString(),
        "--storage-driver", "vfs", "--events-backend", "file", "--cgroup-manager", "cgroupfs",
        "--runtime", runtime.toString()));
    cmd.addAll(List.of(args));
    if (args.length > 0 && args[0].equals("run")) {
      // No cgroup for conmon: Podman's cgroupfs manager would make it at the hierarchies' root
      // (/libpod_parent/conmon), outside this process's own cgroup. The container's cgroups are the
      // runtime's, below its own cgroup whatever path Podman asks for.
      cmd.add(cmd.size() - args.length + 1, "--cgroups=no-conmon");
    }
    return cmd;
  }

  private Result exec(List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
        new java.io.File("/dev/null")));
    pb.environment().put("CONTAINERS_CONF", tmp.resolve("containers.conf").toString());
    pb.environment().put("CONTAINERS_STORAGE_CONF", tmp.resolve("storage.conf").toString());
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private Result run(String... args) throws Exception {
    return exec(podman(args));
  }

  /** Under a pty of util-linux's script(1): Podman's -it needs a terminal on its own stdin. */
  private Result inTerminal(String... args) throws Exception {
    StringBuilder line = new StringBuilder();
    for (String a : podman(args)) {
      line.append('\'').append(a.replace("'", "'\\''")).append("' ");
    }
    return exec(List.of("script", "-qec", line.toString(), "/dev/null"));
  }

  @AfterEach
  void removeEverything() throws Exception {
    if (runtime == null || !Files.exists(tmp.resolve("containers.conf"))) {
      return;
    }
    run("pod", "rm", "--all", "--force", "--time", "0");
    run("rm", "--all", "--force", "--time", "0");
    run("rmi", "--all", "--force");
    // conmon of a container whose removal failed: found by its command line naming our root
    for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
      String cmd = h.info().commandLine().orElse("");
      if (cmd.contains(tmp.toString()) && (cmd.startsWith("/usr/bin/conmon") || cmd.contains("podman"))) {
        h.destroyForcibly();
      }
    }
    // Podman's per-container /dev/shm and the storage's mounts below our directory
    List<String> mounts = new ArrayList<>();
    for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String point = l.split(" ")[4];
      if (point.startsWith(tmp.toString())) {
        mounts.add(point);
      }
    }
    for (int i = mounts.size() - 1; i >= 0; i--) {
      new ProcessBuilder("umount", "-l", mounts.get(i)).inheritIO().start().waitFor();
    }
    assertThat(mounts).as("mounts left under the test's directory").isEmpty();
  }

  @Test
  void runOfARootfsGivesItsOutputAndExitCodeWithPodmansMountsAndSysctl() throws Exception {
    String hostValue = Files.readString(Path.of("/proc/sys/net/ipv4/ping_group_range"));
    Result r = run("run", "--rm", "--network", "none", "--sysctl", "net.ipv4.ping_group_range=0 2000",
        "--rootfs", rootfs.toString(), "sh", "-c",
        "echo hello from podman; cat /proc/sys/net/ipv4/ping_group_range; "
            + "grep -E ' /dev(/shm)? ' /proc/self/mountinfo; exit 3");
    assertThat(r.code()).as(r.out()).isEqualTo(3);
    assertThat(r.out()).contains("hello from podman").contains("0\t2000");
    // Podman's /dev noexec and its /dev/shm bind with nosuid,nodev,noexec (a remount after the bind)
    for (String line : r.out().lines().filter(l -> l.contains(" - ")).toList()) {
      String point = line.split(" ")[4];
      assertThat(line.split(" ")[5]).as(point).contains("nosuid").contains("nodev").contains("noexec");
    }
    assertThat(r.out().lines().filter(l -> l.contains(" /dev/shm ")).count()).as(r.out()).isGreaterThan(0);
    // the sysctl was written in the container's network namespace only
    assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ping_group_range"))).isEqualTo(hostValue);
  }

  @Test
  void anImageLoadedOfflineFromADockerArchiveRuns() throws Exception {
    Path archive = tmp.resolve("busybox.tar");
    DockerArchive.write(archive, rootfs, "localhost/containerj-busybox:1", List.of("sh", "-c", "echo image default"));
    Result load = run("load", "--input", archive.toString());
    assertThat(load.code()).as(load.out()).isZero();
    assertThat(load.out()).contains("containerj-busybox");
    Result r = run("run", "--rm", "--network", "none", "localhost/containerj-busybox:1");
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains("image default");
    Result cmd = run("run", "--rm", "--network", "none", "localhost/containerj-busybox:1", "sh", "-c",
        "echo from the image; exit 7");
    assertThat(cmd.code()).as(cmd.out()).isEqualTo(7);
    assertThat(cmd.out()).contains("from the image");
  }

  @Test
  void stopAndKillGiveTheSignalsExitCodes() throws Exception {
    // SIGTERM trapped: the payload's own exit code
    assertThat(run("run", "-d", "--name", "trap", "--network", "none", "--rootfs", rootfs.toString(), "sh", "-c",
        "trap 'exit 143' TERM; while :; do sleep 0.1; done").code()).isZero();
    Result stop = run("stop", "--time", "20", "trap");
    assertThat(stop.code()).as(stop.out()).isZero();
    assertThat(run("inspect", "--format", "{{.State.ExitCode}}", "trap").out().trim()).isEqualTo("143");
    // kill: SIGKILL, 128 + 9
    assertThat(run("run", "-d", "--name", "sleeper", "--network", "none", "--rootfs", rootfs.toString(), "sleep",
        "1000").code()).isZero();
    assertThat(run("kill", "sleeper").code()).isZero();
    assertThat(run("wait", "sleeper").out().trim()).isEqualTo("137");
    // pid 1 ignores SIGTERM without a handler: stop falls back to SIGKILL after its timeout
    assertThat(run("run", "-d", "--name", "stubborn", "--network", "none", "--rootfs", rootfs.toString(), "sleep",
        "1000").code()).isZero();
    assertThat(run("stop", "--time", "1", "stubborn").code()).isZero();
    assertThat(run("inspect", "--format", "{{.State.ExitCode}}", "stubborn").out().trim()).isEqualTo("137");
  }

  @Test
  void dashItGivesThePayloadATerminalThroughTheConsoleSocket() throws Exception {
    Result r = inTerminal("run", "--rm", "-it", "--network", "none", "--rootfs", rootfs.toString(), "sh", "-c",
        "tty; test -t 0 && test -t 1 && echo stdin-and-stdout-are-a-tty; exit 5");
    assertThat(r.out()).contains("/dev/pts/0").contains("stdin-and-stdout-are-a-tty");
    assertThat(r.code()).as(r.out()).isEqualTo(5);
    // without -t the same is no terminal
    Result plain = run("run", "--rm", "--network", "none", "--rootfs", rootfs.toString(), "sh", "-c",
        "test -t 0 || echo no-tty");
    assertThat(plain.out()).contains("no-tty");
  }

  @Test
  void execRunsInTheRunningContainer() throws Exception {
    assertThat(run("run", "-d", "--name", "box", "--hostname", "boxhost", "--network", "none", "--rootfs",
        rootfs.toString(), "sleep", "1000").code()).isZero();
    Result r = run("exec", "box", "sh", "-c", "echo in exec; hostname; cat /proc/1/cmdline; exit 4");
    assertThat(r.code()).as(r.out()).isEqualTo(4);
    assertThat(r.out()).contains("in exec").contains("boxhost").contains("sleep");
    Result tty = inTerminal("exec", "-it", "box", "sh", "-c", "tty; test -t 0 && echo exec-has-a-tty");
    assertThat(tty.out()).contains("/dev/pts/").contains("exec-has-a-tty");
    Result detached = run("exec", "-d", "box", "sleep", "77");
    assertThat(detached.code()).as(detached.out()).isZero();
    Result ps = run("exec", "box", "sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '");
    assertThat(ps.out()).as("the detached exec outlives the runtime's call").contains("sleep 77");
  }

  /** The kernel's names of a process's net, ipc, uts and pid namespaces, one a line, as readlink prints them. */
  private static String namespacesOf(int pid) throws IOException {
    StringBuilder out = new StringBuilder();
    for (String type : List.of("net", "ipc", "uts", "pid")) {
      out.append(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type))).append('\n');
    }
    return out.toString();
  }

  private static final String SHOW_NAMESPACES = "for t in net ipc uts pid; do readlink /proc/self/ns/$t; done; "
      + "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo";

  /**
   * {@code --network container:X --pid container:X ...}: Podman hands the runtime the sandbox's
   * {@code /proc/PID/ns/*} paths, and the container is in the sandbox's namespaces (the kernel's
   * names of them from the host), sees its hostname and its pid 1.
   */
  @Test
  void aContainerJoinsAnothersNamespacesWithContainerColon() throws Exception {
    Files.createSymbolicLink(rootfs.resolve("bin/readlink"), Path.of("busybox"));
    Result a = run("run", "-d", "--name", "sandbox", "--hostname", "podhost", "--network", "none", "--rootfs",
        rootfs.toString(), "sleep", "1000");
    assertThat(a.code()).as(a.out()).isZero();
    int pid = Integer.parseInt(run("inspect", "--format", "{{.State.Pid}}", "sandbox").out().trim());
    Result r = run("run", "--rm", "--network", "container:sandbox", "--pid", "container:sandbox", "--ipc",
        "container:sandbox", "--uts", "container:sandbox", "--rootfs", rootfs.toString(), "sh", "-c", SHOW_NAMESPACES);
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).isEqualTo(namespacesOf(pid) + "podhost\nsleep 1000 \n");
  }

  /**
   * {@code podman pod create} and {@code run --pod}: the pod's infra container (catatonit, from the
   * pause image that Podman builds locally, offline) holds the namespaces, and the app container
   * joins them by path through the runtime.
   */
  @Test
  void aPodsContainerJoinsItsInfraContainersNamespaces() throws Exception {
    Files.createSymbolicLink(rootfs.resolve("bin/readlink"), Path.of("busybox"));
    List<Path> parents = libpodParents();
    try {
      podRunJoinsTheInfraContainer();
    } finally {
      run("pod", "rm", "--all", "--force", "--time", "0");
      // A pod's cgroup goes below /libpod_parent (cgroupfs manager), which Podman leaves: removed
      // when this test made it (empty by now).
      for (Path p : libpodParents()) {
        if (!parents.contains(p)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static List<Path> libpodParents() throws IOException {
    Path cgroups = Path.of("/sys/fs/cgroup");
    try (var s = java.util.stream.Stream.concat(java.util.stream.Stream.of(cgroups), Files.list(cgroups))) {
      return s.map(h -> h.resolve("libpod_parent")).filter(Files::isDirectory).toList();
    }
  }

  private void podRunJoinsTheInfraContainer() throws Exception {
    Result pod = run("pod", "create", "--name", "pod1", "--hostname", "podhost", "--network", "none",
        "--share", "net,ipc,uts,pid");
    assertThat(pod.code()).as(pod.out()).isZero();
    Result r = run("run", "--rm", "--pod", "pod1", "--rootfs", rootfs.toString(), "sh", "-c", SHOW_NAMESPACES);
    assertThat(r.code()).as(r.out()).isZero();
    String infra = run("pod", "inspect", "--format", "{{.InfraContainerID}}", "pod1").out().trim();
    int pid = Integer.parseInt(run("inspect", "--format", "{{.State.Pid}}", infra).out().trim());
    assertThat(r.out()).startsWith(namespacesOf(pid) + "podhost\n").contains("catatonit");
    assertThat(run("pod", "rm", "--force", "--time", "0", "pod1").code()).isZero();
  }

  /**
   * A docker-archive (the format of {@code docker save}: manifest.json, the image config, one
   * layer tar) of a busybox-static root, written here so that nothing is fetched.
   */
  static final class DockerArchive {
    private DockerArchive() {}

    static void write(Path archive, Path rootfs, String tag, List<String> cmd) throws Exception {
      ByteArrayOutputStream layerBytes = new ByteArrayOutputStream();
      Tar layer = new Tar(layerBytes);
      try (var files = Files.walk(rootfs)) {
        for (Path p : files.sorted().toList()) {
          String name = rootfs.relativize(p).toString();
          if (name.isEmpty()) {
            continue;
          }
          if (Files.isSymbolicLink(p)) {
            layer.symlink(name, Files.readSymbolicLink(p).toString());
          } else if (Files.isDirectory(p)) {
            layer.directory(name + "/");
          } else {
            layer.file(name, Files.readAllBytes(p), 0755);
          }
        }
      }
      layer.finish();
      byte[] layerTar = layerBytes.toByteArray();
      String diffId = "sha256:" + sha256(layerTar);
      StringBuilder cmdJson = new StringBuilder("[");
      for (int i = 0; i < cmd.size(); i++) {
        cmdJson.append(i == 0 ? "" : ",").append('"').append(cmd.get(i)).append('"');
      }
      cmdJson.append(']');
      byte[] config = ("{\"architecture\":\"" + goArch() + "\",\"os\":\"linux\",\"created\":\"2026-01-01T00:00:00Z\","
          + "\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":" + cmdJson + "},"
          + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
      String configName = sha256(config) + ".json";
      byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[\"layer.tar\"]}]")
          .getBytes(StandardCharsets.UTF_8);
      try (OutputStream out = Files.newOutputStream(archive)) {
        Tar t = new Tar(out);
        t.file("layer.tar", layerTar, 0644);
        t.file(configName, config, 0644);
        t.file("manifest.json", manifest, 0644);
        t.finish();
      }
    }

    private static String goArch() {
      String arch = System.getProperty("os.arch");
      return arch.equals("aarch64") ? "arm64" : "amd64";
    }

    private static String sha256(byte[] b) throws Exception {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
  }

  /** A ustar writer (POSIX.1-1988 headers): regular files, directories, symbolic links. */
  static final class Tar {
    private final OutputStream out;

    Tar(OutputStream out) {
      this.out = out;
    }

    void file(String name, byte[] data, int mode) throws IOException {
      header(name, mode, data.length, '0', "");
      out.write(data);
      out.write(new byte[(512 - data.length % 512) % 512]);
    }

    void directory(String name) throws IOException {
      header(name, 0755, 0, '5', "");
    }

    void symlink(String name, String target) throws IOException {
      header(name, 0777, 0, '2', target);
    }

    void finish() throws IOException {
      out.write(new byte[1024]);
      out.flush();
    }

    private void header(String name, int mode, long size, char type, String link) throws IOException {
      byte[] h = new byte[512];
      put(h, 0, 100, name);
      put(h, 100, 8, String.format("%07o", mode));
      put(h, 108, 8, "0000000");
      put(h, 116, 8, "0000000");
      put(h, 124, 12, String.format("%011o", size));
      put(h, 136, 12, String.format("%011o", 1767225600L));
      java.util.Arrays.fill(h, 148, 156, (byte) ' ');
      h[156] = (byte) type;
      put(h, 157, 100, link);
      put(h, 257, 6, "ustar");
      put(h, 263, 2, "00");
      int sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, 8, String.format("%06o", sum));
      h[154] = 0;
      h[155] = ' ';
      out.write(h);
    }

    private static void put(byte[] h, int off, int len, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > len) {
        throw new IllegalArgumentException("too long for a ustar header: " + s);
      }
      System.arraycopy(b, 0, h, off, b.length);
    }
  }
}
