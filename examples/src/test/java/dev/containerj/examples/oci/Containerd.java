package dev.containerj.examples.oci;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * A containerd of a test's own: config, root, state, sockets, plugin and opt directories, the
 * runtime root ({@code ctr --runc-root}) and the fifos all under one temporary directory, a
 * namespace of its own, and {@code containerj-runtime} installed next to it as the build installs
 * it (the launcher script in {@code bin/}, a {@code containerj.jar} beside it; here the jar only
 * names the test's class path in its manifest). {@link #close()} removes everything also after a
 * failure: the tasks, containerd, the shims and what they kept alive, the mounts, the directories.
 */
final class Containerd implements AutoCloseable {
  /** The snapshotters that do not work here (no btrfs/zfs volume, no devmapper pool, no aufs). */
  private static final String DISABLED_SNAPSHOTTERS = "\"io.containerd.snapshotter.v1.btrfs\", "
      + "\"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\", "
      + "\"io.containerd.snapshotter.v1.aufs\"";

  record Result(int code, String out, String err) {}

  final Path dir;
  final Path socket;
  /** {@code ctr run --runc-root}; the shim calls the runtime with {@code --root} its namespace's subdirectory. */
  final Path runcRoot;
  /** The runtime's {@code --root}: {@link #runcRoot}/NAMESPACE. */
  final Path runtimeRoot;
  final Path launcher;
  final Path log;
  final String namespace = "cj-" + UUID.randomUUID().toString().substring(0, 8);
  private final Process daemon;
  /** Whether /run/containerd (ctr's fifos, the shims' sockets) was there before this containerd. */
  final boolean hadRunContainerd = Files.exists(Path.of("/run/containerd"));
  /** The fifo directories ctr had made before (another client's): the others are this test's. */
  private final List<Path> fifosBefore = list(Path.of("/run/containerd/fifo"));

  /**
   * Starts containerd with the config's common part plus {@code extra} (TOML appended as is;
   * {@code @LAUNCHER@} in it becomes the launcher's path, {@code @DIR@} the directory); {@code cri} keeps the CRI plugin, which
   * the other tests do not need.
   */
  Containerd(boolean cri, String extra) throws Exception {
    dir = Files.createTempDirectory("containerj-containerd-");
    socket = dir.resolve("containerd.sock");
    runcRoot = dir.resolve("runc-root");
    runtimeRoot = runcRoot.resolve(namespace);
    log = dir.resolve("containerd.log");
    launcher = installLauncher(dir.resolve("install"));
    String config = "version = 2\n"
        + "root = \"" + dir.resolve("root") + "\"\n"
        + "state = \"" + dir.resolve("state") + "\"\n"
        + "plugin_dir = \"" + dir.resolve("plugins") + "\"\n"
        + "disabled_plugins = [" + (cri ? "" : "\"io.containerd.grpc.v1.cri\", ") + DISABLED_SNAPSHOTTERS + "]\n"
        + "[grpc]\n  address = \"" + socket + "\"\n"
        + "[ttrpc]\n  address = \"" + dir.resolve("containerd.ttrpc") + "\"\n"
        + "[debug]\n  level = \"info\"\n"
        + "[plugins]\n  [plugins.\"io.containerd.internal.v1.opt\"]\n    path = \"" + dir.resolve("opt") + "\"\n"
        + extra.replace("@LAUNCHER@", launcher.toString()).replace("@DIR@", dir.toString());
    Path file = dir.resolve("config.toml");
    Files.writeString(file, config);
    ProcessBuilder pb = new ProcessBuilder("containerd", "--config", file.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    // The shims and the runtime inherit containerd's environment: no class-data cache recording
    // in a test (the launcher's cache is tested by LauncherTest).
    pb.environment().put("CONTAINERJ_CACHE", "off");
    daemon = pb.start();
    try {
      for (int i = 0; ; i++) {
        if (Files.exists(socket) && ctr("version").code() == 0) {
          break;
        }
        if (!daemon.isAlive() || i > 300) {
          throw new IllegalStateException("containerd did not start: " + Files.readString(log));
        }
        Thread.sleep(100);
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** {@code bin/containerj-runtime} (the launcher script) and {@code containerj.jar} next to {@code bin}. */
  private static Path installLauncher(Path install) throws IOException {
    Path bin = Files.createDirectories(install.resolve("bin"));
    Path launcher = bin.resolve("containerj-runtime");
    Files.copy(Path.of("src/main/launchers/containerj-runtime"), launcher);
    launcher.toFile().setExecutable(true, false);
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    StringBuilder cp = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      cp.append(Path.of(entry).toAbsolutePath().toUri()).append(' ');
    }
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, cp.toString().trim());
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(install.resolve("containerj.jar")), m)) {
      // the manifest alone: the classes are the build's (the test class path)
    }
    return launcher;
  }

  /** Runs {@code ctr --address SOCKET --namespace NS args...}. */
  Result ctr(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket.toString(), "--namespace", namespace));
    cmd.addAll(List.of(args));
    return run(cmd, 120);
  }

  /** {@code ctr run} through containerd's runc shim v2 with containerj-runtime as its runc. */
  Result ctrRun(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("run", "--runtime", "io.containerd.runc.v2", "--runc-binary",
        launcher.toString(), "--runc-root", runcRoot.toString(), "--fifo-dir", dir.resolve("fifo").toString()));
    cmd.addAll(List.of(args));
    return ctr(cmd.toArray(String[]::new));
  }

  /**
   * {@code ctr task exec}; its fifos are in /run/containerd/fifo (an exec given {@code --fifo-dir}
   * hung here in ctr 1.6.20 after its output), removed by {@link #close()}.
   */
  Result ctrExec(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("task", "exec"));
    cmd.addAll(List.of(args));
    return ctr(cmd.toArray(String[]::new));
  }

  /** Runs the launcher itself on the runtime root. */
  Result runtime(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--root", runtimeRoot.toString()));
    cmd.addAll(List.of(args));
    return run(cmd, 120);
  }

  private Result run(List<String> cmd, int seconds) throws Exception {
    Path out = Files.createTempFile(dir, "out", "");
    Path err = Files.createTempFile(dir, "err", "");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("CONTAINERJ_CACHE", "off");
    Process p = pb.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new IllegalStateException(cmd + " did not end in " + seconds + " s: " + Files.readString(err));
    }
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  /** The pids of the shims that serve this containerd (their command line names its socket). */
  List<Long> shims() {
    return ProcessHandle.allProcesses().filter(p -> {
      String cmdline = cmdline(p.pid());
      return cmdline.contains("containerd-shim") && cmdline.contains(socket.toString());
    }).map(ProcessHandle::pid).toList();
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  private static long parent(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Removes everything, in an order that leaves nothing running: each task killed and deleted and
   * each container removed through containerd; then containerd stopped; then any shim of it still
   * there killed with the processes it adopted (its containers' and execs', it is their subreaper)
   * and the runtime's own containers force-deleted (their cgroups); the mounts below the directory
   * detached; the directory, the shims' sockets and the runtime's leftovers removed.
   */
  @Override
  public void close() throws Exception {
    List<Throwable> errors = new ArrayList<>();
    try {
      if (daemon.isAlive()) {
        Result tasks = ctr("task", "ls", "-q");
        for (String id : tasks.out().lines().filter(l -> !l.isBlank()).toList()) {
          ctr("task", "kill", "--all", "--signal", "SIGKILL", id);
          for (int i = 0; i < 100 && !ctr("task", "delete", id).err().isEmpty() && ctr("task", "ls", "-q").out().contains(id); i++) {
            Thread.sleep(100);
          }
        }
        for (String id : ctr("container", "ls", "-q").out().lines().filter(l -> !l.isBlank()).toList()) {
          ctr("container", "rm", id);
        }
      }
    } catch (Exception | Error e) {
      errors.add(e);
    }
    daemon.destroy();
    if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
      daemon.destroyForcibly().waitFor();
    }
    List<String> shimSockets = new ArrayList<>();
    Path tasks = dir.resolve("state").resolve("io.containerd.runtime.v2.task").resolve(namespace);
    if (Files.isDirectory(tasks)) {
      try (Stream<Path> s = Files.list(tasks)) {
        for (Path t : s.toList()) {
          Path address = t.resolve("address");
          if (Files.exists(address)) {
            shimSockets.add(Files.readString(address).trim().replaceFirst("^unix://", ""));
          }
        }
      }
    }
    // A shim whose last task was deleted exits by itself (and removes its socket): give it a moment.
    for (int i = 0; i < 50 && !shims().isEmpty(); i++) {
      Thread.sleep(100);
    }
    for (long shim : shims()) {
      // The shim is the subreaper of its containers: its adopted children die with it here.
      ProcessHandle.allProcesses().filter(p -> parent(p.pid()) == shim).forEach(ProcessHandle::destroyForcibly);
      ProcessHandle.of(shim).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (Files.isDirectory(runtimeRoot)) {
      try (Stream<Path> s = Files.list(runtimeRoot)) {
        for (Path c : s.toList()) {
          runtime("delete", "--force", c.getFileName().toString());
        }
      }
    }
    unmountBelow(dir);
    for (String s : shimSockets) {
      Files.deleteIfExists(Path.of(s));
    }
    for (Path f : list(Path.of("/run/containerd/fifo"))) {
      if (!fifosBefore.contains(f)) {
        deleteTree(f);
      }
    }
    if (!hadRunContainerd) {
      // ctr and the shims made /run/containerd (fifo, s): gone again once empty
      for (String d : List.of("fifo", "s", "runc", "")) {
        try {
          Files.deleteIfExists(Path.of("/run/containerd", d));
        } catch (IOException e) {
          // not empty: someone else's
        }
      }
    }
    deleteTree(dir);
    if (!errors.isEmpty()) {
      IllegalStateException e = new IllegalStateException("cleanup of containerd in " + dir);
      errors.forEach(e::addSuppressed);
      throw e;
    }
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void unmountBelow(Path dir) throws Exception {
    List<String> points = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String point = line.split(" ")[4];
      if (point.startsWith(dir.toString() + "/")) {
        points.add(point);
      }
    }
    points.sort(Comparator.reverseOrder());
    for (String p : points) {
      new ProcessBuilder("umount", "-l", p).inheritIO().start().waitFor();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
