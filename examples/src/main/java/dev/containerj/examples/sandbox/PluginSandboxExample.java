package dev.containerj.examples.sandbox;

import dev.containerj.core.sandbox.PluginProcess;
import dev.containerj.core.sandbox.PluginResult;
import dev.containerj.core.sandbox.PluginSandbox;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * The host side of the plugin sandbox example: runs {@link HostilePlugin} in a {@link PluginSandbox}
 * and shows each of its attempts denied, then that the host is unharmed. Run as root:
 * {@code java -cp examples/target/containerj.jar dev.containerj.examples.sandbox.PluginSandboxExample}.
 */
public final class PluginSandboxExample {
  private PluginSandboxExample() {}

  /** Prints each attempt and its answer; exits 1 when an attempt was not denied. */
  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("containerj-plugin-example");
    Path jar = pluginJar(work);
    boolean allDenied = true;
    // README: plugin-sandbox
    PluginSandbox sandbox = PluginSandbox.builder()
        .classPath(List.of(jar)).mainClass(HostilePlugin.class.getName())
        .memory(256L << 20).pids(64).cpus(1).timeout(Duration.ofSeconds(20))
        .jvmOptions(List.of("-Xmx3g")) // the heap may grow past the cgroup's limit: the kernel stops it
        .build();
    try (ServerSocket hostService = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      List<String> requests = List.of(
          "read " + System.getProperty("user.home") + "/.ssh",
          "read /etc/shadow",
          "connect " + hostService.getLocalPort(),
          "write /usr/planted",
          "write /planted",
          "threads 1000",
          "alloc 2048");
      Exchange ex = exchange(sandbox, requests);
      for (int i = 0; i < requests.size(); i++) {
        String answer = i < ex.answers().size() ? ex.answers().get(i) : "(no answer: " + ex.result().reason() + ")";
        allDenied &= !answer.startsWith("OK");
        System.out.printf("%-40s -> %s%n", requests.get(i), answer);
      }
      System.out.println("plugin ended: " + ex.result().reason() + " " + ex.result().status());
    }
    // README: end
    System.out.println("host unharmed: /planted " + (Files.exists(Path.of("/planted")) ? "EXISTS" : "absent")
        + ", /usr/planted " + (Files.exists(Path.of("/usr/planted")) ? "EXISTS" : "absent"));
    deleteTree(work);
    System.exit(allDenied ? 0 : 1);
  }

  /** The answers of a plugin run to {@code requests} (one line each, until it ended) and its result. */
  public record Exchange(List<String> answers, PluginResult result) {}

  /** Starts the plugin, writes the requests one at a time, reads an answer after each. */
  public static Exchange exchange(PluginSandbox sandbox, List<String> requests) throws IOException, InterruptedException {
    List<String> answers = new ArrayList<>();
    try (PluginProcess p = sandbox.start()) {
      OutputStream in = p.stdin();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8));
      for (String r : requests) {
        try {
          in.write((r + "\n").getBytes(StandardCharsets.UTF_8));
          in.flush();
        } catch (IOException e) {
          break; // it is gone (killed at a limit)
        }
        String answer = out.readLine();
        if (answer == null) {
          break;
        }
        answers.add(answer);
      }
      in.close();
      return new Exchange(answers, p.waitFor());
    }
  }

  /** A jar holding {@link HostilePlugin} alone: the plugin sees nothing of the host's class path. */
  public static Path pluginJar(Path dir) throws IOException {
    Path jar = dir.resolve("hostile-plugin.jar");
    String entry = HostilePlugin.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        InputStream cls = HostilePlugin.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      cls.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
