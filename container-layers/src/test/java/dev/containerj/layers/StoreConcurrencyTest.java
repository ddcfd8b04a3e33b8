package dev.containerj.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several threads and several JVMs import one image into one store: each layer is unpacked once. */
@Tag("rootless")
class StoreConcurrencyTest {
  @TempDir Path tmp;

  /** Entry point of the other JVMs: imports {@code args[1]} into the store at {@code args[0]}. */
  public static void main(String[] args) throws Exception {
    AtomicInteger unpacked = new AtomicInteger();
    new LayerStore(Path.of(args[0])).importImage(ImageReference.parse(args[1]), Platform.current(),
        counting(unpacked));
    System.out.println("unpacked=" + unpacked.get());
  }

  static UnpackListener counting(AtomicInteger unpacked) {
    return new UnpackListener() {
      @Override
      public void progress(String layer, long bytes, long entries) {
        if (entries == 1) {
          unpacked.incrementAndGet();
        }
      }
    };
  }

  /** The class path this test was loaded from (surefire's manifest jar, or a launcher's loader). */
  static String classPath() {
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
    if (StoreConcurrencyTest.class.getClassLoader() instanceof java.net.URLClassLoader) {
      for (java.net.URL u : ((java.net.URLClassLoader) StoreConcurrencyTest.class.getClassLoader()).getURLs()) {
        cp.append(java.io.File.pathSeparator).append(u.getPath());
      }
    }
    return cp.toString();
  }

  @Test
  void eachLayerIsUnpackedOnceAcrossThreadsAndJvms() throws Exception {
    List<byte[]> layers = new ArrayList<>();
    for (int l = 0; l < 6; l++) {
      OciBuilder.Layer layer = new OciBuilder.Layer();
      for (int i = 0; i < 300; i++) {
        layer.file("l" + l + "/f" + i, "layer " + l + " file " + i + "\n".repeat(100));
      }
      layers.add(layer.gzip());
    }
    ImageReference ref = OciBuilder.write(tmp.resolve("img"), "t", layers);
    Path storeDir = tmp.resolve("store");

    String java = ProcessHandle.current().info().command().orElse("java");
    List<Process> jvms = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      jvms.add(new ProcessBuilder(java, "-cp", classPath(),
          StoreConcurrencyTest.class.getName(), storeDir.toString(), ref.toString())
          .redirectErrorStream(true).start());
    }
    AtomicInteger unpacked = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Image>> futures = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        futures.add(pool.submit(() -> new LayerStore(storeDir).importImage(ref, Platform.current(), counting(unpacked))));
      }
      for (Future<Image> f : futures) {
        assertThat(f.get().layers()).hasSize(6);
      }
    } finally {
      pool.shutdownNow();
    }
    int total = unpacked.get();
    for (Process p : jvms) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
      total += Integer.parseInt(out.replaceAll("(?s).*unpacked=(\\d+).*", "$1"));
    }
    assertThat(total).as("layer unpacks across 3 threads and 2 JVMs").isEqualTo(6);
    LayerStore store = new LayerStore(storeDir);
    assertThat(store.images()).hasSize(1);
    assertThat(store.layerDirectory(store.images().get(0).layers().get(5)).resolve("l5/f299"))
        .content().startsWith("layer 5 file 299");
  }
}
