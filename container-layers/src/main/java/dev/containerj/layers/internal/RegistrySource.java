package dev.containerj.layers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.containerj.layers.BlobVerificationException;
import dev.containerj.layers.Descriptor;
import dev.containerj.layers.ImageConfig;
import dev.containerj.layers.Platform;
import dev.containerj.layers.PullOptions;
import dev.containerj.layers.RegistryException;
import dev.containerj.layers.RegistryReference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * An image in a registry: its manifest resolved (through an index or Docker manifest list, by
 * platform), its config fetched and verified; each layer streamed on demand from the registry.
 * Mirrors configured for the registry are tried first, in order, then the registry itself.
 */
public final class RegistrySource implements ImageSource {
  private final RegistryClient client;
  private final RegistryReference resolved;
  private final List<Descriptor> layers;
  private final ImageConfig config;
  private final PullOptions options;

  private RegistrySource(RegistryClient client, RegistryReference resolved, List<Descriptor> layers,
      ImageConfig config, PullOptions options) {
    this.client = client;
    this.resolved = resolved;
    this.layers = layers;
    this.config = config;
    this.options = options;
  }

  /** Resolves {@code ref}: contacts its mirrors or the registry, fetches and verifies the metadata. */
  public static RegistrySource open(RegistryReference ref, PullOptions options) throws IOException {
    RegistriesConf conf = RegistriesConf.load(options.registriesConf());
    RegistriesConf.Entry entry = conf.find(ref.registry());
    if (entry != null && entry.blocked()) {
      throw new RegistryException("registry " + ref.registry() + " is blocked in the registries configuration", 0, null);
    }
    boolean forceInsecure = Boolean.FALSE.equals(options.tlsVerify());
    List<IOException> mirrorFailures = new ArrayList<>();
    if (entry != null) {
      for (RegistriesConf.Mirror m : entry.mirrors()) {
        try {
          return resolve(RegistryClient.connect(m.location(), ref.repository(), forceInsecure || m.insecure(), options),
              ref, options);
        } catch (BlobVerificationException e) {
          throw e;
        } catch (IOException e) {
          mirrorFailures.add(e);
        }
      }
    }
    boolean insecure = forceInsecure || (entry != null && entry.insecure());
    try {
      return resolve(RegistryClient.connect(ref.registry(), ref.repository(), insecure, options), ref, options);
    } catch (IOException e) {
      mirrorFailures.forEach(e::addSuppressed);
      throw e;
    }
  }

  private static RegistrySource resolve(RegistryClient client, RegistryReference ref, PullOptions options)
      throws IOException {
    RegistryClient.Manifest m = client.manifest(ref.tagOrDigest());
    for (int depth = 0; OciLayoutSource.isIndex(m.mediaType()); depth++) {
      if (depth > 4) {
        throw new RegistryException(ref + ": indexes nested more than 4 deep", 200, null);
      }
      m = client.manifest(pick(ref, m, options.platform()));
    }
    JsonNode json = m.json();
    Descriptor cd = OciLayoutSource.descriptor(json.path("config"));
    ImageConfig config = ImageSource.parseConfig(client.jsonBlob(cd.digest(), cd.size()));
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : json.path("layers")) {
      Descriptor d = OciLayoutSource.descriptor(l);
      if (d.size() < 0) {
        throw new RegistryException(ref + ": layer " + d.digest() + " has no size in the manifest", 200, null);
      }
      layers.add(d);
    }
    return new RegistrySource(client, ref.withDigest(m.digest()), List.copyOf(layers), config, options);
  }

  private static String pick(RegistryReference ref, RegistryClient.Manifest index, Platform platform)
      throws IOException {
    List<String> seen = new ArrayList<>();
    @Nullable String found = null;
    for (JsonNode e : index.json().path("manifests")) {
      JsonNode p = e.path("platform");
      Platform mp = new Platform(p.path("os").asText(""), p.path("architecture").asText(""),
          p.path("variant").asText(null));
      seen.add(mp.toString());
      if (found == null && platform.matches(mp)) {
        found = OciLayoutSource.descriptor(e).digest();
      }
    }
    if (found == null) {
      throw new RegistryException(ref + " has no manifest for platform " + platform
          + " (its index " + index.digest() + " offers " + seen + ")", 200, null);
    }
    return found;
  }

  /** The reference, with the digest of the platform's manifest. */
  public RegistryReference resolved() {
    return resolved;
  }

  /** The host that serves the pull (a mirror's, or the registry's). */
  public String servedBy() {
    return client.host();
  }

  @Override
  public String id() {
    return java.util.Objects.requireNonNull(resolved.digest());
  }

  @Override
  public List<Descriptor> layers() {
    return layers;
  }

  @Override
  public ImageConfig config() {
    return config;
  }

  @Override
  public VerifyingInputStream openLayer(int index) throws IOException {
    Descriptor d = layers.get(index);
    LongConsumer progress = n -> options.listener().layerProgress(d, n);
    LongConsumer resumed = n -> options.listener().resumed(d, n);
    return new VerifyingInputStream(client.blob(d.digest(), d.size(), 0, progress, resumed), d.digest(), d.hex(), d.size());
  }

  @Override
  public void close() {}
}
