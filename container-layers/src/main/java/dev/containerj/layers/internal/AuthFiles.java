package dev.containerj.layers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.layers.Credentials;
import dev.containerj.layers.RegistryReference;
import dev.containerj.linux.internal.LibC;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Registry credentials in the files Podman and Docker keep them in: containers-auth.json(5)
 * ({@code ${XDG_RUNTIME_DIR}/containers/auth.json}) and Docker's {@code config.json}. Both hold
 * {@code auths} (base64 {@code user:password} per registry), {@code credHelpers} (a
 * {@code docker-credential-NAME} program per registry) and {@code credsStore} (one for all). The
 * helper protocol: {@code docker-credential-NAME get}, the server name on stdin, JSON
 * {@code {"Username","Secret"}} on stdout.
 *
 * <p>No method puts a secret into an exception message.
 */
public final class AuthFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuthFiles() {}

  static Path xdgConfigHome(Map<String, String> env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg);
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return Path.of(home, ".config");
  }

  /**
   * Podman's auth file: {@code $REGISTRY_AUTH_FILE}, else {@code ${XDG_RUNTIME_DIR}/containers/auth.json},
   * else {@code /run/containers/UID/auth.json}. Login writes here.
   */
  public static Path podmanAuthFile(Map<String, String> env) {
    String explicit = env.get("REGISTRY_AUTH_FILE");
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit);
    }
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && Path.of(runtime).isAbsolute()) {
      return Path.of(runtime, "containers", "auth.json");
    }
    return Path.of("/run/containers", Integer.toString(LibC.geteuid()), "auth.json");
  }

  /** Docker's file: {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
  static Path dockerConfig(Map<String, String> env) {
    String dc = env.get("DOCKER_CONFIG");
    if (dc != null && !dc.isEmpty()) {
      return Path.of(dc, "config.json");
    }
    return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".docker", "config.json");
  }

  /** The files searched, in order. */
  static List<Path> searchPath(@Nullable Path explicit, Map<String, String> env) {
    if (explicit != null) {
      return List.of(explicit);
    }
    return List.of(podmanAuthFile(env), dockerConfig(env));
  }

  /** The keys a registry may be stored under (Docker keeps Docker Hub under its v1 URL). */
  static List<String> keys(String registry) {
    List<String> k = new ArrayList<>(List.of(registry, "https://" + registry, "http://" + registry));
    if (registry.equals(RegistryReference.DOCKER_HUB)) {
      k.addAll(List.of("https://index.docker.io/v1/", "index.docker.io", RegistryReference.DOCKER_HUB_API));
    }
    return k;
  }

  /** The credentials stored for {@code registry}, or null. */
  public static @Nullable Credentials lookup(String registry, @Nullable Path explicit) throws IOException {
    for (Path file : searchPath(explicit, System.getenv())) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      JsonNode root;
      try {
        root = JSON.readTree(file.toFile());
      } catch (IOException e) {
        throw new IOException("auth file " + file + " is not valid JSON (" + e.getClass().getSimpleName() + ")");
      }
      for (String key : keys(registry)) {
        String helper = root.path("credHelpers").path(key).asText(null);
        if (helper != null) {
          return helper(helper, registry);
        }
      }
      for (String key : keys(registry)) {
        JsonNode a = root.path("auths").path(key);
        if (a.isObject()) {
          String auth = a.path("auth").asText("");
          if (!auth.isEmpty()) {
            String decoded;
            try {
              decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
              throw new IOException("auth file " + file + ": auths." + key + ".auth is not base64");
            }
            int c = decoded.indexOf(':');
            if (c <= 0) {
              throw new IOException("auth file " + file + ": auths." + key + ".auth is not base64 of USER:PASSWORD");
            }
            return new Credentials(decoded.substring(0, c), decoded.substring(c + 1));
          }
          String token = a.path("identitytoken").asText("");
          if (!token.isEmpty()) {
            return new Credentials("<token>", token);
          }
        }
      }
      String store = root.path("credsStore").asText(null);
      if (store != null && !store.isEmpty()) {
        Credentials c = helper(store, registry);
        if (c != null) {
          return c;
        }
      }
    }
    return null;
  }

  /** Runs {@code docker-credential-NAME get}; null when the helper has nothing for this registry. */
  static @Nullable Credentials helper(String name, String registry) throws IOException {
    if (!name.matches("[A-Za-z0-9_.-]+")) {
      throw new IOException("credential helper name must match [A-Za-z0-9_.-]+: " + name);
    }
    String program = "docker-credential-" + name;
    Process p;
    try {
      p = new ProcessBuilder(program, "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IOException("credential helper " + program + " cannot be run: " + e.getMessage());
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(registry.getBytes(StandardCharsets.UTF_8));
    }
    byte[] out;
    try (InputStream o = p.getInputStream()) {
      out = o.readNBytes(1 << 20);
    }
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("credential helper " + program + " did not answer within 30 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for " + program);
    }
    if (p.exitValue() != 0) {
      // "credentials not found in native keychain" is the protocol's answer for "none"; its text is
      // not repeated here because a broken helper might print what it read.
      return null;
    }
    JsonNode n;
    try {
      n = JSON.readTree(out);
    } catch (IOException e) {
      throw new IOException("credential helper " + program + " printed no valid JSON");
    }
    String user = n.path("Username").asText("");
    String secret = n.path("Secret").asText("");
    if (secret.isEmpty()) {
      return null;
    }
    return new Credentials(user.isEmpty() ? "<token>" : user, secret);
  }

  /** Stores credentials for {@code registry} in {@code file} (created 0600), as {@code podman login} does. */
  public static void store(Path file, String registry, Credentials c) throws IOException {
    ObjectNode root = read(file);
    ObjectNode auths = root.has("auths") && root.get("auths").isObject() ? (ObjectNode) root.get("auths") : root.putObject("auths");
    String auth = Base64.getEncoder().encodeToString((c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
    auths.putObject(registry).put("auth", auth);
    write(file, root);
  }

  /** Removes the entry of {@code registry}; returns whether there was one. */
  public static boolean remove(Path file, String registry) throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    ObjectNode root = read(file);
    JsonNode auths = root.path("auths");
    boolean removed = false;
    if (auths instanceof ObjectNode o) {
      for (String key : keys(registry)) {
        removed |= o.remove(key) != null;
      }
    }
    if (removed) {
      write(file, root);
    }
    return removed;
  }

  private static ObjectNode read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return JSON.createObjectNode();
    }
    JsonNode n;
    try {
      n = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException("auth file " + file + " is not valid JSON (" + e.getClass().getSimpleName() + ")");
    }
    if (!(n instanceof ObjectNode o)) {
      throw new IOException("auth file " + file + " does not hold a JSON object");
    }
    return o;
  }

  private static void write(Path file, ObjectNode root) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".auth-", ".json",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static String pathList() {
    return String.join(File.pathSeparator, searchPath(null, System.getenv()).stream().map(Path::toString).toList());
  }
}
