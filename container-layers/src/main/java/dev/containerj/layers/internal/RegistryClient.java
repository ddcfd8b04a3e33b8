package dev.containerj.layers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.containerj.layers.Credentials;
import dev.containerj.layers.PullOptions;
import dev.containerj.layers.RegistryException;
import dev.containerj.layers.RegistryReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * One registry, spoken to over the OCI distribution protocol (distribution-spec spec.md: {@code GET
 * /v2/}, {@code /v2/NAME/manifests/REF}, {@code /v2/NAME/blobs/DIGEST}) with the JDK's HttpClient.
 *
 * <p>Auth follows the registry's {@code WWW-Authenticate} challenge (RFC 7235): {@code Basic}
 * sends the credentials; {@code Bearer realm=,service=,scope=} fetches a token from the realm
 * (Docker's token spec), anonymously or with the credentials as basic auth, scoped to
 * {@code repository:NAME:pull}. Retries: 429 and 5xx answers and failed connections are retried
 * up to {@link PullOptions#retries()} times, waiting as {@code Retry-After} says (RFC 9110 10.2.3)
 * or 0.25 s doubling; a {@code Retry-After} over 30 s fails the pull at once with the registry's
 * answer (a pull that sleeps for hours looks hung). Redirects (blob storage on another host) are followed by hand, without the
 * registry's Authorization header, which another host must not see.
 *
 * <p>HTTP/1.1 only: each layer download gets a connection of its own, so a slow unpack holds back
 * only its own stream, not the others multiplexed over one HTTP/2 connection.
 */
public final class RegistryClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PARAM = Pattern.compile("([A-Za-z_]+)=(?:\"([^\"]*)\"|([^,\\s]*))");
  private static final int MAX_REDIRECTS = 5;

  private final String host;
  private final URI base;
  private final HttpClient http;
  private final @Nullable Credentials credentials;
  private final PullOptions options;
  private final String repository;
  private volatile @Nullable String authorization;

  private RegistryClient(String host, URI base, HttpClient http, @Nullable Credentials credentials,
      PullOptions options, String repository) {
    this.host = host;
    this.base = base;
    this.http = http;
    this.credentials = credentials;
    this.options = options;
    this.repository = repository;
  }

  /** The host this client talks to (a mirror's, when a mirror serves the pull). */
  public String host() {
    return host;
  }

  /**
   * Connects to {@code host} for {@code repository}: picks HTTPS, or plain HTTP when the registry
   * is insecure and does not speak TLS; checks {@code GET /v2/} answers like a registry.
   */
  public static RegistryClient connect(String host, String repository, boolean insecure, PullOptions options)
      throws IOException {
    String apiHost = host.equals(RegistryReference.DOCKER_HUB) ? RegistryReference.DOCKER_HUB_API : host;
    Credentials creds = options.credentials() != null ? options.credentials()
        : AuthFiles.lookup(host, options.authFile());
    HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(options.timeout())
        .sslContext(sslContext(host, insecure, options.certDir()))
        .build();
    URI https = URI.create("https://" + apiHost + "/");
    RegistryClient c = new RegistryClient(host, https, http, creds, options, repository);
    try {
      c.ping();
      return c;
    } catch (SSLException e) {
      if (!insecure) {
        throw new RegistryException("cannot reach registry " + host + " over HTTPS: " + e.getMessage()
            + " (a registry with a private CA needs its certificate in --cert-dir; a plain-HTTP registry"
            + " needs insecure = true in the registries configuration or --tls-verify=false)", 0, e);
      }
    }
    RegistryClient plain = new RegistryClient(host, URI.create("http://" + apiHost + "/"), http, creds, options, repository);
    plain.ping();
    return plain;
  }

  private void ping() throws IOException {
    HttpResponse<InputStream> r = send("GET", base.resolve("/v2/"), Map.of(), false, "GET /v2/");
    try (InputStream body = r.body()) {
      body.readNBytes(1 << 16);
    }
    if (r.statusCode() != 200 && r.statusCode() != 401) {
      throw new RegistryException("registry " + host + " answered GET /v2/ with HTTP " + r.statusCode()
          + " (not an OCI distribution registry?)", r.statusCode(), null);
    }
  }

  /** The {@code Accept} list for manifests: OCI and Docker v2, single and multi-platform. */
  static final String MANIFEST_ACCEPT = String.join(", ",
      "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json");

  /** A manifest or index, verified against its digest. */
  public record Manifest(String digest, String mediaType, JsonNode json) {}

  /**
   * Fetches a manifest by tag or digest; by digest it must match, by tag it must match the
   * {@code Docker-Content-Digest} the registry sends, if any.
   */
  public Manifest manifest(String tagOrDigest) throws IOException {
    String what = "manifest " + host + "/" + repository + ":" + tagOrDigest;
    HttpResponse<InputStream> r = send("GET", repoUri("manifests/" + tagOrDigest),
        Map.of("Accept", MANIFEST_ACCEPT), true, "GET " + what);
    byte[] data;
    try (InputStream body = r.body()) {
      data = body.readNBytes((8 << 20) + 1);
    }
    if (r.statusCode() == 404) {
      throw new RegistryException(what + " not found (HTTP 404): no such tag or repository", 404, null);
    }
    if (r.statusCode() != 200) {
      throw new RegistryException("GET " + what + " failed: HTTP " + r.statusCode() + errorText(data), r.statusCode(), null);
    }
    if (data.length > (8 << 20)) {
      throw new RegistryException(what + " is larger than 8 MiB", 200, null);
    }
    String digest = "sha256:" + VerifyingInputStream.sha256Hex(data);
    String expected = tagOrDigest.startsWith("sha256:") ? tagOrDigest
        : r.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (expected != null && expected.startsWith("sha256:") && !expected.equals(digest)) {
      throw new dev.containerj.layers.BlobVerificationException(expected, "manifest from " + host
          + " has digest " + digest);
    }
    JsonNode json;
    try {
      json = JSON.readTree(data);
    } catch (IOException e) {
      throw new RegistryException(what + " is not valid JSON", 200, null);
    }
    String mt = json.path("mediaType").asText(r.headers().firstValue("Content-Type").orElse(""));
    if (json.path("schemaVersion").asInt() == 1 || mt.contains("v1+prettyjws") || mt.equals("application/vnd.docker.distribution.manifest.v1+json")) {
      throw new RegistryException(what + " is a Docker schema 1 manifest, which is not supported", 200, null);
    }
    return new Manifest(digest, mt, json);
  }

  /** Reads a small blob (an image config) fully, verified. */
  public JsonNode jsonBlob(String digest, long size) throws IOException {
    try (InputStream in = blob(digest, size, 0, (o) -> { }, (o) -> { })) {
      return ImageSource.readVerifiedJson(in, digest, digest.substring(7), size, 8L << 20);
    }
  }

  /**
   * A blob's bytes from the start, resuming with a Range request where a connection drops.
   *
   * @param progress told the byte count so far, now and then
   * @param resumed told the offset of each resume
   */
  public InputStream blob(String digest, long size, int unused, java.util.function.LongConsumer progress,
      java.util.function.LongConsumer resumed) throws IOException {
    return new ResumingBlob(digest, size, progress, resumed);
  }

  private URI repoUri(String tail) {
    return base.resolve("/v2/" + repository + "/" + tail);
  }

  private HttpResponse<InputStream> openBlob(String digest, long from) throws IOException {
    String what = "GET blob " + digest + " of " + host + "/" + repository;
    Map<String, String> headers = from > 0 ? Map.of("Range", "bytes=" + from + "-") : Map.of();
    URI uri = repoUri("blobs/" + digest);
    boolean auth = true;
    for (int hop = 0; ; hop++) {
      HttpResponse<InputStream> r = send("GET", uri, headers, auth, what);
      int s = r.statusCode();
      if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
        r.body().close();
        String loc = r.headers().firstValue("Location").orElse(null);
        if (loc == null || hop >= MAX_REDIRECTS) {
          throw new RegistryException(what + ": redirect " + s + (loc == null ? " without Location" : " loop"), s, null);
        }
        URI next = uri.resolve(loc);
        if (!"https".equals(next.getScheme()) && !"http".equals(next.getScheme())) {
          throw new RegistryException(what + ": redirect to unsupported scheme " + next.getScheme(), s, null);
        }
        // The registry's Authorization goes to the registry only (storage URLs carry their own).
        auth = auth && next.getHost().equals(uri.getHost()) && next.getPort() == uri.getPort();
        uri = next;
        continue;
      }
      if (s == 200 || s == 206) {
        return r;
      }
      byte[] err;
      try (InputStream b = r.body()) {
        err = b.readNBytes(4096);
      }
      if (s == 404) {
        throw new RegistryException(what + " not found (HTTP 404)", 404, null);
      }
      throw new RegistryException(what + " failed: HTTP " + s + errorText(err), s, null);
    }
  }

  private static String errorText(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      List<String> codes = new ArrayList<>();
      for (JsonNode e : n.path("errors")) {
        codes.add(e.path("code").asText() + ": " + e.path("message").asText());
      }
      return codes.isEmpty() ? "" : " " + codes;
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /**
   * Sends a request with retries. When {@code auth}, a 401 is answered once per request by
   * authenticating against its challenge; the header value is kept for later requests.
   */
  HttpResponse<InputStream> send(String method, URI uri, Map<String, String> headers, boolean auth, String what)
      throws IOException {
    boolean reauthenticated = false;
    IOException last = null;
    for (int attempt = 0; ; ) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
          .timeout(options.timeout());
      headers.forEach(b::header);
      String a = authorization;
      if (auth && a != null) {
        b.header("Authorization", a);
      }
      HttpResponse<InputStream> r;
      try {
        r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (SSLException e) {
        throw e; // a TLS mismatch does not heal by retrying
      } catch (IOException e) {
        last = e;
        if (attempt++ >= options.retries()) {
          throw new RegistryException(what + " failed after " + attempt + " attempts: " + describe(e), 0, e);
        }
        pause(backoff(attempt), what);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(what + " interrupted");
      }
      int s = r.statusCode();
      if (s == 401 && auth && !reauthenticated) {
        String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
        r.body().close();
        authenticate(challenge);
        reauthenticated = true;
        continue;
      }
      if (s == 401 && auth) {
        r.body().close();
        throw new RegistryException(what + ": HTTP 401 unauthorized for " + host + "/" + repository
            + (credentials == null ? " (no credentials given or found in " + AuthFiles.pathList() + ")"
                : " with the credentials of user " + credentials.username()), 401, null);
      }
      if ((s == 429 || s >= 500) && attempt < options.retries()) {
        attempt++;
        java.util.Optional<Duration> asked = retryAfter(r);
        r.body().close();
        if (asked.isPresent() && asked.get().compareTo(MAX_RETRY_AFTER) > 0) {
          // Waiting hours in a pull looks like a hang: report what the registry asked for instead.
          throw new RegistryException(what + ": HTTP " + s + " from " + host + ", and its Retry-After asks for "
              + asked.get().toSeconds() + " s, more than the " + MAX_RETRY_AFTER.toSeconds()
              + " s a pull waits: try again later", s, null);
        }
        pause(asked.orElse(backoff(attempt)), what);
        continue;
      }
      return r;
    }
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
  }

  static Duration backoff(int attempt) {
    return Duration.ofMillis(Math.min(250L << Math.min(attempt - 1, 6), 8000));
  }

  /** The longest {@code Retry-After} a pull waits; a longer one fails the pull at once, saying so. */
  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);

  /** {@code Retry-After}: delta-seconds or an HTTP-date (RFC 9110 10.2.3), never negative; empty if absent or unparsable. */
  static java.util.Optional<Duration> retryAfter(HttpResponse<?> r) {
    return r.headers().firstValue("Retry-After").flatMap(v -> {
      Duration d;
      try {
        d = Duration.ofSeconds(Long.parseLong(v.trim()));
      } catch (NumberFormatException e) {
        try {
          d = Duration.between(java.time.Instant.now(), ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
        } catch (RuntimeException bad) {
          return java.util.Optional.empty();
        }
      }
      if (d.isNegative()) {
        d = Duration.ZERO;
      }
      return java.util.Optional.of(d);
    });
  }

  private static void pause(Duration d, String what) throws InterruptedIOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + " interrupted");
    }
  }

  /** Parses {@code Scheme k="v", k2=v2}. */
  static Map<String, String> challengeParams(String header) {
    Map<String, String> out = new LinkedHashMap<>();
    int sp = header.indexOf(' ');
    Matcher m = PARAM.matcher(sp < 0 ? "" : header.substring(sp + 1));
    while (m.find()) {
      out.put(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
    }
    return out;
  }

  private String basic() {
    Credentials c = java.util.Objects.requireNonNull(credentials);
    return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
  }

  private void authenticate(String challenge) throws IOException {
    String scheme = challenge.contains(" ") ? challenge.substring(0, challenge.indexOf(' ')) : challenge;
    if (scheme.equalsIgnoreCase("Basic")) {
      if (credentials == null) {
        throw new RegistryException("registry " + host + " requires credentials (basic auth) for "
            + repository + "; none given or found in " + AuthFiles.pathList(), 401, null);
      }
      authorization = basic();
      return;
    }
    if (!scheme.equalsIgnoreCase("Bearer")) {
      throw new RegistryException("registry " + host + " asks for unsupported auth scheme '" + scheme + "'", 401, null);
    }
    Map<String, String> p = challengeParams(challenge);
    String realm = p.get("realm");
    if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
      throw new RegistryException("registry " + host + " sent a Bearer challenge without an http(s) realm: " + realm, 401, null);
    }
    String scope = p.getOrDefault("scope", "repository:" + repository + ":pull");
    StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
    if (p.containsKey("service")) {
      q.append("service=").append(URLEncoder.encode(p.get("service"), StandardCharsets.UTF_8)).append('&');
    }
    q.append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    URI tokenUri = URI.create(q.toString());
    HttpRequest.Builder b = HttpRequest.newBuilder(tokenUri).GET().timeout(options.timeout());
    if (credentials != null) {
      b.header("Authorization", basic());
    }
    HttpResponse<byte[]> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("token request interrupted");
    } catch (IOException e) {
      throw new RegistryException("token server " + tokenUri.getHost() + " of registry " + host
          + " failed: " + describe(e), 0, e);
    }
    if (r.statusCode() != 200) {
      throw new RegistryException("token server " + tokenUri.getScheme() + "://" + tokenUri.getAuthority()
          + tokenUri.getPath() + " refused scope " + scope + ": HTTP " + r.statusCode()
          + (credentials == null ? " (anonymous)" : " (as user " + credentials.username() + ")"), r.statusCode(), null);
    }
    JsonNode n = JSON.readTree(r.body());
    String token = n.path("token").asText(n.path("access_token").asText(""));
    if (token.isEmpty()) {
      throw new RegistryException("token server of registry " + host + " answered without a token", 200, null);
    }
    authorization = "Bearer " + token;
  }

  /** Checks that the credentials are accepted: {@code GET /v2/} with them (login). */
  public void checkLogin() throws IOException {
    HttpResponse<InputStream> r = send("GET", base.resolve("/v2/"), Map.of(), true, "GET /v2/");
    r.body().close();
    if (r.statusCode() != 200) {
      throw new RegistryException("login to " + host + " failed: HTTP " + r.statusCode(), r.statusCode(), null);
    }
  }

  static SSLContext sslContext(String host, boolean insecure, @Nullable Path certDir) throws IOException {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      if (insecure) {
        ctx.init(null, new TrustManager[] {new TrustAll()}, null);
        return ctx;
      }
      List<X509Certificate> extra = new ArrayList<>();
      List<Path> dirs = new ArrayList<>();
      if (certDir != null) {
        if (!Files.isDirectory(certDir)) {
          throw new java.nio.file.NoSuchFileException(certDir.toString(), null, "cert dir is not a directory");
        }
        dirs.add(certDir);
      } else {
        dirs.add(AuthFiles.xdgConfigHome(System.getenv()).resolve("containerj").resolve("certs.d").resolve(host));
        dirs.add(Path.of("/etc/containers/certs.d").resolve(host));
      }
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (Path d : dirs) {
        if (!Files.isDirectory(d)) {
          continue;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d, "*.crt")) {
          for (Path f : s) {
            try (InputStream in = Files.newInputStream(f)) {
              for (var c : cf.generateCertificates(in)) {
                extra.add((X509Certificate) c);
              }
            } catch (java.security.cert.CertificateException e) {
              throw new IOException("CA certificate " + f + " cannot be read: " + e.getMessage(), e);
            }
          }
        }
      }
      if (extra.isEmpty()) {
        return SSLContext.getDefault();
      }
      TrustManagerFactory def = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      def.init((KeyStore) null);
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (TrustManager tm : def.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) {
            ks.setCertificateEntry("jdk-" + i++, c);
          }
        }
      }
      for (X509Certificate c : extra) {
        ks.setCertificateEntry("extra-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS for registry " + host + ": " + e.getMessage(), e);
    }
  }

  /** {@code --tls-verify=false}: accepts any certificate and host name (the user asked for it). */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override public void checkClientTrusted(X509Certificate[] c, String a, java.net.Socket s) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a, java.net.Socket s) {}
    @Override public void checkClientTrusted(X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {}
    @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
    @Override public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** A blob stream that reopens at its offset with {@code Range: bytes=N-} when the connection drops. */
  private final class ResumingBlob extends InputStream {
    private final String digest;
    private final long size;
    private final java.util.function.LongConsumer progress;
    private final java.util.function.LongConsumer resumed;
    private @Nullable InputStream current;
    private long position;
    private long reported;
    private int resumes;

    ResumingBlob(String digest, long size, java.util.function.LongConsumer progress,
        java.util.function.LongConsumer resumed) throws IOException {
      this.digest = digest;
      this.size = size;
      this.progress = progress;
      this.resumed = resumed;
      this.current = openBlob(digest, 0).body();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (true) {
        if (current == null) {
          throw new IOException("blob " + digest + " stream is closed");
        }
        IOException dropped;
        try {
          int n = current.read(b, off, len);
          if (n > 0) {
            position += n;
            if (position - reported >= (256 << 10) || (size > 0 && position == size)) {
              reported = position;
              progress.accept(position);
            }
            return n;
          }
          if (n < 0 && (size < 0 || position >= size)) {
            return -1;
          }
          if (n == 0) {
            return 0;
          }
          dropped = new IOException("connection closed at byte " + position + " of " + size);
        } catch (IOException e) {
          dropped = e;
        }
        if (resumes++ >= options.retries()) {
          throw new RegistryException("download of blob " + digest + " from " + host + " failed at byte "
              + position + " of " + size + " after " + (resumes - 1) + " resumes: " + describe(dropped), 0, dropped);
        }
        try {
          current.close();
        } catch (IOException ignored) {
          // the connection is gone already
        }
        current = null;
        pause(backoff(resumes), "resume of blob " + digest);
        HttpResponse<InputStream> r = openBlob(digest, position);
        if (r.statusCode() == 206) {
          String range = r.headers().firstValue("Content-Range").orElse("");
          if (!range.startsWith("bytes " + position + "-")) {
            r.body().close();
            throw new RegistryException("resume of blob " + digest + " at " + position + ": registry sent range '"
                + range + "'", 206, null);
          }
          current = r.body();
        } else {
          // No Range support: read again from the start and skip what was read already.
          InputStream in = r.body();
          long skip = position;
          while (skip > 0) {
            long k = in.skip(skip);
            if (k <= 0) {
              if (in.read() < 0) {
                in.close();
                throw new RegistryException("blob " + digest + " ended before byte " + position + " on a retry", 200, null);
              }
              k = 1;
            }
            skip -= k;
          }
          current = in;
        }
        resumed.accept(position);
      }
    }

    @Override
    public void close() throws IOException {
      InputStream c = current;
      current = null;
      if (c != null) {
        c.close();
      }
    }
  }
}
