package dev.containerj.examples.cli;

import dev.containerj.core.Images;
import dev.containerj.layers.Credentials;
import dev.containerj.layers.Descriptor;
import dev.containerj.layers.Image;
import dev.containerj.layers.Platform;
import dev.containerj.layers.PullListener;
import dev.containerj.layers.PullOptions;
import dev.containerj.layers.RegistryReference;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code containerj pull REF}: an image from a registry into the layer store. */
@Command(name = "pull", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Pulls an image from a registry (alpine, host:port/name:tag, name@sha256:..., docker://...) into the layer store.")
final class PullCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Mixin
  RegistryOptions registry = new RegistryOptions();

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "The platform to pick from a multi-platform image (default: this host's).")
  @Nullable String platform;

  @Option(names = {"-q", "--quiet"}, description = "Print only the image id.")
  boolean quiet;

  @Parameters(paramLabel = "REF", description = "The image reference.")
  String reference = "";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = ImageCommand.out(spec);
    PullOptions.Builder b = registry.options();
    if (platform != null) {
      String[] p = platform.split("/");
      if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
        throw new IllegalArgumentException("--platform must be OS/ARCH[/VARIANT]: " + platform);
      }
      b.platform(new Platform(p[0], p[1], p.length == 3 ? p[2] : null));
    }
    if (!quiet) {
      b.listener(new Progress(out, System.console() != null));
    }
    Image image = dev.containerj.core.ContainerRuntime.defaults().images().pull(reference, b.build());
    if (!quiet) {
      out.println();
    }
    out.println(image.id());
    out.flush();
    return 0;
  }

  /** Options every registry command shares. */
  static final class RegistryOptions {
    @Option(names = "--creds", paramLabel = "USER:PASSWORD", description = "Credentials for the registry (else from the auth files).")
    @Nullable String creds;

    @Option(names = "--tls-verify", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
        description = "Require HTTPS with a verified certificate (default true; false also allows plain HTTP).")
    @Nullable Boolean tlsVerify;

    @Option(names = "--cert-dir", paramLabel = "DIR", description = "A directory of *.crt CA certificates for the registry.")
    @Nullable Path certDir;

    @Option(names = "--authfile", paramLabel = "FILE", description = "The auth file (default ${XDG_RUNTIME_DIR}/containers/auth.json, as Podman).")
    @Nullable Path authFile;

    PullOptions.Builder options() {
      return PullOptions.builder()
          .credentials(creds == null ? null : Credentials.parse(creds))
          .tlsVerify(Boolean.FALSE.equals(tlsVerify) ? Boolean.FALSE : null)
          .certDir(certDir).authFile(authFile);
    }
  }

  /**
   * Progress: on a terminal one line redrawn in place (layers done, megabytes received of the
   * total); otherwise one plain line per layer, fit for logs.
   */
  static final class Progress implements PullListener {
    private final PrintWriter out;
    private final boolean terminal;
    private final Map<String, Long> received = new ConcurrentHashMap<>();
    private final AtomicInteger finished = new AtomicInteger();
    private volatile long total;
    private volatile int layers;
    private volatile String name = "";
    private long lastDraw;

    Progress(PrintWriter out, boolean terminal) {
      this.out = out;
      this.terminal = terminal;
    }

    @Override
    public void resolved(RegistryReference reference, List<Descriptor> ls) {
      name = reference.toString();
      layers = ls.size();
      total = ls.stream().mapToLong(Descriptor::size).sum();
      line("resolved " + name + ": " + layers + " layer(s), " + mb(total));
    }

    @Override
    public void layerPresent(Descriptor layer) {
      received.put(layer.digest(), layer.size());
      finished.incrementAndGet();
      line("layer " + shortName(layer) + " already present");
    }

    @Override
    public void layerProgress(Descriptor layer, long bytes) {
      received.put(layer.digest(), bytes);
      if (terminal) {
        draw(false);
      }
    }

    @Override
    public void layerDone(Descriptor layer) {
      received.put(layer.digest(), layer.size());
      finished.incrementAndGet();
      line("layer " + shortName(layer) + " pulled (" + mb(layer.size()) + ")");
    }

    @Override
    public void resumed(Descriptor layer, long offset) {
      line("layer " + shortName(layer) + ": connection dropped, resuming at byte " + offset);
    }

    private void line(String text) {
      synchronized (this) {
        if (terminal) {
          draw(true);
        } else {
          out.println(text);
          out.flush();
        }
      }
    }

    private synchronized void draw(boolean force) {
      long now = System.nanoTime();
      if (!force && now - lastDraw < 100_000_000L) {
        return;
      }
      lastDraw = now;
      long got = received.values().stream().mapToLong(Long::longValue).sum();
      out.print("\r\033[K" + name + ": " + finished.get() + "/" + layers + " layers, " + mb(got) + " / " + mb(total));
      out.flush();
    }

    private static String shortName(Descriptor d) {
      return d.digest().substring(0, 19);
    }

    private static String mb(long bytes) {
      return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
  }
}
