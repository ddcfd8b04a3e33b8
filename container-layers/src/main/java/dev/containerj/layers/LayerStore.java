package dev.containerj.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.layers.internal.ImageSource;
import dev.containerj.layers.internal.StoreLock;
import dev.containerj.layers.internal.Trees;
import dev.containerj.layers.internal.VerifyingInputStream;
import dev.containerj.linux.InvalidValueException;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A content-addressed store of unpacked layers, with the images that use them and the root
 * filesystems of containers built from them.
 *
 * <p>Each layer blob is unpacked once, under its sha256 digest, into a directory of its own in
 * overlayfs' whiteout format; a container's root is an overlay of its image's layers plus an upper
 * and a work directory of its own ({@link #prepareRoot}). A layer is unpacked into a temporary
 * directory and renamed into place only when complete and verified, so a crash (or a bad blob)
 * never leaves half a layer. File locks make several JVMs importing at once safe: each layer is
 * unpacked by exactly one of them, and {@link #gc()} waits for imports in progress.
 *
 * <p>Layout: {@code layers/HEX/diff} (a layer), {@code l/SHORT} (short symlinks that keep overlay
 * option strings under a page), {@code images/ID.json}, {@code containers/ID/{upper,work,merged}},
 * {@code tmp/}, {@code locks/}, {@code store.lock}.
 *
 * <p>A store is rootless or not for its whole life: a rootless store writes overlay xattrs as
 * {@code user.overlay.*}, to be mounted with {@code userxattr} inside a user namespace; a root
 * store writes {@code trusted.overlay.*}.
 *
 * <p>The store's directory is closed to other users (mode 0700, made so when the store is opened,
 * also for a store an older version left open): its layers hold the images' setuid files, and the
 * containers' upper directories what containers write, setuid files included. Neither is a mount on
 * the host, so nosuid cannot apply there: only the closed directory keeps another host user from
 * running such a file with its owner's privileges. Overlays are mounted by the store's owner (or by
 * root before the user namespace), whose credentials overlayfs uses for the layers, so no other id
 * needs to pass through.
 */
@SuppressWarnings("try") // lock holders are used for their scope only
public final class LayerStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final int SHORT = 16;
  /** rwx------ for the store and the directories of layers and containers (see the class comment). */
  private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rwx------");

  private final Path dir;
  private final boolean rootless;
  private final StoreLock lock;

  /**
   * A store in {@code dir} (created if missing), rootless unless the effective uid is 0.
   *
   * @param dir the store's directory; made mode 0700
   * @throws IOException when the directory cannot be created or closed to other users
   */
  public LayerStore(Path dir) throws IOException {
    this(dir, LibC.geteuid() != 0);
  }

  /**
   * A store in {@code dir} (created if missing).
   *
   * @param dir the store's directory; made mode 0700
   * @param rootless whether roots are prepared for a user namespace (overlay {@code userxattr},
   *     owners shifted)
   * @throws IOException when the directory cannot be created or closed to other users
   */
  public LayerStore(Path dir, boolean rootless) throws IOException {
    this.dir = dir.toAbsolutePath().normalize();
    this.rootless = rootless;
    closeToOthers(this.dir);
    for (String sub : List.of("layers", "l", "images", "containers", "tmp", "locks")) {
      Files.createDirectories(this.dir.resolve(sub));
    }
    this.lock = StoreLock.of(this.dir.resolve("store.lock"));
  }

  /**
   * Creates {@code dir} with mode 0700, or makes an existing one 0700 if others may enter it (a
   * store of an older version, or one made by hand). Fails, naming the directory and its mode, when
   * an open directory cannot be closed (it belongs to someone else).
   */
  private static void closeToOthers(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        return;
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // made meanwhile by another JVM: checked below
      }
    }
    Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
    if (mode.stream().allMatch(p -> p.name().startsWith("OWNER_"))) {
      return;
    }
    try {
      Files.setPosixFilePermissions(dir, PRIVATE);
    } catch (IOException e) {
      throw new IOException("layer store " + dir + " is open to other users (mode "
          + PosixFilePermissions.toString(mode) + ") and cannot be made rwx------: " + e.getMessage()
          + " (its layers and containers' writes may hold setuid files; use a directory of your own)", e);
    }
  }

  /**
   * {@return the default store: {@code /var/lib/containerj} as root, else {@code
   * $XDG_DATA_HOME/containerj} ({@code $HOME/.local/share/containerj} when XDG_DATA_HOME is unset)}
   *
   * @throws IOException when the directory cannot be created or closed to other users
   */
  public static LayerStore openDefault() throws IOException {
    return new LayerStore(defaultDirectory());
  }

  /** {@return where {@link #openDefault()} keeps its store} */
  public static Path defaultDirectory() {
    return defaultDirectory(LibC.geteuid(), System::getenv, System.getProperty("user.home"));
  }

  /**
   * {@link #defaultDirectory()} for a given caller. The XDG base directory specification's fallback
   * is {@code $HOME/.local/share}; the JVM's {@code user.home} comes from the password database
   * instead, which for a service user is often no directory at all ({@code nobody}:
   * {@code /nonexistent}), so it is only the last resort.
   */
  static Path defaultDirectory(int euid, java.util.function.Function<String, @org.jspecify.annotations.Nullable String> env,
      String userHome) {
    if (euid == 0) {
      return Path.of("/var/lib/containerj");
    }
    String xdg = env.apply("XDG_DATA_HOME");
    if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "containerj");
    }
    String home = env.apply("HOME");
    if (home != null && !home.isEmpty() && Path.of(home).isAbsolute()) {
      return Path.of(home, ".local", "share", "containerj");
    }
    return Path.of(userHome, ".local", "share", "containerj");
  }

  /** {@return the store's directory} */
  public Path directory() {
    return dir;
  }

  /** {@return whether this store writes {@code user.overlay.*} xattrs for rootless overlays} */
  public boolean rootless() {
    return rootless;
  }

  /**
   * {@return {@link #importImage(ImageReference, Platform, UnpackListener)} for this JVM's
   * platform, without progress}
   *
   * @param ref the layout or archive to import
   * @throws IOException as {@link #importImage(ImageReference, Platform, UnpackListener)}
   */
  public Image importImage(ImageReference ref) throws IOException {
    return importImage(ref, Platform.current(), UnpackListener.NONE);
  }

  /**
   * Imports an image: verifies its metadata, unpacks each layer not yet in the store (verifying the
   * blob's digest and size), and records the image. Importing the same image again unpacks nothing.
   *
   * @param ref the layout or archive to import
   * @param platform the manifest to pick from an index
   * @param listener told of each layer's progress and of skipped entries
   * @return the imported image, also listed by {@link #images()}
   * @throws BlobVerificationException naming the blob whose digest or size is wrong
   * @throws UnpackException naming a hostile or unrepresentable entry
   */
  public Image importImage(ImageReference ref, Platform platform, UnpackListener listener)
      throws IOException {
    try (StoreLock.Held held = lock.shared(); ImageSource source = ImageSource.open(ref, platform)) {
      for (int i = 0; i < source.layers().size(); i++) {
        ensureLayer(source, i, listener);
      }
      Image image = new Image(source.id(), ref.toString(), source.layers(), source.config(), Instant.now());
      writeImage(image);
      return image;
    }
  }

  /**
   * {@return whether the layer with this digest is unpacked in the store}
   *
   * @param digest {@code sha256:} and 64 hex digits
   * @throws InvalidValueException when {@code digest} is not {@code sha256:<64 hex digits>}
   */
  public boolean hasLayer(String digest) {
    return Files.isDirectory(layerPath(hexOf(digest)).resolve("diff"));
  }

  /**
   * {@return the unpacked directory of a layer (overlayfs format); it must not be modified}
   *
   * @param layer a layer of an imported image
   * @throws NoSuchFileException when the layer is not unpacked in this store
   */
  public Path layerDirectory(Descriptor layer) throws NoSuchFileException {
    Path p = layerPath(layer.hex()).resolve("diff");
    if (!Files.isDirectory(p)) {
      throw new NoSuchFileException(p.toString(), null, "layer " + layer.digest() + " is not in the store " + dir);
    }
    return p;
  }

  /** Unpacks layer {@code index} unless present; returns whether this call unpacked it. */
  private boolean ensureLayer(ImageSource source, int index, UnpackListener listener) throws IOException {
    Descriptor d = source.layers().get(index);
    Path fin = layerPath(d.hex());
    if (Files.isDirectory(fin)) {
      shortLink(d.hex()); // normally there; missing only if a JVM died right after the rename
      return false;
    }
    try (StoreLock.Held l = StoreLock.file(dir.resolve("locks").resolve(d.hex() + ".lock"))) {
      if (Files.isDirectory(fin)) {
        return false; // another JVM or thread unpacked it while we waited
      }
      Path tmp = Files.createTempDirectory(dir.resolve("tmp"), d.hex().substring(0, 12) + "-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      try {
        Path diff = Files.createDirectory(tmp.resolve("diff"));
        LayerUnpacker unpacker = LayerUnpacker.builder().rootless(rootless).listener(listener).build();
        try (VerifyingInputStream in = source.openLayer(index)) {
          try {
            unpacker.unpack(in, diff, d.digest());
          } catch (IOException | RuntimeException e) {
            // A blob that does not match its digest explains any failure to read it: say so.
            try {
              in.verify();
            } catch (BlobVerificationException mismatch) {
              mismatch.addSuppressed(e);
              throw mismatch;
            } catch (IOException | RuntimeException ignored) {
              // the original error stands
            }
            throw e;
          }
          in.verify();
        }
        Files.writeString(tmp.resolve("digest"), d.digest() + "\n");
        dev.containerj.layers.internal.StatLibC.chmod(tmp.toString(), 0700);
        Files.move(tmp, fin, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException | Error e) {
        try {
          Trees.delete(tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        if (e instanceof UnpackException || e instanceof BlobVerificationException) {
          throw e;
        }
        if (e instanceof IOException) {
          throw new IOException("failed to unpack layer " + d.digest() + ": "
              + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
        }
        throw e;
      }
      shortLink(d.hex());
      return true;
    }
  }

  /**
   * {@return {@link #pull(RegistryReference, PullOptions)} of a reference in Docker's syntax, with
   * the default options}
   *
   * @param reference as {@code alpine:3.20} or {@code 127.0.0.1:5000/app@sha256:...}
   * @throws IOException as {@link #pull(RegistryReference, PullOptions)}
   * @throws InvalidValueException naming the part of {@code reference} that breaks a rule of its
   *     syntax
   */
  public Image pull(String reference) throws IOException {
    return pull(RegistryReference.parse(reference), PullOptions.defaults());
  }

  /**
   * Pulls an image from a registry into the store: resolves the manifest (for this platform, from
   * an index), then downloads the layers not yet in the store, {@link PullOptions#concurrency()} at
   * a time. Each blob is verified and unpacked as it streams in (no temporary tarball); a blob
   * whose digest or size does not match leaves no trace of itself and no image record. Several JVMs
   * pulling the same image at once fetch each layer once: a layer is fetched under its file lock,
   * and whoever waited finds it unpacked. The image is recorded under its manifest digest and
   * {@code reference}; an older image recorded under the same reference (a tag that moved) is
   * forgotten (its layers stay until {@link #gc()}).
   *
   * @param reference the image to pull
   * @param options platform, credentials, TLS and timeout
   * @return the pulled image, also listed by {@link #images()}
   * @throws RegistryException naming the registry, request and HTTP status
   * @throws BlobVerificationException naming the blob whose content does not match
   */
  public Image pull(RegistryReference reference, PullOptions options) throws IOException {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(options, "options");
    try (StoreLock.Held held = lock.shared();
        dev.containerj.layers.internal.RegistrySource source =
            dev.containerj.layers.internal.RegistrySource.open(reference, options)) {
      PullListener pl = options.listener();
      pl.resolved(source.resolved(), source.layers());
      int n = source.layers().size();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
          Math.max(1, Math.min(n, options.concurrency())), r -> {
            Thread t = new Thread(r, "containerj-pull");
            t.setDaemon(true);
            return t;
          });
      try {
        List<java.util.concurrent.Future<?>> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int index = i;
          jobs.add(pool.submit(() -> {
            Descriptor d = source.layers().get(index);
            if (ensureLayer(source, index, UnpackListener.NONE)) {
              pl.layerDone(d);
            } else {
              pl.layerPresent(d);
            }
            return null;
          }));
        }
        awaitAll(jobs);
      } finally {
        pool.shutdownNow();
        try {
          pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS); // their cleanup finishes first
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String name = reference.toString();
      Image image = new Image(source.id(), name, source.layers(), source.config(), Instant.now());
      for (Image old : images()) {
        if (old.reference().equals(name) && !old.id().equals(image.id())) {
          Files.deleteIfExists(dir.resolve("images").resolve(hexOf(old.id()) + ".json"));
        }
      }
      writeImage(image);
      return image;
    }
  }

  /** Waits for every job; on the first failure cancels the rest, waits for them, and throws it. */
  private static void awaitAll(List<java.util.concurrent.Future<?>> jobs) throws IOException {
    Throwable first = null;
    for (java.util.concurrent.Future<?> f : jobs) {
      try {
        if (first != null) {
          f.cancel(true);
        }
        f.get();
      } catch (java.util.concurrent.CancellationException e) {
        // cancelled after the first failure
      } catch (java.util.concurrent.ExecutionException e) {
        if (first == null) {
          first = e.getCause();
          jobs.forEach(j -> j.cancel(true));
        } else if (!(e.getCause() instanceof java.io.InterruptedIOException)) {
          first.addSuppressed(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        jobs.forEach(j -> j.cancel(true));
        throw new java.io.InterruptedIOException("pull interrupted");
      }
    }
    if (first instanceof IOException io) {
      throw io;
    }
    if (first instanceof RuntimeException re) {
      throw re;
    }
    if (first instanceof Error err) {
      throw err;
    }
  }

  private void shortLink(String hex) throws IOException {
    Path link = dir.resolve("l").resolve(hex.substring(0, SHORT));
    if (!Files.isSymbolicLink(link)) {
      Path tmp = dir.resolve("l").resolve(hex.substring(0, SHORT) + ".tmp-" + ProcessHandle.current().pid()
          + "-" + Thread.currentThread().getId() + "-" + System.nanoTime());
      Files.createSymbolicLink(tmp, layerPath(hex).resolve("diff"));
      Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The short path overlay mounts use for a layer: {@code DIR/l/FIRST16HEX}. */
  Path shortPath(Descriptor d) {
    return dir.resolve("l").resolve(d.hex().substring(0, SHORT));
  }

  private Path layerPath(String hex) {
    return dir.resolve("layers").resolve(hex);
  }

  private static String hexOf(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new InvalidValueException("digest", digest, "must be sha256:<64 hex digits>");
    }
    return digest.substring(7);
  }

  private void writeImage(Image image) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", image.id());
    n.put("reference", image.reference());
    n.put("imported", image.imported().toString());
    ArrayNode layers = n.putArray("layers");
    for (Descriptor d : image.layers()) {
      layers.addObject().put("mediaType", d.mediaType()).put("digest", d.digest()).put("size", d.size());
    }
    ObjectNode c = n.putObject("config");
    ImageConfig cfg = image.config();
    cfg.entrypoint().forEach(c.putArray("Entrypoint")::add);
    cfg.cmd().forEach(c.putArray("Cmd")::add);
    cfg.env().forEach(c.putArray("Env")::add);
    c.put("WorkingDir", cfg.workingDir());
    c.put("User", cfg.user());
    ObjectNode labels = c.putObject("Labels");
    cfg.labels().forEach(labels::put);
    Path target = dir.resolve("images").resolve(hexOf(image.id()) + ".json");
    Path tmp = Files.createTempFile(dir.resolve("tmp"), "image-", ".json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), n);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static Image readImage(Path file) throws IOException {
    JsonNode n = JSON.readTree(file.toFile());
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : n.path("layers")) {
      layers.add(new Descriptor(l.path("mediaType").asText(""), l.path("digest").asText(), l.path("size").asLong(-1)));
    }
    ObjectNode wrapper = JSON.createObjectNode();
    wrapper.set("config", n.path("config"));
    return new Image(n.path("id").asText(), n.path("reference").asText(), layers,
        parseConfig(wrapper), Instant.parse(n.path("imported").asText()));
  }

  private static ImageConfig parseConfig(JsonNode wrapper) {
    return ImageSource.parseConfig(wrapper);
  }

  /**
   * {@return the imported images, in no particular order}
   *
   * @throws IOException when an image record cannot be read
   */
  public List<Image> images() throws IOException {
    List<Image> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.resolve("images"), "*.json")) {
      for (Path p : s) {
        out.add(readImage(p));
      }
    }
    return out;
  }

  /**
   * Finds an image by id ({@code sha256:...}, or a unique prefix of its hex) or by the reference
   * it was imported from.
   *
   * @param idOrReference an id, a unique prefix of its hex, or the reference it was imported from
   * @return the image, or empty when none matches (or a prefix is ambiguous)
   * @throws IOException when an image record cannot be read
   * @throws InvalidValueException when {@code idOrReference} is an id prefix of more than one image
   */
  public Optional<Image> image(String idOrReference) throws IOException {
    Image found = null;
    for (Image i : images()) {
      String hex = i.id().substring(7);
      if (i.id().equals(idOrReference) || i.reference().equals(idOrReference)
          || (idOrReference.length() >= 6 && hex.startsWith(idOrReference))) {
        if (found != null && !found.id().equals(i.id())) {
          throw new InvalidValueException("image", idOrReference,
              "must name one image, not " + found.id() + " and " + i.id());
        }
        found = i;
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * Forgets an image; its layers stay until {@link #gc()}. Returns whether it was there.
   *
   * @param id the image's id
   * @return whether the image was there
   * @throws IOException when its record cannot be deleted
   */
  public boolean removeImage(String id) throws IOException {
    try (StoreLock.Held held = lock.exclusive()) {
      return Files.deleteIfExists(dir.resolve("images").resolve(hexOf(id) + ".json"));
    }
  }

  /**
   * Deletes every layer that no image and no prepared root uses, and temporary directories left
   * by crashed imports. Waits for imports in progress. Returns the digests of the deleted layers.
   *
   * @return the digests of the deleted layers
   * @throws IOException when a directory cannot be listed or deleted
   */
  public List<String> gc() throws IOException {
    try (StoreLock.Held held = lock.exclusive()) {
      Set<String> used = new HashSet<>();
      for (Image i : images()) {
        i.layers().forEach(d -> used.add(d.hex()));
      }
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.resolve("containers"))) {
        for (Path c : s) {
          Path refs = c.resolve("layers.json");
          if (Files.isRegularFile(refs)) {
            for (JsonNode d : JSON.readTree(refs.toFile())) {
              used.add(hexOf(d.asText()));
            }
          }
        }
      }
      List<String> removed = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.resolve("layers"))) {
        for (Path l : s) {
          String hex = l.getFileName().toString();
          if (!used.contains(hex)) {
            Files.deleteIfExists(dir.resolve("l").resolve(hex.substring(0, Math.min(SHORT, hex.length()))));
            Trees.delete(l);
            Files.deleteIfExists(dir.resolve("locks").resolve(hex + ".lock"));
            removed.add("sha256:" + hex);
          }
        }
      }
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.resolve("tmp"))) {
        for (Path t : s) {
          Trees.delete(t);
        }
      }
      return removed;
    }
  }

  /**
   * Prepares the root filesystem of a container: an overlay of the image's layers (uppermost
   * first) with an upper, a work and a mount point directory of its own under
   * {@code containers/ID}. Nothing is mounted yet: {@link PreparedRoot#mount()} mounts it in this
   * mount namespace, or a launcher sends {@link PreparedRoot#overlay()}'s mount(2) parameters to its
   * helper to mount it inside the container's namespaces (required rootless). A root store's overlay
   * must be mounted by a process of the initial user namespace: overlayfs reads
   * {@code trusted.overlay.*} (its opaque directories) only with that privilege, and mounted inside
   * a user namespace it ignores them.
   *
   * @param containerId letters, digits, {@code _ . -}; unique in this store
   * @param rootless mount with {@code userxattr} (inside a user namespace)
   * @param image an image of this store
   * @return the prepared root; close it (or {@link #removeRoot(String)}) to remove it
   * @throws java.nio.file.FileAlreadyExistsException if the id is in use
   * @throws InvalidValueException when {@code containerId} is not of the id syntax or {@code
   *     rootless} differs from the store's
   */
  public PreparedRoot prepareRoot(Image image, String containerId, boolean rootless) throws IOException {
    Objects.requireNonNull(image, "image");
    if (!ID.matcher(containerId).matches()) {
      throw new InvalidValueException("containerId", containerId, "must match " + ID.pattern());
    }
    if (rootless != this.rootless) {
      throw new InvalidValueException("rootless", Boolean.toString(rootless), "must be " + this.rootless + " for the store "
          + dir + " (its layers carry " + (this.rootless ? "user" : "trusted") + ".overlay.* xattrs, which an overlay"
          + (rootless ? " with" : " without") + " userxattr does not read)");
    }
    try (StoreLock.Held held = lock.shared()) {
      List<Path> lowers = new ArrayList<>();
      for (Descriptor d : image.layers()) {
        layerDirectory(d);
        lowers.add(0, shortPath(d));
      }
      Path cdir = dir.resolve("containers").resolve(containerId);
      Files.createDirectory(cdir, PosixFilePermissions.asFileAttribute(PRIVATE));
      try {
        Path upper = Files.createDirectory(cdir.resolve("upper"));
        Path work = Files.createDirectory(cdir.resolve("work"));
        Path merged = Files.createDirectory(cdir.resolve("merged"));
        ArrayNode refs = JSON.createArrayNode();
        image.layers().forEach(d -> refs.add(d.digest()));
        JSON.writeValue(cdir.resolve("layers.json").toFile(), refs);
        Mount overlay;
        if (lowers.isEmpty()) {
          // An image without layers: overlay needs a lower directory, an empty one will do.
          lowers.add(Files.createDirectory(cdir.resolve("empty")));
        }
        overlay = Mount.overlay(merged).lowerDirs(lowers).upper(upper, work).userXattr(rootless).build();
        return new PreparedRoot(containerId, cdir, merged, upper, work, overlay);
      } catch (IOException | RuntimeException e) {
        Trees.delete(cdir);
        throw e;
      }
    }
  }

  /**
   * {@return the ids of containers whose roots are prepared (kept or not yet closed)}
   *
   * @throws IOException when the containers directory cannot be listed
   */
  public List<String> preparedRoots() throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.resolve("containers"))) {
      s.forEach(p -> out.add(p.getFileName().toString()));
    }
    return out;
  }

  /**
   * Removes a prepared root left behind (kept, or by a crashed JVM); unmounts it first.
   *
   * @param containerId the id given to {@link #prepareRoot(Image, String, boolean)}; an unknown id
   *     is ignored
   * @throws IOException when the root cannot be unmounted or deleted
   * @throws InvalidValueException when {@code containerId} is not of the id syntax
   */
  public void removeRoot(String containerId) throws IOException {
    if (!ID.matcher(containerId).matches()) {
      throw new InvalidValueException("containerId", containerId, "must match " + ID.pattern());
    }
    Path cdir = dir.resolve("containers").resolve(containerId);
    Mount.unmountQuietly(cdir.resolve("merged"));
    Trees.delete(cdir);
  }

  @Override
  public String toString() {
    return "LayerStore(" + dir + (rootless ? ", rootless)" : ")");
  }
}
