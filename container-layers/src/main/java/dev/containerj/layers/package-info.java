/**
 * Mounts, OCI image layouts and docker archives, layer unpacking and the layer store. Usable on its
 * own, without container-core.
 *
 * <h2>Mounts</h2>
 * {@link dev.containerj.layers.Mount} is data: a bind, tmpfs, proc, sysfs or overlay mount with typed
 * options ({@link dev.containerj.layers.Mount.Option}, {@link dev.containerj.layers.Mount.Propagation});
 * the kernel's {@code MS_*} numbers stay internal. {@code mount()} performs it in the JVM's mount
 * namespace and returns a {@link dev.containerj.layers.MountPoint} that detaches on close; a
 * container launcher instead ships its source, type, options and data to its native helper, which makes them inside the
 * container's user and mount namespaces (the only way to mount a rootless overlay). An overlay whose
 * option string does not fit in the page mount(2) copies is mounted with the new mount API
 * (fsopen/fsconfig with one {@code lowerdir+} per layer, Linux 6.8); the layer store also keeps the
 * strings short with 16-hex-digit symlinks ({@code l/SHORT}), so that the plain mount(2) form works
 * for about a hundred layers, which a helper can rely on.
 *
 * <h2>Images</h2>
 * {@link dev.containerj.layers.ImageReference} uses skopeo's syntax ({@code oci:DIR[:TAG]},
 * {@code docker-archive:FILE[:NAME:TAG]}). Every blob is checked against its descriptor's sha256
 * and size while it streams (docker-archive layers against {@code rootfs.diff_ids}); a layer is
 * committed to the store only after its check passed. Indexes may nest; a multi-arch index is
 * resolved by {@link dev.containerj.layers.Platform}.
 *
 * <h2>Compression</h2>
 * gzip uses the JDK's zlib ({@code GZIPInputStream}); zstd uses aircompressor's pure-Java decoder
 * ({@code io.airlift:aircompressor}, Apache-2.0, no native code, on Maven Central), loaded
 * reflectively because it has no module name (see module-info). zstd-jni was
 * rejected: it extracts a native library per platform to a temp directory at run time, which fails
 * on noexec /tmp and in the sandboxes this library is meant for, and adds a second native-loading
 * story next to ContainerJ's own helper. The format is detected from the magic bytes, not the media
 * type.
 *
 * <h2>Unpacking safety</h2>
 * Entry names with {@code ..} components or a leading {@code /} are refused. The parent directory
 * of an entry is first resolved one component at a time with lstat: a symlink met on the way is
 * followed <em>inside</em> the root, as in a chroot (an absolute target restarts at the layer
 * root), and refused if its {@code ..} would climb above the root. The resolved, symlink-free
 * directory is then opened by the kernel with openat2(2) {@code RESOLVE_IN_ROOT |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS} (Linux 5.6; else a walk of openat(2) with
 * O_NOFOLLOW|O_DIRECTORY per component), and every write of the entry is relative to that
 * descriptor: openat O_CREAT|O_EXCL|O_NOFOLLOW, mkdirat, symlinkat, linkat (never following),
 * mknodat, fchownat and utimensat with AT_SYMLINK_NOFOLLOW, lsetxattr through the descriptor's
 * /proc link; a regular file's owner, mode, xattrs and times go through the descriptor that created
 * it (fchown, fchmod, fsetxattr, futimens). So even if a component were swapped for a symlink after
 * the check, the kernel refuses rather than writing outside. Hardlink targets are resolved the same
 * way and must exist in the layer. Directory modes, owners and times are applied at the end, through
 * the same descriptors.
 * Deleting (for a whiteout in a flattened tree, or an entry that replaces another) is still by path.
 *
 * <h2>Whiteouts and rootless</h2>
 * Layers are stored in overlayfs' format: a whiteout is a 0/0 char device (no CAP_MKNOD needed since
 * Linux 5.8), an opaque directory carries {@code trusted.overlay.opaque=y} in a root store and
 * {@code user.overlay.opaque=y} in a rootless store (mounted with {@code userxattr}, Linux 5.11).
 * A root store's overlay must be mounted from the initial user namespace: inside another one
 * overlayfs cannot read {@code trusted.*} and would show an opaque directory's lower entries.
 * The same unpacker can instead flatten layers into one directory. Rootless, owners go through an
 * {@link dev.containerj.linux.IdMapping} when the kernel allows the chown and otherwise stay the
 * caller's; device nodes are skipped with a warning (or refused); xattrs outside {@code user.*} are
 * skipped; overlay xattrs in a tar are never applied.
 *
 * <h2>Store</h2>
 * {@link dev.containerj.layers.LayerStore}: one directory per layer digest, unpacked into a temp dir
 * and renamed into place; per-layer file locks (plus in-JVM locks, since a JVM may not hold two
 * locks on one file) make concurrent imports from threads and JVMs unpack each layer once; a shared
 * store lock lets gc (exclusive) wait for imports. Layers are keyed by their blob digest (for
 * docker-archive, by diff_id), so the same content compressed differently is stored twice.
 *
 * <h2>Reading the tar</h2>
 * Layers are read by ContainerJ's own {@code internal.TarReader} (ustar, GNU long names, base-256
 * numbers and sparse files, pax with GNU sparse 0.0/0.1/1.0), not commons-compress, for two
 * reasons. Speed: commons-compress costs a stream per entry and a BigDecimal per pax time, which
 * was a third of the unpack time of a large layer on tmpfs (the benchmark in README.md); the reader
 * parses headers in place and hands content out of its own buffer. Exactness: commons-compress
 * decodes pax values as UTF-8, which corrupts binary xattr values (for instance
 * {@code security.capability}); the reader keeps them as bytes. Its limits (8 MiB of pax header,
 * 2^20 sparse regions) bound what a hostile layer can make it allocate. commons-compress still reads
 * the docker-archive container, where neither matters.
 *
 * <p>libarchive's base64 {@code LIBARCHIVE.xattr} records are decoded too. One thread does
 * everything, in tar order: on an uncompressed layer nine tenths of the time is the kernel's work
 * for that thread. Decompressing on a second thread would pay off for gzip layers (see
 * docs/architecture.md).
 *
 * <h2>Known limits</h2>
 * The xwhiteout format (Linux 6.7) is not written; whiteouts are 0/0 char devices, which need
 * Linux 5.8 to be created rootless.
 */
@NullMarked
package dev.containerj.layers;

import org.jspecify.annotations.NullMarked;
