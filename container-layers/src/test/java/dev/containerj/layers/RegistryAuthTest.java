package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.layers.internal.AuthFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry auth and TLS against the real registry: htpasswd basic auth, Docker's token flow (a
 * token server in this JVM issuing RS256 JWTs the registry checks against its root bundle), TLS
 * with a self-signed CA through a cert dir. Secrets must show up nowhere.
 */
class RegistryAuthTest {
  static final String USER = "tester";
  static final String SECRET = "Pa55-w0rd-SECRET-7f3a";
  static final String WRONG = "WRONG-SECRET-19c2";

  @TempDir Path tmp;

  static String htpasswd(Path dir) throws Exception {
    String line = Tools.run(dir, Tools.require("htpasswd", "apache2-utils"), "-Bbn", USER, SECRET).trim();
    Path f = Files.writeString(dir.resolve("htpasswd"), line + "\n");
    return "auth:\n  htpasswd:\n    realm: cj-test\n    path: " + f;
  }

  /** A self-signed certificate for 127.0.0.1 (its own CA) and its key, PEM. */
  static Path[] selfSigned(Path dir, String cn) throws Exception {
    Path key = dir.resolve(cn + ".key");
    Path crt = dir.resolve(cn + ".crt");
    Tools.run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
        "-out", crt.toString(), "-days", "2", "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1");
    return new Path[] {crt, key};
  }

  PullOptions.Builder plainHttp(RegistryServer r) throws IOException {
    Path conf = Files.writeString(tmp.resolve("r.conf"), "[[registry]]\nlocation = \"" + r.host() + "\"\ninsecure = true\n");
    return PullOptions.builder().registriesConf(conf).authFile(tmp.resolve("auth.json"));
  }

  static void assertNoSecretUnder(Path dir, String... secrets) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        for (String secret : secrets) {
          assertThat(text).as("file %s", p).doesNotContain(secret);
        }
      }
    }
  }

  @Test
  void basicAuthWithExplicitCredentialsOrTheAuthFileAndNoSecretInErrorsOrTheStore() throws Exception {
    try (RegistryServer r = RegistryServer.start(tmp.resolve("registry"), null, null, htpasswd(Files.createDirectories(tmp.resolve("ht"))))) {
      r.push(RegistryImages.layout(tmp.resolve("img"), "1", RegistryImages.busybox(11, 0)), "test/busybox:1",
          "--dest-creds", USER + ":" + SECRET);
      RegistryReference ref = RegistryReference.parse(r.host() + "/test/busybox:1");
      LayerStore store = new LayerStore(tmp.resolve("store"));

      assertThatThrownBy(() -> store.pull(ref, plainHttp(r).build()))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(401))
          .hasMessageContaining("requires credentials");
      Throwable wrong = org.assertj.core.api.Assertions.catchThrowable(
          () -> store.pull(ref, plainHttp(r).credentials(new Credentials(USER, WRONG)).build()));
      assertThat(wrong).isInstanceOf(RegistryException.class).hasMessageContaining("401").hasMessageContaining(USER);
      assertThat(RegistryPullTest.rendered(wrong)).doesNotContain(WRONG).doesNotContain(
          Base64.getEncoder().encodeToString((USER + ":" + WRONG).getBytes(StandardCharsets.UTF_8)));
      assertThat(new Credentials(USER, SECRET).toString()).doesNotContain(SECRET);

      Image image = store.pull(ref, plainHttp(r).credentials(new Credentials(USER, SECRET)).build());
      assertThat(image.layers()).hasSize(2);

      // Podman's auth file, as `containerj login` writes it
      LayerStore store2 = new LayerStore(tmp.resolve("store2"));
      AuthFiles.store(tmp.resolve("auth.json"), r.host(), new Credentials(USER, SECRET));
      assertThat(Files.getPosixFilePermissions(tmp.resolve("auth.json")))
          .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
      assertThat(store2.pull(ref, plainHttp(r).build()).id()).isEqualTo(image.id());
      assertThat(AuthFiles.remove(tmp.resolve("auth.json"), r.host())).isTrue();
      assertThatThrownBy(() -> new LayerStore(tmp.resolve("store3")).pull(ref, plainHttp(r).build()))
          .isInstanceOf(RegistryException.class).hasMessageContaining("requires credentials");

      assertNoSecretUnder(store.directory(), SECRET, WRONG);
      assertNoSecretUnder(store2.directory(), SECRET, WRONG);
    }
  }

  @Test
  void tlsWithASelfSignedCaThroughACertDirAndRefusedWithoutIt() throws Exception {
    Path certs = Files.createDirectories(tmp.resolve("certs"));
    Path[] ck = selfSigned(certs, "registry");
    Path certDir = Files.createDirectories(tmp.resolve("cert-dir"));
    Files.copy(ck[0], certDir.resolve("ca.crt"));
    try (RegistryServer r = RegistryServer.start(tmp.resolve("registry"), ck[0], ck[1], "")) {
      r.push(RegistryImages.layout(tmp.resolve("img"), "1", RegistryImages.busybox(12, 0)), "test/busybox:1");
      RegistryReference ref = RegistryReference.parse(r.host() + "/test/busybox:1");
      LayerStore store = new LayerStore(tmp.resolve("store"));
      PullOptions noConf = PullOptions.builder().registriesConf(Files.writeString(tmp.resolve("empty.conf"), ""))
          .authFile(tmp.resolve("none.json")).build();
      assertThatThrownBy(() -> store.pull(ref, noConf))
          .isInstanceOf(RegistryException.class).hasMessageContaining("over HTTPS").hasMessageContaining("--cert-dir");
      assertThat(store.images()).isEmpty();
      Image image = store.pull(ref, noConf.toBuilder().certDir(certDir).build());
      assertThat(image.layers()).hasSize(2);
    }
  }

  @Test
  void tokenAuthFlowWithScopedBearerTokens() throws Exception {
    Path certs = Files.createDirectories(tmp.resolve("token-certs"));
    Path[] ck = selfSigned(certs, "token-signer");
    PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pem(ck[1], "PRIVATE KEY")));
    byte[] certDer;
    try (var in = Files.newInputStream(ck[0])) {
      certDer = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
    }
    AtomicInteger anonymous = new AtomicInteger();
    AtomicInteger authenticated = new AtomicInteger();
    List<String> scopes = new java.util.concurrent.CopyOnWriteArrayList<>();
    TokenServer tokens = new TokenServer((query, auth) -> {
      String scope = "";
      for (String kv : query.split("&")) {
        if (kv.startsWith("scope=")) {
          scope = java.net.URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
        }
      }
      scopes.add(scope);
      boolean ok = ("Basic " + Base64.getEncoder().encodeToString((USER + ":" + SECRET).getBytes(StandardCharsets.UTF_8))).equals(auth);
      if (auth != null && !ok) {
        return null;
      }
      (ok ? authenticated : anonymous).incrementAndGet();
      return "{\"token\":\"" + jwt(key, certDer, ok ? scope : "") + "\"}";
    });
    try {
      String auth = String.join("\n", "auth:", "  token:",
          "    realm: http://127.0.0.1:" + tokens.port() + "/token",
          "    service: cj-test", "    issuer: cj-issuer", "    rootcertbundle: " + ck[0]);
      try (RegistryServer r = RegistryServer.start(tmp.resolve("registry"), null, null, auth)) {
        r.push(RegistryImages.layout(tmp.resolve("img"), "1", RegistryImages.busybox(13, 0)), "test/busybox:1",
            "--dest-creds", USER + ":" + SECRET);
        RegistryReference ref = RegistryReference.parse(r.host() + "/test/busybox:1");
        LayerStore store = new LayerStore(tmp.resolve("store"));
        // anonymous: the token server hands out a token without access, the registry refuses it
        assertThatThrownBy(() -> store.pull(ref, plainHttp(r).build()))
            .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThat(anonymous.get()).isPositive();
        Throwable wrong = org.assertj.core.api.Assertions.catchThrowable(
            () -> store.pull(ref, plainHttp(r).credentials(new Credentials(USER, WRONG)).build()));
        assertThat(wrong).isInstanceOf(RegistryException.class).hasMessageContaining("token server");
        assertThat(RegistryPullTest.rendered(wrong)).doesNotContain(WRONG);

        Image image = store.pull(ref, plainHttp(r).credentials(new Credentials(USER, SECRET)).build());
        assertThat(image.layers()).hasSize(2);
        assertThat(authenticated.get()).isPositive();
        assertThat(scopes).contains("repository:test/busybox:pull");
        assertNoSecretUnder(store.directory(), SECRET, WRONG, "eyJ");
      }
    } finally {
      tokens.close();
    }
  }

  /** Answers the token requests: a minimal HTTP/1.1 server on 127.0.0.1 (GET only, one request a connection). */
  static final class TokenServer implements AutoCloseable {
    interface Handler {
      /** The JSON body, or null for 401. */
      @org.jspecify.annotations.Nullable String answer(String query, @org.jspecify.annotations.Nullable String authorization) throws Exception;
    }

    private final java.net.ServerSocket socket;
    private final Thread thread;

    TokenServer(Handler handler) throws IOException {
      socket = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (java.net.Socket c = socket.accept()) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
            String requestLine = in.readLine();
            String auth = null;
            for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
              if (h.regionMatches(true, 0, "Authorization:", 0, 14)) {
                auth = h.substring(14).trim();
              }
            }
            String target = requestLine == null ? "" : requestLine.split(" ")[1];
            String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
            String body = handler.answer(query, auth);
            byte[] b = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + (body == null ? "401 Unauthorized" : "200 OK") + "\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
            c.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            c.getOutputStream().write(b);
          } catch (Exception e) {
            if (!socket.isClosed()) {
              e.printStackTrace();
            }
          }
        }
      }, "token-server");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static byte[] pem(Path file, String type) throws IOException {
    String s = Files.readString(file);
    int a = s.indexOf("-----BEGIN " + type + "-----");
    int b = s.indexOf("-----END " + type + "-----");
    return Base64.getMimeDecoder().decode(s.substring(a + ("-----BEGIN " + type + "-----").length(), b));
  }

  static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Docker's token spec: an RS256 JWT whose x5c header chains to the registry's root bundle. */
  static String jwt(PrivateKey key, byte[] certDer, String scope) throws Exception {
    ObjectNode h = OciBuilder.json().createObjectNode();
    h.put("typ", "JWT").put("alg", "RS256").putArray("x5c").add(Base64.getEncoder().encodeToString(certDer));
    long now = System.currentTimeMillis() / 1000;
    ObjectNode c = OciBuilder.json().createObjectNode();
    c.put("iss", "cj-issuer").put("sub", USER).put("aud", "cj-test").put("exp", now + 600).put("nbf", now - 60)
        .put("iat", now).put("jti", Long.toString(System.nanoTime()));
    var access = c.putArray("access");
    if (!scope.isEmpty()) {
      String[] parts = scope.split(":");
      ObjectNode a = access.addObject().put("type", parts[0]).put("name", parts[1]);
      for (String action : parts[2].split(",")) {
        a.withArray("actions").add(action);
      }
    }
    String signing = b64(OciBuilder.json().writeValueAsBytes(h)) + "." + b64(OciBuilder.json().writeValueAsBytes(c));
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(key);
    s.update(signing.getBytes(StandardCharsets.US_ASCII));
    return signing + "." + b64(s.sign());
  }
}
