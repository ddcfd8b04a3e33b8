package dev.containerj.layers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A real registry for tests: Debian's {@code docker-registry} (the CNCF distribution server) on
 * 127.0.0.1, a free port and a storage directory of its own, installed with apt-get when missing
 * (as root). Close stops it and deletes everything it stored. Images go in with skopeo.
 */
public final class RegistryServer implements AutoCloseable {
  static final String BINARY = "/usr/bin/docker-registry";

  final Path dir;
  final Path storage;
  final Path log;
  final int port;
  private final Path config;
  private @Nullable Process process;

  /** Extra YAML (auth, tls) for the config, indented under the top level. */
  private RegistryServer(Path dir, int port, String httpExtra, String authYaml) throws IOException {
    this.dir = dir;
    this.storage = Files.createDirectories(dir.resolve("storage"));
    this.log = dir.resolve("registry.log");
    this.port = port;
    this.config = dir.resolve("config.yml");
    Files.writeString(config, String.join("\n",
        "version: 0.1",
        "log:",
        "  level: info",
        "  accesslog:",
        "    disabled: false",
        "storage:",
        "  filesystem:",
        "    rootdirectory: " + storage,
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        "  addr: 127.0.0.1:" + port,
        httpExtra,
        authYaml,
        ""));
  }

  static void ensureInstalled() throws IOException, InterruptedException {
    if (Files.isExecutable(Path.of(BINARY))) {
      return;
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new AssertionError(BINARY + " is missing: apt-get install docker-registry (run-tests.sh installs it)");
    }
    Process p = new ProcessBuilder("apt-get", "install", "-y", "-qq", "--no-install-recommends", "docker-registry")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (p.waitFor() != 0 || !Files.isExecutable(Path.of(BINARY))) {
      throw new AssertionError("apt-get install docker-registry failed");
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts a plain-HTTP registry; {@code tlsCert}/{@code tlsKey} make it HTTPS; {@code authYaml} adds an auth section. */
  static RegistryServer start(Path dir, @Nullable Path tlsCert, @Nullable Path tlsKey, String authYaml)
      throws IOException, InterruptedException {
    ensureInstalled();
    String tls = tlsCert == null ? "" : "  tls:\n    certificate: " + tlsCert + "\n    key: " + tlsKey;
    RegistryServer r = new RegistryServer(Files.createDirectories(dir), freePort(), tls, authYaml);
    try {
      r.startProcess();
    } catch (IOException | RuntimeException | Error e) {
      r.close();
      throw e;
    }
    return r;
  }

  public static RegistryServer start(Path dir) throws IOException, InterruptedException {
    return start(dir, null, null, "");
  }

  public String host() {
    return "127.0.0.1:" + port;
  }

  void startProcess() throws IOException, InterruptedException {
    process = new ProcessBuilder(BINARY, "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new AssertionError("docker-registry exited " + process.exitValue() + ":\n" + logText());
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("docker-registry did not listen on " + port + " within 20 s:\n" + logText());
        }
        Thread.sleep(50);
      }
    }
  }

  /** Kills it (SIGKILL: connections drop mid-transfer). */
  void kill() throws InterruptedException {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  public String logText() {
    try {
      return Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** How many GET requests for this blob the registry answered (its access log). */
  public int blobGets(String digest) {
    Matcher m = Pattern.compile("\"GET /v2/[^ ]*/blobs/" + Pattern.quote(digest) + " ").matcher(logText());
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The file holding a blob in the registry's filesystem storage. */
  Path blobData(String digest) {
    String hex = digest.substring(7);
    return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
  }

  /** skopeo copy SRC docker://127.0.0.1:PORT/DEST, plus extra skopeo flags. */
  public void push(String source, String dest, String... flags) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Tools.require("skopeo", "skopeo"), "copy", "-q", "--dest-tls-verify=false"));
    if (java.util.Arrays.stream(flags).noneMatch(f -> f.startsWith("--dest-authfile") || f.startsWith("--dest-creds"))) {
      // Never the machine's auth file (/run/containers/UID/auth.json): a root Podman's 0700
      // /run/containers makes it unreadable to an ordinary user, and credentials there are not the test's.
      cmd.add("--dest-authfile=" + dir.resolve("push-auth.json"));
    }
    cmd.addAll(List.of(flags));
    cmd.add(source);
    cmd.add("docker://" + host() + "/" + dest);
    Tools.run(dir, cmd.toArray(String[]::new));
  }

  @Override
  public void close() throws IOException {
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dev.containerj.layers.internal.Trees.delete(dir);
  }
}
