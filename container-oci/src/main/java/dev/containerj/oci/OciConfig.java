package dev.containerj.oci;

import dev.containerj.core.ContainerSpec;
import dev.containerj.core.ProcessSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A runtime-spec {@code config.json} as ContainerJ understands it: the container, its first process,
 * and what only a runtime uses (hooks, annotations, the cgroup path, the terminal flag).
 * {@link OciConfigReader} makes one; {@link OciConfigWriter} prints one.
 *
 * @param ociVersion the spec version the file declares
 * @param container the container: root, mounts, namespaces, limits, the first process's settings
 * @param process the first process (also in {@code container}), as an exec would take it
 * @param rootPath {@code root.path} as written (relative to the bundle, or absolute)
 * @param terminal {@code process.terminal}: the process gets a pty whose master goes to the caller
 * @param cgroupsPath {@code linux.cgroupsPath}, or null for the runtime's choice
 * @param hooks the hooks
 * @param annotations {@code annotations}, in file order
 * @param seccompJson {@code linux.seccomp} as written (kept so the writer prints it unchanged), or null
 */
public record OciConfig(String ociVersion, ContainerSpec container, ProcessSpec process, String rootPath,
    boolean terminal, @Nullable String cgroupsPath, OciHooks hooks, Map<String, String> annotations,
    @Nullable String seccompJson) {
  /** The runtime-spec version ContainerJ reads and writes. */
  public static final String SPEC_VERSION = "1.2.0";

  /**
   * Copies the annotations (keeping their order).
   *
   * @param ociVersion the spec version the file declares
   * @param container the container: root, mounts, namespaces, limits, the first process's settings
   * @param process the first process (also in {@code container}), as an exec would take it
   * @param rootPath {@code root.path} as written (relative to the bundle, or absolute)
   * @param terminal {@code process.terminal}: the process gets a pty whose master goes to the
   *     caller
   * @param cgroupsPath {@code linux.cgroupsPath}, or null for the runtime's choice
   * @param hooks the hooks
   * @param annotations {@code annotations}, in file order
   * @param seccompJson {@code linux.seccomp} as written (kept so the writer prints it unchanged),
   *     or null
   */
  public OciConfig {
    Objects.requireNonNull(ociVersion, "ociVersion");
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(rootPath, "rootPath");
    Objects.requireNonNull(hooks, "hooks");
    annotations = Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
  }
}
