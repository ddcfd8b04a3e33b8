package dev.containerj.layers;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a real registry that answers some requests itself
 * first: each {@link #fail} rule gives its canned status and {@code Retry-After} to the next
 * requests whose path it matches, then lets them through. Every request is logged with the time it
 * arrived, so a test can measure how long a client waited before it retried.
 */
final class FlakyProxy implements AutoCloseable {
  /** One request as the proxy saw it: arrival (System.nanoTime), method, path, the status it got. */
  record Hit(long nanos, String method, String path, int status) {}

  private record Rule(Predicate<String> path, int status, String retryAfter) {}

  /** Hop-by-hop and length headers that the proxy sets itself (RFC 9110 7.6.1). */
  private static final Set<String> OWN_HEADERS = Set.of("connection", "content-length", "transfer-encoding", "date", "keep-alive");

  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String upstream;
  private final Deque<Rule> rules = new ArrayDeque<>();
  final List<Hit> hits = new CopyOnWriteArrayList<>();

  FlakyProxy(String upstreamHost) throws IOException {
    this.upstream = "http://" + upstreamHost;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code 127.0.0.1:PORT}. */
  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** The next request whose path contains {@code pathPart} gets {@code status} with this {@code Retry-After} (null: none). */
  synchronized FlakyProxy fail(String pathPart, int status, String retryAfter) {
    rules.add(new Rule(p -> p.contains(pathPart), status, retryAfter));
    return this;
  }

  private synchronized Rule take(String path) {
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

  private void handle(HttpExchange ex) throws IOException {
    long t = System.nanoTime();
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().toString();
    try (ex) {
      Rule rule = take(path);
      if (rule != null) {
        hits.add(new Hit(t, method, path, rule.status()));
        if (rule.retryAfter() != null) {
          ex.getResponseHeaders().add("Retry-After", rule.retryAfter());
        }
        byte[] body = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"test proxy\"}]}".getBytes();
        ex.sendResponseHeaders(rule.status(), method.equals("HEAD") ? -1 : body.length);
        if (!method.equals("HEAD")) {
          ex.getResponseBody().write(body);
        }
        return;
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + path))
          .method(method, HttpRequest.BodyPublishers.noBody());
      for (String h : List.of("Accept", "Authorization", "Range")) {
        for (String v : ex.getRequestHeaders().getOrDefault(h, List.of())) {
          b.header(h, v);
        }
      }
      HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      hits.add(new Hit(t, method, path, r.statusCode()));
      r.headers().map().forEach((k, vs) -> {
        if (!OWN_HEADERS.contains(k.toLowerCase(Locale.ROOT))) {
          vs.forEach(v -> ex.getResponseHeaders().add(k, v));
        }
      });
      try (InputStream in = r.body()) {
        byte[] body = in.readAllBytes();
        long length = r.headers().firstValueAsLong("Content-Length").orElse(body.length);
        if (method.equals("HEAD") || r.statusCode() == 304) {
          ex.getResponseHeaders().set("Content-Length", Long.toString(length));
          ex.sendResponseHeaders(r.statusCode(), -1);
        } else {
          ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
          ex.getResponseBody().write(body);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
