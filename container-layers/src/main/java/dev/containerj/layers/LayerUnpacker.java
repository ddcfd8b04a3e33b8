package dev.containerj.layers;

import dev.containerj.linux.IdMapping;
import dev.containerj.layers.internal.ImageSource;
import dev.containerj.layers.internal.TarExtractor;
import dev.containerj.layers.internal.VerifyingInputStream;
import dev.containerj.linux.internal.LibC;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Unpacks a layer tar (uncompressed, gzip or zstd; detected from the first bytes) into a directory,
 * refusing every entry that would write outside it (see {@link UnpackException}).
 *
 * <p>Two whiteout modes: {@link WhiteoutMode#OVERLAY} writes overlayfs' own format into a directory
 * of its own per layer (a whiteout becomes a 0/0 char device, an opaque directory gets
 * {@code trusted.overlay.opaque=y}, or {@code user.overlay.opaque=y} when rootless, to be mounted
 * with {@code userxattr}); {@link WhiteoutMode#FLATTEN} applies the layers one after another to one
 * directory, deleting what they white out.
 *
 * <p>Rootless ({@link Builder#rootless(boolean)}, the default for a non-root caller): owners are
 * shifted through the {@link IdMapping} where the kernel allows it, else the files stay the
 * caller's; device nodes are skipped with a warning (or refused, with
 * {@link Builder#failOnDevices(boolean)}); xattrs outside {@code user.*} are skipped.
 *
 * <p>Device nodes: only a 0/0 char device (overlayfs' whiteout) is created. Every other char or
 * block device of a layer is skipped with a {@link UnpackListener#warning warning} (or refused, with
 * {@link Builder#failOnDevices(boolean)}), as root too: a node with the image's numbers would hand
 * the container a host device. Containers get their /dev from the runtime.
 *
 * <p>An unpacker is an immutable configuration; each {@link #unpack} call is independent.
 */
public final class LayerUnpacker {
  /** How whiteout entries ({@code .wh.NAME}, {@code .wh..wh..opq}) are applied. */
  public enum WhiteoutMode {
    /** Keep whiteouts in overlayfs' format, each layer in its own directory, to be stacked. */
    OVERLAY,
    /** Apply each layer onto one directory, deleting what it whites out. */
    FLATTEN
  }

  private final WhiteoutMode whiteoutMode;
  private final boolean rootless;
  private final List<IdMapping> idMapping;
  private final boolean failOnDevices;
  private final UnpackListener listener;

  private LayerUnpacker(Builder b) {
    this.whiteoutMode = b.whiteoutMode;
    this.rootless = b.rootless;
    this.idMapping = b.idMapping != null ? b.idMapping
        : List.of(rootless ? IdMapping.single(0, LibC.geteuid()) : IdMapping.identity());
    this.failOnDevices = b.failOnDevices;
    this.listener = b.listener;
  }

  /** {@return a builder with the defaults: overlay whiteouts, rootless unless root, no listener} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder holding this unpacker's settings} */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.whiteoutMode = whiteoutMode;
    b.rootless = rootless;
    b.idMapping = idMapping;
    b.failOnDevices = failOnDevices;
    b.listener = listener;
    return b;
  }

  /** {@return how whiteout entries are applied} */
  public WhiteoutMode whiteoutMode() {
    return whiteoutMode;
  }

  /**
   * {@return whether owners are shifted and privileged xattrs skipped, as for a non-root caller}
   */
  public boolean rootless() {
    return rootless;
  }

  /**
   * {@return how image owners map to host owners (uid and gid alike), one {@code uid_map} line
   * each}
   */
  public List<IdMapping> idMapping() {
    return idMapping;
  }

  /**
   * {@return whether a device node other than a whiteout fails the unpack instead of being skipped}
   */
  public boolean failOnDevices() {
    return failOnDevices;
  }

  /** {@return the listener told of progress and skipped entries} */
  public UnpackListener listener() {
    return listener;
  }

  /**
   * {@return the xattr prefix of overlayfs' own attributes for this mode: {@code trusted.overlay.}
   * or {@code user.overlay.}}
   */
  public String overlayXattrPrefix() {
    return rootless ? "user.overlay." : "trusted.overlay.";
  }

  /**
   * Unpacks one layer from {@code layer} (compressed or not) into {@code root}, an existing
   * directory. On failure the directory may hold part of the layer (the {@link LayerStore} unpacks
   * into a temporary directory and discards it); nothing outside it has been written.
   *
   * @param name the layer's name in progress reports and errors (its digest)
   * @param layer the layer blob, compressed or not; read to its end, not closed
   * @param root the directory to unpack into; it must exist
   * @return the number of entries unpacked
   * @throws UnpackException naming a hostile or unrepresentable entry
   * @throws IOException when the stream cannot be read or a file cannot be written
   */
  public long unpack(InputStream layer, Path root, String name) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new NotDirectoryException(root.toString());
    }
    TarExtractor x = new TarExtractor(root, whiteoutMode == WhiteoutMode.OVERLAY
        ? TarExtractor.Whiteouts.OVERLAY : TarExtractor.Whiteouts.FLATTEN, !rootless,
        overlayXattrPrefix(), idMapping, failOnDevices, listener, name);
    x.extract(decompress(layer));
    return x.entries();
  }

  /**
   * Unpacks every layer of an image, lowest first, into {@code root} (usually with
   * {@link WhiteoutMode#FLATTEN}, giving the image's complete tree in one directory), verifying each
   * blob's digest and size. Returns the image's container defaults.
   *
   * @param ref the layout or archive
   * @param platform the manifest to pick from an index
   * @param root the directory to unpack into
   * @return the image's container defaults
   * @throws BlobVerificationException naming a blob whose digest or size is wrong
   * @throws IOException when the image cannot be read or unpacked
   */
  public ImageConfig unpackImage(ImageReference ref, Platform platform, Path root) throws IOException {
    try (ImageSource source = ImageSource.open(ref, platform)) {
      for (int i = 0; i < source.layers().size(); i++) {
        try (VerifyingInputStream in = source.openLayer(i)) {
          unpack(in, root, source.layers().get(i).digest());
          in.verify();
        }
      }
      return source.config();
    }
  }

  /**
   * Wraps a layer stream so that it reads as a plain tar: gzip (1f 8b) and zstd (28 b5 2f fd) are
   * recognised from their magic bytes, whatever the media type claims.
   *
   * @param raw the layer blob; closing the result closes it
   * @return a stream of the plain tar
   * @throws IOException when the first bytes cannot be read
   */
  public static InputStream decompress(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GZIPInputStream(in, 1 << 16);
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      return dev.containerj.layers.internal.Zstd.open(in);
    }
    return in;
  }

  /** Builds a {@link LayerUnpacker}. */
  public static final class Builder {
    private WhiteoutMode whiteoutMode = WhiteoutMode.OVERLAY;
    private boolean rootless = LibC.geteuid() != 0;
    private @Nullable List<IdMapping> idMapping;
    private boolean failOnDevices;
    private UnpackListener listener = UnpackListener.NONE;

    private Builder() {}

    /**
     * Default {@link WhiteoutMode#OVERLAY}.
     *
     * @param whiteoutMode default {@link WhiteoutMode#OVERLAY}
     * @return this builder
     */
    public Builder whiteoutMode(WhiteoutMode whiteoutMode) {
      this.whiteoutMode = Objects.requireNonNull(whiteoutMode, "whiteoutMode");
      return this;
    }

    /**
     * Default: true unless the effective uid is 0.
     *
     * @param rootless default: true unless the effective uid is 0
     * @return this builder
     */
    public Builder rootless(boolean rootless) {
      this.rootless = rootless;
      return this;
    }

    /**
     * How image owners map to host owners (uid and gid alike; an id in no line is unmapped). Default:
     * identity as root, container root to the caller when rootless.
     *
     * @param idMapping the map lines, as a user namespace's {@code uid_map}
     * @return this builder
     */
    public Builder idMapping(List<IdMapping> idMapping) {
      this.idMapping = List.copyOf(Objects.requireNonNull(idMapping, "idMapping"));
      return this;
    }

    /**
     * Refuse device nodes (whiteouts aside) instead of skipping them with a warning. Default false.
     *
     * @param failOnDevices refuse device nodes (whiteouts aside) instead of skipping them with a
     *     warning
     * @return this builder
     */
    public Builder failOnDevices(boolean failOnDevices) {
      this.failOnDevices = failOnDevices;
      return this;
    }

    /**
     * Sets the listener told of progress and skipped entries.
     *
     * @param listener default {@link UnpackListener#NONE}
     * @return this builder
     */
    public Builder listener(UnpackListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** {@return an unpacker with these settings} */
    public LayerUnpacker build() {
      return new LayerUnpacker(this);
    }
  }
}
