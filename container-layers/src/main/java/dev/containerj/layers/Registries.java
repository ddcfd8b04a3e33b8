package dev.containerj.layers;

import dev.containerj.layers.internal.AuthFiles;
import dev.containerj.layers.internal.RegistryClient;
import dev.containerj.linux.InvalidValueException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Logging in to registries: credentials checked against the registry, then kept in Podman's auth
 * file (containers-auth.json(5): {@code ${XDG_RUNTIME_DIR}/containers/auth.json}, mode 0600), which
 * {@code podman}, {@code skopeo} and {@link LayerStore#pull} read.
 */
public final class Registries {
  private Registries() {}

  /**
   * {@return the auth file login writes: {@link PullOptions#authFile()}, else Podman's default}
   *
   * @param options the options whose {@link PullOptions#authFile()} is honoured
   */
  public static Path authFile(PullOptions options) {
    return options.authFile() != null ? options.authFile() : AuthFiles.podmanAuthFile(System.getenv());
  }

  /**
   * Checks {@code credentials} against {@code registry} ({@code GET /v2/}, through its challenge)
   * and stores them; returns the auth file written.
   *
   * @param registry the registry's host (and port), as {@code ghcr.io}; {@code docker.io} for
   *     Docker Hub
   * @param credentials the user and secret to check and store
   * @param options TLS, registries.conf and auth file settings
   * @return the auth file written
   * @throws RegistryException when the registry refuses them (the message never holds the secret)
   * @throws InvalidValueException when {@code registry} is not {@code HOST[:PORT]}
   */
  public static Path login(String registry, Credentials credentials, PullOptions options) throws IOException {
    Objects.requireNonNull(credentials, "credentials");
    String host = RegistryReference.parse(registry + "/x:latest").registry();
    dev.containerj.layers.internal.RegistriesConf conf =
        dev.containerj.layers.internal.RegistriesConf.load(options.registriesConf());
    var entry = conf.find(host);
    boolean insecure = Boolean.FALSE.equals(options.tlsVerify()) || (entry != null && entry.insecure());
    RegistryClient.connect(host, "x", insecure, options.toBuilder().credentials(credentials).build()).checkLogin();
    Path file = authFile(options);
    AuthFiles.store(file, host, credentials);
    return file;
  }

  /**
   * Removes the stored credentials of {@code registry}; returns whether there were any.
   *
   * @param registry the registry's host (and port)
   * @param options names the auth file
   * @return whether credentials of {@code registry} were stored
   * @throws IOException when the auth file cannot be read or rewritten
   * @throws InvalidValueException when {@code registry} is not {@code HOST[:PORT]}
   */
  public static boolean logout(String registry, PullOptions options) throws IOException {
    String host = RegistryReference.parse(registry + "/x:latest").registry();
    return AuthFiles.remove(authFile(options), host);
  }
}
