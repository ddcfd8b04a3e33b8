package dev.containerj.layers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a real registry that answers some requests itself
 * first: each {@link #fail} rule gives its canned status and {@code Retry-After} to the next
 * requests whose path it matches, then lets them through. Every request is logged with the time it
 * arrived, so a test can measure how long a client waited before it retried.
 */
final class FlakyProxy implements AutoCloseable {
  /** One request as the proxy saw it: arrival (System.nanoTime), method, path, the status it got. */
  record Hit(long nanos, String method, String path, int status) {}

  private record Rule(Predicate<String> path, int status, @Nullable String retryAfter) {}

  /** Hop-by-hop and length headers that the proxy sets itself (RFC 9110 7.6.1). */
  private static final Set<String> OWN_HEADERS = Set.of("connection", "content-length", "transfer-encoding", "date", "keep-alive");

  private final ServerSocket server;
  private final Thread acceptor;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String upstream;
  private final Deque<Rule> rules = new ArrayDeque<>();
  final List<Hit> hits = new CopyOnWriteArrayList<>();

  /** Listens on 127.0.0.1; one thread per connection, each answered with Connection: close. */
  FlakyProxy(String upstreamHost) throws IOException {
    this.upstream = "http://" + upstreamHost;
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket c = server.accept();
          Thread t = new Thread(() -> serve(c), "flaky-proxy-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          // closed
        }
      }
    }, "flaky-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** {@code 127.0.0.1:PORT}. */
  String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** The next request whose path contains {@code pathPart} gets {@code status} with this {@code Retry-After} (null: none). */
  synchronized FlakyProxy fail(String pathPart, int status, @Nullable String retryAfter) {
    rules.add(new Rule(p -> p.contains(pathPart), status, retryAfter));
    return this;
  }

  private synchronized @Nullable Rule take(String path) {
    for (Rule r : rules) {
      if (r.path().test(path)) {
        rules.remove(r);
        return r;
      }
    }
    return null;
  }

  /** The requests whose path contains {@code pathPart}, in arrival order. */
  List<Hit> hits(String pathPart) {
    List<Hit> out = new ArrayList<>();
    for (Hit h : hits) {
      if (h.path().contains(pathPart)) {
        out.add(h);
      }
    }
    return out;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  private void serve(Socket c) {
    try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
      long t = System.nanoTime();
      String[] request = line(in).split(" ");
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(in); !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
      String method = request[0];
      String path = request[1];
      boolean head = method.equals("HEAD");
      Rule rule = take(path);
      if (rule != null) {
        hits.add(new Hit(t, method, path, rule.status()));
        byte[] body = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"test proxy\"}]}".getBytes(StandardCharsets.UTF_8);
        respond(out, rule.status(), rule.retryAfter() == null ? Map.of() : Map.of("Retry-After", List.of(rule.retryAfter())),
            head ? new byte[0] : body, body.length);
        return;
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + path)).method(method, HttpRequest.BodyPublishers.noBody());
      for (String h : List.of("accept", "authorization", "range")) {
        if (headers.containsKey(h)) {
          b.header(h, headers.get(h));
        }
      }
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      hits.add(new Hit(t, method, path, r.statusCode()));
      long length = head ? r.headers().firstValueAsLong("Content-Length").orElse(0) : r.body().length;
      respond(out, r.statusCode(), r.headers().map(), r.body(), length);
    } catch (IOException | RuntimeException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void respond(OutputStream out, int status, Map<String, List<String>> headers, byte[] body, long length)
      throws IOException {
    StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
    headers.forEach((k, vs) -> {
      if (!OWN_HEADERS.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
        vs.forEach(v -> sb.append(k).append(": ").append(v).append("\r\n"));
      }
    });
    sb.append("Content-Length: ").append(length).append("\r\nConnection: close\r\n\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
