package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code docker-credential-NAME} protocol against the real registry with htpasswd basic auth: a
 * helper script the test writes onto a child JVM's PATH, named by {@code credHelpers} (per registry)
 * or {@code credsStore} (for all) of {@code $DOCKER_CONFIG/config.json}, found through the same
 * search as a user's pull (no explicit auth file). The child JVM is needed because a helper is
 * looked up on PATH, which this JVM cannot change.
 */
@Timeout(180)
class CredentialHelperTest {
  @TempDir Path tmp;

  /** Child JVM: pulls args[1] into the store args[0] with the registries.conf args[2], prints the result. */
  public static void main(String[] args) throws Exception {
    PullOptions options = PullOptions.builder().registriesConf(Path.of(args[2])).build();
    try {
      Image image = new LayerStore(Path.of(args[0])).pull(RegistryReference.parse(args[1]), options);
      System.out.println("PULLED " + image.layers().size());
    } catch (RegistryException e) {
      System.out.println("FAILED " + e.status() + " " + e.getMessage());
      System.exit(3);
    }
  }

  /** A docker-credential-NAME that answers `get` for {@code host} only and logs what it was asked. */
  static void helper(Path bin, String name, String host, Path log) throws Exception {
    Path script = bin.resolve("docker-credential-" + name);
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "# the credential-helper protocol: the verb is the argument, the server on stdin, JSON on stdout",
        "[ \"$1\" = get ] || { echo \"unsupported: $1\" >&2; exit 1; }",
        "IFS= read -r server || [ -n \"$server\" ]",
        "printf '%s %s\\n' \"$1\" \"$server\" >>'" + log + "'",
        "if [ \"$server\" = '" + host + "' ]; then",
        "  printf '{\"ServerURL\":\"%s\",\"Username\":\"" + RegistryAuthTest.USER + "\",\"Secret\":\"" + RegistryAuthTest.SECRET + "\"}\\n' \"$server\"",
        "  exit 0",
        "fi",
        "echo 'credentials not found in native keychain'",
        "exit 1",
        ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
  }

  record Run(int code, String out) {}

  Run pull(Path bin, Path dockerConfig, Path store, String ref, Path conf) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
        StoreConcurrencyTest.classPath(), CredentialHelperTest.class.getName(), store.toString(), ref, conf.toString())
        .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("DOCKER_CONFIG", dockerConfig.toString());
    env.put("REGISTRY_AUTH_FILE", tmp.resolve("no-podman-auth.json").toString()); // absent: Docker's file is next
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void credHelpersAndCredsStoreRunTheHelperAndTheSecretStaysOutOfEverything() throws Exception {
    Path ht = Files.createDirectories(tmp.resolve("ht"));
    try (RegistryServer r = RegistryServer.start(tmp.resolve("registry"), null, null, RegistryAuthTest.htpasswd(ht))) {
      r.push(RegistryImages.layout(tmp.resolve("img"), "1", RegistryImages.busybox(61, 0)), "test/busybox:1",
          "--dest-creds", RegistryAuthTest.USER + ":" + RegistryAuthTest.SECRET);
      String ref = r.host() + "/test/busybox:1";
      Path conf = Files.writeString(tmp.resolve("r.conf"), "[[registry]]\nlocation = \"" + r.host() + "\"\ninsecure = true\n");
      Path bin = Files.createDirectories(tmp.resolve("bin"));
      Path log = tmp.resolve("helper.log");
      helper(bin, "cjtest", r.host(), log);
      List<String> outputs = new ArrayList<>();

      // credHelpers: the helper named for this registry
      Path perRegistry = Files.createDirectories(tmp.resolve("docker-a"));
      Files.writeString(perRegistry.resolve("config.json"), "{\"credHelpers\":{\"" + r.host() + "\":\"cjtest\"}}");
      Run a = pull(bin, perRegistry, tmp.resolve("store-a"), ref, conf);
      outputs.add(a.out());
      assertThat(a.code()).as(a.out()).isZero();
      assertThat(a.out()).contains("PULLED 2");
      assertThat(Files.readAllLines(log)).containsExactly("get " + r.host());

      // credsStore: one helper for every registry
      Path store = Files.createDirectories(tmp.resolve("docker-b"));
      Files.writeString(store.resolve("config.json"), "{\"credsStore\":\"cjtest\"}");
      Run b = pull(bin, store, tmp.resolve("store-b"), ref, conf);
      outputs.add(b.out());
      assertThat(b.code()).as(b.out()).isZero();
      assertThat(Files.readAllLines(log)).containsExactly("get " + r.host(), "get " + r.host());

      // a helper with nothing for this registry ("not found", exit 1): no credentials, the registry's 401
      Path other = Files.createDirectories(tmp.resolve("docker-c"));
      Files.writeString(other.resolve("config.json"), "{\"credHelpers\":{\"" + r.host() + "\":\"cjnone\"}}");
      helper(bin, "cjnone", "registry.invalid", log);
      Run c = pull(bin, other, tmp.resolve("store-c"), ref, conf);
      outputs.add(c.out());
      assertThat(c.code()).as(c.out()).isEqualTo(3);
      assertThat(c.out()).contains("FAILED 401").contains("requires credentials");
      assertThat(Files.readAllLines(log)).hasSize(3);

      for (String out : outputs) {
        assertThat(out).doesNotContain(RegistryAuthTest.SECRET);
      }
      for (String s : List.of("store-a", "store-b", "store-c")) {
        if (Files.exists(tmp.resolve(s))) {
          RegistryAuthTest.assertNoSecretUnder(tmp.resolve(s), RegistryAuthTest.SECRET);
        }
      }
    }
  }
}
