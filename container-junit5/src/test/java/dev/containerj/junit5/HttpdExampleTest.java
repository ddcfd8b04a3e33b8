package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerSpec;
import dev.containerj.net.PortMapping;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example: the host's busybox httpd in a container, one per test class, with an
 * ephemeral published port, ready once it answers HTTP; the tests talk to it from the host.
 */
@Tag("kernel")
class HttpdExampleTest {
  // README: httpd-example
  @RegisterExtension
  static ContainerExtension web = ContainerExtension.of(ContainerSpec.builder()
          .command("sh", "-c", "mkdir -p /tmp/www && echo hello from busybox > /tmp/www/index.html"
              + " && exec busybox httpd -f -vv -p 8080 -h /tmp/www")
          .publish(PortMapping.ephemeral(8080))
          .build())
      .waitingFor(Wait.forHttp(8080, "/", 200));

  @Test
  void servesItsPageToTheHost() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + web.mappedPort(8080) + "/index.html");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello from busybox\n");
  }
  // README: end

  @Test
  void servesAFileCopiedInAndItsLogSaysSo(@TempDir Path tmp) throws Exception {
    Path page = Files.writeString(tmp.resolve("copied.html"), "copied in\n");
    web.container().copyTo(page, "/tmp/www/copied.html");
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + web.mappedPort(8080) + "/copied.html");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.body()).isEqualTo("copied in\n");
    // httpd -vv logs each request on stderr: the log buffer has it once the pump read it
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (web.container().logs().stream().noneMatch(l -> l.text().contains("/copied.html"))
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(web.container().logs()).anyMatch(l -> l.source() == LogLine.Source.STDERR
        && l.text().contains("/copied.html"));
    assertThat(Wait.listening(web.container().container().pid(), 8080)).as("httpd listens in its netns").isTrue();
  }

  private static TestContainer seen;

  @Test
  void theClassSharesOneContainer() {
    synchronized (HttpdExampleTest.class) {
      if (seen == null) {
        seen = web.container();
      }
      assertThat(web.container()).isSameAs(seen);
    }
  }

  @AfterAll
  static void stillRunsInAfterAll() {
    assertThat(web.container().container().isRunning()).isTrue();
  }
}
