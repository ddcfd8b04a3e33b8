package dev.containerj.layers.bench;

import dev.containerj.layers.Image;
import dev.containerj.layers.LayerStore;
import dev.containerj.layers.PullOptions;
import dev.containerj.layers.RegistryImages;
import dev.containerj.layers.RegistryReference;
import dev.containerj.layers.RegistryServer;
import dev.containerj.layers.internal.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Pull of a multi-layer image from a local registry into an empty store until it is runnable:
 * ContainerJ ({@link LayerStore#pull}, in this warm JVM) against {@code skopeo copy docker://...
 * oci:DIR} followed by {@code umoci unpack} of the same image, and {@code podman pull} (into a
 * fresh {@code --root}) when podman is installed; then a second pull of the same image into the
 * same store (nothing to fetch). The registry is Debian's docker-registry on 127.0.0.1; the image is
 * busybox plus {@code layers} layers of {@code layerMiB} MiB of random files each (gzip).
 * Not part of the test suite; see README.md for how to run it.
 *
 * <p>Arguments: {@code [layers=5] [layerMiB=12] [rounds=5] [workDir=/var/tmp]}.
 */
public final class PullBenchmark {
  private PullBenchmark() {}

  public static void main(String[] args) throws Exception {
    int layers = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 12;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path work = Files.createTempDirectory(Path.of(args.length > 3 ? args[3] : "/var/tmp"), "cj-pull-bench-");
    boolean podman = Files.isExecutable(Path.of("/usr/bin/podman"));
    try (RegistryServer registry = RegistryServer.start(work.resolve("registry"))) {
      List<byte[]> ls = new ArrayList<>(RegistryImages.busybox(1, 0));
      long uncompressed = 0;
      for (int i = 0; i < layers; i++) {
        // several files per layer, as real layers have
        Object[] files = new Object[8];
        for (int f = 0; f < 4; f++) {
          files[2 * f] = "data/l" + i + "/f" + f + ".bin";
          files[2 * f + 1] = RegistryImages.random(100 * i + f, (mib << 20) / 4);
        }
        ls.add(RegistryImages.layer(i, files));
        uncompressed += (long) mib << 20;
      }
      registry.push(RegistryImages.layout(work.resolve("layout"), "1", ls), "bench/image:1");
      String ref = registry.host() + "/bench/image:1";
      Path conf = Files.writeString(work.resolve("registries.conf"),
          "[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n");
      PullOptions options = PullOptions.builder().registriesConf(conf).authFile(work.resolve("none.json")).build();
      long compressed = ls.stream().mapToLong(b -> b.length).sum();
      System.out.printf(Locale.ROOT, "image: %d layers, %.1f MB compressed, >= %.1f MB uncompressed%n",
          ls.size(), compressed / 1e6, uncompressed / 1e6);

      List<Double> cj = new ArrayList<>();
      List<Double> skopeoUmoci = new ArrayList<>();
      List<Double> pod = new ArrayList<>();
      List<Double> second = new ArrayList<>();
      for (int r = 0; r <= rounds; r++) {
        Path store = work.resolve("store-" + r);
        long t0 = System.nanoTime();
        Image image = new LayerStore(store).pull(RegistryReference.parse(ref), options);
        double a = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        new LayerStore(store).pull(RegistryReference.parse(ref), options);
        double again = (System.nanoTime() - t0) / 1e9;
        if (image.layers().size() != ls.size()) {
          throw new AssertionError("pulled " + image.layers().size() + " layers");
        }
        Trees.delete(store);

        Path oci = work.resolve("oci-" + r);
        Path bundle = work.resolve("bundle-" + r);
        t0 = System.nanoTime();
        run(work, "skopeo", "copy", "-q", "--src-tls-verify=false", "docker://" + ref, "oci:" + oci + ":1");
        run(work, "umoci", "unpack", "--image", oci + ":1", bundle.toString());
        double b = (System.nanoTime() - t0) / 1e9;
        Trees.delete(oci);
        Trees.delete(bundle);

        double c = Double.NaN;
        if (podman) {
          Path root = work.resolve("podman-root-" + r);
          Path runroot = work.resolve("podman-run-" + r);
          t0 = System.nanoTime();
          run(work, "podman", "--root", root.toString(), "--runroot", runroot.toString(), "pull", "-q",
              "--tls-verify=false", ref);
          c = (System.nanoTime() - t0) / 1e9;
          run(work, "podman", "--root", root.toString(), "--runroot", runroot.toString(), "rmi", "-a", "-f");
          Trees.delete(root);
          Trees.delete(runroot);
        }
        System.out.printf(Locale.ROOT, "round %d%s: containerj %.3f s, skopeo+umoci %.3f s%s, second pull %.1f ms%n",
            r, r == 0 ? " (warm-up)" : "", a, b, podman ? String.format(Locale.ROOT, ", podman %.3f s", c) : "",
            again * 1000);
        if (r > 0) {
          cj.add(a);
          skopeoUmoci.add(b);
          pod.add(c);
          second.add(again);
        }
      }
      double m1 = median(cj);
      double m2 = median(skopeoUmoci);
      System.out.printf(Locale.ROOT, "median: containerj %.3f s, skopeo copy + umoci unpack %.3f s (%.2fx)%s,"
          + " second pull %.1f ms%n", m1, m2, m1 / m2,
          podman ? String.format(Locale.ROOT, ", podman pull %.3f s (%.2fx)", median(pod), m1 / median(pod)) : ", podman not installed",
          median(second) * 1000);
    } finally {
      Trees.delete(work);
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
