package dev.containerj.examples.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} (the CNCF distribution server) on 127.0.0.1, a free port, plain
 * HTTP, storage in a directory of the test's; {@link #close} stops it. Installed with apt-get when
 * missing and the test runs as root; an ordinary user's run fails naming the package (run-tests.sh
 * installs it).
 */
final class LocalRegistry implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;

  private LocalRegistry(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static LocalRegistry start(Path work) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      if (!"root".equals(System.getProperty("user.name"))) {
        throw new AssertionError(BINARY + " is missing: apt-get install docker-registry (run-tests.sh installs it)");
      }
      sh(work, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "docker-registry");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path storage = Files.createDirectories(work.resolve("storage"));
    Path config = Files.writeString(work.resolve("config.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
        + storage + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
    Process registry = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("registry.log").toFile()).start();
    LocalRegistry r = new LocalRegistry(registry, port);
    try {
      r.awaitPort();
    } catch (IOException | InterruptedException | RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  /** {@code 127.0.0.1:PORT}. */
  String host() {
    return "127.0.0.1:" + port;
  }

  /** Pushes the OCI image {@code source} (skopeo syntax) as {@code host()/repoTag} over plain HTTP. */
  void push(Path work, String source, String repoTag) throws Exception {
    // Never the machine's auth file (/run/containers/UID/auth.json, unreadable under a root Podman's 0700 dir).
    sh(work, "skopeo", "copy", "-q", "--dest-tls-verify=false", "--dest-authfile=" + work.resolve("push-auth.json"), source,
        "docker://" + host() + "/" + repoTag);
  }

  /** A registries.conf that lets the pull use plain HTTP for this registry. */
  Path insecureConf(Path work) throws IOException {
    return Files.writeString(work.resolve("registries.conf"), "[[registry]]\nlocation = \"" + host() + "\"\ninsecure = true\n");
  }

  static void sh(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    org.assertj.core.api.Assertions.assertThat(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("%s: %s", String.join(" ", cmd), out).isTrue();
  }

  private void awaitPort() throws IOException, InterruptedException {
    for (int i = 0; i < 400; i++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IOException("docker-registry exited " + process.exitValue());
        }
        Thread.sleep(50);
      }
    }
    throw new IOException("docker-registry did not listen on " + port);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
