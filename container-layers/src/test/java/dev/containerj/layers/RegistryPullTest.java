package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a real registry (Debian's docker-registry on 127.0.0.1), images pushed with skopeo.
 * Nothing is mocked; nothing but loopback is contacted.
 */
class RegistryPullTest {
  static Path shared;
  static RegistryServer registry;
  static Path conf;

  @TempDir Path tmp;

  @BeforeAll
  static void startRegistry() throws Exception {
    shared = Files.createTempDirectory("cj-registry-test-");
    try {
      registry = RegistryServer.start(shared.resolve("registry"));
      Path img = shared.resolve("images");
      registry.push(RegistryImages.layout(img.resolve("busybox"), "1", RegistryImages.busybox(1, 2)), "test/busybox:1");
      // other content: skopeo would reuse the gzip blobs already in the registry instead of recompressing
      registry.push(RegistryImages.layout(img.resolve("busybox-z"), "1", RegistryImages.busybox(2, 1)),
          "test/busybox:zstd", "--dest-compress-format", "zstd");
      registry.push("oci:" + img.resolve("busybox") + ":1", "test/busybox:docker", "--format", "v2s2");
      registry.push(RegistryImages.index(img.resolve("multi"), "1", RegistryImages.busybox(1, 0),
          "linux/" + (Platform.current().architecture().equals("amd64") ? "arm64" : "amd64"),
          Platform.current().toString()), "test/multi:1", "--all");
      registry.push(RegistryImages.index(img.resolve("other"), "1", RegistryImages.busybox(1, 0),
          "linux/s390x", "linux/ppc64le"), "test/other:1", "--all");
      conf = Files.writeString(shared.resolve("registries.conf"),
          "# the test registry speaks plain HTTP\n[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n");
    } catch (Exception | Error e) {
      stopRegistry();
      throw e;
    }
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
    dev.containerj.layers.internal.Trees.delete(shared);
  }

  PullOptions.Builder options() {
    return PullOptions.builder().registriesConf(conf).authFile(tmp.resolve("no-auth.json"));
  }

  LayerStore store() throws IOException {
    return new LayerStore(tmp.resolve("store"));
  }

  @Test
  void anonymousPullUnpacksEveryLayerOnceAndASecondPullFetchesNothing() throws Exception {
    LayerStore store = store();
    Set<String> done = ConcurrentHashMap.newKeySet();
    Set<String> present = ConcurrentHashMap.newKeySet();
    PullListener l = new PullListener() {
      @Override public void layerDone(Descriptor d) {
        done.add(d.digest());
      }

      @Override public void layerPresent(Descriptor d) {
        present.add(d.digest());
      }
    };
    RegistryReference ref = RegistryReference.parse(registry.host() + "/test/busybox:1");
    Image image = store.pull(ref, options().listener(l).build());

    assertThat(image.layers()).hasSize(3);
    assertThat(image.reference()).isEqualTo(registry.host() + "/test/busybox:1");
    assertThat(image.config().cmd()).containsExactly("/bin/sh");
    assertThat(done).hasSize(3);
    assertThat(Files.readString(store.layerDirectory(image.layers().get(1)).resolve("etc/hello.txt")))
        .isEqualTo("hello from the registry\n");
    assertThat(Files.size(store.layerDirectory(image.layers().get(2)).resolve("data/random.bin"))).isEqualTo(2 << 20);
    assertThat(Files.readSymbolicLink(store.layerDirectory(image.layers().get(0)).resolve("bin/sh")).toString())
        .isEqualTo("busybox");
    for (Descriptor d : image.layers()) {
      assertThat(registry.blobGets(d.digest())).as("GETs of %s", d.digest()).isEqualTo(1);
    }
    assertThat(store.image(ref.toString())).get().extracting(Image::id).isEqualTo(image.id());

    long t0 = System.nanoTime();
    Image again = store.pull(ref, options().listener(l).build());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(again.id()).isEqualTo(image.id());
    assertThat(present).hasSize(3);
    for (Descriptor d : image.layers()) {
      assertThat(registry.blobGets(d.digest())).as("GETs of %s after the second pull", d.digest()).isEqualTo(1);
    }
    System.out.println("second pull of " + ref + ": " + ms + " ms");
    assertThat(store.images()).hasSize(1);
  }

  @Test
  void zstdAndDockerManifestsPullToo() throws Exception {
    LayerStore store = store();
    Image zstd = store.pull(RegistryReference.parse(registry.host() + "/test/busybox:zstd"), options().build());
    assertThat(zstd.layers()).allSatisfy(d -> assertThat(d.mediaType()).contains("zstd"));
    assertThat(Files.readString(store.layerDirectory(zstd.layers().get(1)).resolve("etc/hello.txt")))
        .isEqualTo("hello from the registry\n");
    Image docker = store.pull(RegistryReference.parse("docker://" + registry.host() + "/test/busybox:docker"),
        options().build());
    assertThat(docker.layers()).allSatisfy(d -> assertThat(d.mediaType()).startsWith("application/vnd.docker.image.rootfs"));
    assertThat(store.layerDirectory(docker.layers().get(0)).resolve("bin/busybox")).isExecutable();
  }

  @Test
  void anIndexYieldsThisPlatformsManifest() throws Exception {
    Image image = store().pull(RegistryReference.parse(registry.host() + "/test/multi:1"), options().build());
    assertThat(image.config().cmd()).containsExactly("/bin/sh-" + Platform.current().toString().replace('/', '-'));
  }

  @Test
  void anIndexWithoutThisPlatformIsAClearError() throws Exception {
    LayerStore store = store();
    assertThatThrownBy(() -> store.pull(RegistryReference.parse(registry.host() + "/test/other:1"), options().build()))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("no manifest for platform " + Platform.current())
        .hasMessageContaining("linux/s390x").hasMessageContaining("linux/ppc64le");
    assertThat(store.images()).isEmpty();
  }

  @Test
  void anUnknownTagIs404NamingIt() throws Exception {
    LayerStore store = store();
    assertThatThrownBy(() -> store.pull(RegistryReference.parse(registry.host() + "/test/busybox:nope"), options().build()))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("test/busybox:nope").hasMessageContaining("404");
  }

  @Test
  void plainHttpOnlyWhenConfigured() throws Exception {
    LayerStore store = store();
    RegistryReference ref = RegistryReference.parse(registry.host() + "/test/busybox:1");
    PullOptions unconfigured = PullOptions.builder().registriesConf(tmp.resolve("empty.conf"))
        .authFile(tmp.resolve("none.json")).retries(0).build();
    Files.writeString(tmp.resolve("empty.conf"), "");
    assertThatThrownBy(() -> store.pull(ref, unconfigured))
        .isInstanceOf(RegistryException.class).hasMessageContaining("over HTTPS").hasMessageContaining("insecure");
    assertThat(store.images()).isEmpty();
    // --tls-verify=false allows it as the configuration does
    assertThat(store.pull(ref, unconfigured.toBuilder().tlsVerify(false).build()).layers()).hasSize(3);
  }

  @Test
  void aMirrorServesAMadeUpRegistry() throws Exception {
    Path mirrorConf = Files.writeString(tmp.resolve("mirror.conf"), String.join("\n",
        "[[registry]]", "location = \"registry.example.invalid\"",
        "[[registry.mirror]]", "location = \"" + registry.host() + "\"", "insecure = true", ""));
    Image image = store().pull(RegistryReference.parse("registry.example.invalid/test/busybox:1"),
        options().registriesConf(mirrorConf).build());
    assertThat(image.reference()).isEqualTo("registry.example.invalid/test/busybox:1");
    assertThat(image.layers()).hasSize(3);
  }

  @Test
  void aCorruptBlobIsNamedAndLeavesNothing() throws Exception {
    Path layout = tmp.resolve("corrupt-img");
    List<byte[]> layers = RegistryImages.busybox(77, 1);
    registry.push(RegistryImages.layout(layout, "1", layers), "test/corrupt:1");
    String bad = "sha256:" + dev.containerj.layers.internal.VerifyingInputStream.sha256Hex(layers.get(2));
    Path data = registry.blobData(bad);
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55, 0x55, 0x55, 0x55}), Files.size(data) / 2);
    }
    LayerStore store = store();
    assertThatThrownBy(() -> store.pull(RegistryReference.parse(registry.host() + "/test/corrupt:1"), options().build()))
        .isInstanceOfSatisfying(BlobVerificationException.class, e -> assertThat(e.blob()).isEqualTo(bad))
        .hasMessageContaining(bad);
    assertThat(store.hasLayer(bad)).isFalse();
    assertThat(store.images()).isEmpty();
    try (Stream<Path> s = Files.list(store.directory().resolve("tmp"))) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void aRegistryStoppedMidBlobIsResumedWithRange(@TempDir Path own) throws Exception {
    try (RegistryServer r = RegistryServer.start(own.resolve("registry"))) {
      List<byte[]> layers = RegistryImages.busybox(5, 24);
      r.push(RegistryImages.layout(own.resolve("img"), "1", layers), "test/big:1");
      String big = "sha256:" + dev.containerj.layers.internal.VerifyingInputStream.sha256Hex(layers.get(2));
      AtomicBoolean killed = new AtomicBoolean();
      AtomicLong resumedAt = new AtomicLong(-1);
      Thread[] restarter = new Thread[1];
      PullListener l = new PullListener() {
        @Override public void layerProgress(Descriptor d, long bytes) {
          if (d.digest().equals(big) && bytes >= (1 << 20) && killed.compareAndSet(false, true)) {
            try {
              r.kill();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            restarter[0] = new Thread(() -> {
              try {
                Thread.sleep(700);
                r.startProcess();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
            restarter[0].start();
          }
        }

        @Override public void resumed(Descriptor d, long offset) {
          resumedAt.compareAndSet(-1, offset);
        }
      };
      Path conf2 = Files.writeString(own.resolve("r.conf"), "[[registry]]\nlocation = \"" + r.host() + "\"\ninsecure = true\n");
      LayerStore store = new LayerStore(own.resolve("store"));
      Image image = store.pull(RegistryReference.parse(r.host() + "/test/big:1"),
          PullOptions.builder().registriesConf(conf2).authFile(own.resolve("none.json")).listener(l).build());
      restarter[0].join();
      assertThat(killed).isTrue();
      assertThat(resumedAt.get()).as("resumed at a byte offset inside the blob").isGreaterThanOrEqualTo(1 << 20)
          .isLessThan(layers.get(2).length);
      assertThat(Files.size(store.layerDirectory(image.layers().get(2)).resolve("data/random.bin"))).isEqualTo(24 << 20);
      // The killed registry never logged the GET it was cut off in; the restarted one logs the ranged one.
      assertThat(r.blobGets(big)).as("GETs logged by the restarted registry").isEqualTo(1);
    }
  }

  /** Entry point of the child JVMs: pulls {@code args[1]} into the store {@code args[0]} with the config {@code args[2]}. */
  public static void main(String[] args) throws Exception {
    java.util.concurrent.atomic.AtomicInteger fetched = new java.util.concurrent.atomic.AtomicInteger();
    new LayerStore(Path.of(args[0])).pull(RegistryReference.parse(args[1]), PullOptions.builder()
        .registriesConf(Path.of(args[2])).authFile(Path.of(args[0] + "-none.json")).listener(new PullListener() {
          @Override public void layerDone(Descriptor d) {
            fetched.incrementAndGet();
          }
        }).build());
    System.out.println("fetched=" + fetched.get());
  }

  @Test
  void twoJvmsPullingAtOnceFetchEachLayerOnce() throws Exception {
    List<byte[]> layers = new java.util.ArrayList<>(RegistryImages.busybox(31, 4));
    layers.add(RegistryImages.layer(31, "data/more.bin", RegistryImages.random(32, 4 << 20)));
    registry.push(RegistryImages.layout(tmp.resolve("img"), "1", layers), "test/twojvm:1");
    Path storeDir = tmp.resolve("store");
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    List<Process> jvms = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      jvms.add(new ProcessBuilder(javaBin, "-cp", StoreConcurrencyTest.classPath(), RegistryPullTest.class.getName(),
          storeDir.toString(), registry.host() + "/test/twojvm:1", conf.toString()).redirectErrorStream(true).start());
    }
    int total = 0;
    for (Process p : jvms) {
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
      total += Integer.parseInt(out.replaceAll("(?s).*fetched=(\\d+).*", "$1"));
    }
    assertThat(total).as("layers fetched by the two JVMs together").isEqualTo(4);
    for (byte[] l : layers) {
      String digest = "sha256:" + dev.containerj.layers.internal.VerifyingInputStream.sha256Hex(l);
      assertThat(registry.blobGets(digest)).as("GETs of %s", digest).isEqualTo(1);
    }
    assertThat(new LayerStore(storeDir).images()).hasSize(1);
  }

  /** Renders an exception with its causes and stack, as a log would. */
  static String rendered(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
