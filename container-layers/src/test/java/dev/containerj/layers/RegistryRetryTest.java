package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Retry-After} on 429 and 503 answers, through a proxy of the test's ({@link FlakyProxy}) in
 * front of the real registry: the pull waits as long as the registry asks before it asks again,
 * and a wait longer than a pull's bound (30 s) fails at once, naming it, instead of sleeping.
 */
@Timeout(120)
class RegistryRetryTest {
  @TempDir Path tmp;

  PullOptions options(String host) throws Exception {
    Path conf = Files.writeString(tmp.resolve("r.conf"), "[[registry]]\nlocation = \"" + host + "\"\ninsecure = true\n");
    return PullOptions.builder().registriesConf(conf).authFile(tmp.resolve("none.json")).build();
  }

  /** Seconds between the first request to a path (the canned answer) and the next one (the retry). */
  static double retryGap(FlakyProxy proxy, String pathPart, int status) {
    List<FlakyProxy.Hit> hits = proxy.hits(pathPart);
    assertThat(hits).as("requests to %s", pathPart).hasSizeGreaterThanOrEqualTo(2);
    assertThat(hits.get(0).status()).isEqualTo(status);
    assertThat(hits.get(1).status()).as("the retry went through").isBetween(200, 299);
    return (hits.get(1).nanos() - hits.get(0).nanos()) / 1e9;
  }

  @Test
  void a429And503WithRetryAfterAreRetriedAfterTheDelayAndThePullSucceeds() throws Exception {
    try (RegistryServer r = RegistryServer.start(tmp.resolve("registry"))) {
      r.push(RegistryImages.layout(tmp.resolve("img"), "1", RegistryImages.busybox(51, 0)), "test/busybox:1");
      try (FlakyProxy proxy = new FlakyProxy(r.host())) {
        // The client's own backoff would be 0.25 s: waits of 1 and 2 s can only come from Retry-After.
        proxy.fail("/manifests/", 503, "1").fail("/blobs/sha256:", 429, "2");
        LayerStore store = new LayerStore(tmp.resolve("store"));
        long t0 = System.nanoTime();
        Image image = store.pull(RegistryReference.parse(proxy.host() + "/test/busybox:1"), options(proxy.host()));
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(image.layers()).hasSize(2);
        assertThat(store.images()).extracting(Image::id).containsExactly(image.id());
        assertThat(retryGap(proxy, "/manifests/", 503)).as("wait after 503, Retry-After: 1").isBetween(0.95, 10.0);
        String blob = proxy.hits("/blobs/sha256:").get(0).path();
        assertThat(retryGap(proxy, blob, 429)).as("wait after 429, Retry-After: 2").isBetween(1.95, 10.0);
        assertThat(seconds).isGreaterThanOrEqualTo(2.95);
      }
    }
  }

  @Test
  void anAbsurdRetryAfterFailsThePullAtOnceNamingItInsteadOfSleeping() throws Exception {
    try (RegistryServer r = RegistryServer.start(tmp.resolve("registry"))) {
      r.push(RegistryImages.layout(tmp.resolve("img"), "1", RegistryImages.busybox(52, 0)), "test/busybox:1");
      try (FlakyProxy proxy = new FlakyProxy(r.host())) {
        proxy.fail("/manifests/", 429, "86400");
        LayerStore store = new LayerStore(tmp.resolve("store"));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.pull(RegistryReference.parse(proxy.host() + "/test/busybox:1"), options(proxy.host())))
            .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(429))
            .hasMessageContaining("HTTP 429").hasMessageContaining("Retry-After asks for 86400 s")
            .hasMessageContaining("more than the 30 s a pull waits");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds until the failure").isLessThan(10);
        assertThat(proxy.hits("/manifests/")).as("no retry").hasSize(1);
        assertThat(store.images()).isEmpty();
      }
    }
  }
}
