package dev.containerj.examples.hermetic;

import dev.containerj.core.Container;
import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import dev.containerj.core.MountSpec;
import dev.containerj.core.Network;
import dev.containerj.core.RootFs;
import dev.containerj.namespaces.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A build tool's hermetic action, as Bazel's sandbox runs one: a command that sees only its declared
 * inputs (read-only, each at its own path), its tools ({@code /usr} here) and one writable output
 * directory. Every other host path is absent, not merely read-only: the root is an empty directory
 * holding only the mount points of the declared paths.
 */
public final class HermeticAction implements AutoCloseable {
  private final Path root;
  private final ContainerSpec spec;

  private HermeticAction(Path root, ContainerSpec spec) {
    this.root = root;
    this.spec = spec;
  }

  /**
   * Prepares the action's root (an empty tree with a mount point per declared path) and its spec.
   *
   * @param inputs absolute paths of files or directories the command may read
   * @param output the directory the command may write (it must exist and let the container's user in)
   * @param command the command line
   */
  public static HermeticAction prepare(List<Path> inputs, Path output, List<String> command) throws IOException {
    Path root = Files.createTempDirectory("containerj-action-root");
    try {
      Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      for (String d : List.of("proc", "dev", "sys", "usr")) {
        Files.createDirectory(root.resolve(d));
      }
      for (String d : List.of("bin", "lib", "lib64", "sbin")) {
        if (Files.isSymbolicLink(Path.of("/", d))) {
          Files.createSymbolicLink(root.resolve(d), Files.readSymbolicLink(Path.of("/", d)));
        }
      }
      ContainerSpec.Builder b = ContainerSpec.builder()
          .rootfs(RootFs.directory(root)).privateTmp(false).network(Network.none())
          .workingDirectory(output.toString()).command(command)
          .mount(MountSpec.bindReadOnly(Path.of("/usr"), "/usr"));
      for (Path in : inputs) {
        Path target = root.resolve(in.toString().substring(1));
        Files.createDirectories(Files.isDirectory(in) ? target : target.getParent());
        if (!Files.isDirectory(in) && !Files.exists(target)) {
          Files.createFile(target);
        }
        b.mount(MountSpec.bindReadOnly(in, in.toString()));
      }
      Files.createDirectories(root.resolve(output.toString().substring(1)));
      b.mount(MountSpec.bind(output, output.toString()));
      return new HermeticAction(root, b.build());
    } catch (IOException | RuntimeException e) {
      delete(root);
      throw e;
    }
  }

  /** The container spec of the action (one bind per declared input). */
  public ContainerSpec spec() {
    return spec;
  }

  /** Runs the action once and returns its exit status. */
  public ExitStatus run(ContainerRuntime runtime) throws InterruptedException {
    try (Container c = runtime.start(spec)) {
      return c.waitFor();
    }
  }

  /** The bwrap command line with the same view: the reference of the benchmark. */
  public static List<String> bwrapCommand(Path bwrap, List<Path> inputs, Path output, List<String> command) {
    List<String> argv = new ArrayList<>(List.of(bwrap.toString(), "--unshare-all", "--die-with-parent",
        "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"));
    for (String d : List.of("bin", "lib", "lib64", "sbin")) {
      Path p = Path.of("/", d);
      if (Files.isSymbolicLink(p)) {
        try {
          argv.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), p.toString()));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
    for (Path in : inputs) {
      argv.addAll(List.of("--ro-bind", in.toString(), in.toString()));
    }
    argv.addAll(List.of("--bind", output.toString(), output.toString(), "--chdir", output.toString()));
    argv.addAll(command);
    return argv;
  }

  /** Removes the prepared root. */
  @Override
  public void close() {
    delete(root);
  }

  private static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temp directory
    }
  }
}
