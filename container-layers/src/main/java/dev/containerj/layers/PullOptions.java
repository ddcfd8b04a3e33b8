package dev.containerj.layers;

import dev.containerj.linux.InvalidValueException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How {@link LayerStore#pull} talks to registries. Immutable; {@link #defaults()} reads credentials
 * and registry settings from the usual files.
 *
 * <p>Where settings come from, unless set here:
 * <ul>
 *   <li>registries: {@code $XDG_CONFIG_HOME/containerj/registries.conf} (else
 *       {@code $HOME/.config/containerj/registries.conf}; as root {@code /etc/containerj/registries.conf}),
 *       a subset of containers-registries.conf(5): {@code [[registry]]} tables with {@code location},
 *       {@code insecure} (plain HTTP or unverified TLS allowed), {@code blocked}, and
 *       {@code [[registry.mirror]]} tables with {@code location} and {@code insecure};</li>
 *   <li>CA certificates: {@code *.crt} files in {@link Builder#certDir}, else in
 *       {@code $XDG_CONFIG_HOME/containerj/certs.d/HOST[:PORT]/} and
 *       {@code /etc/containers/certs.d/HOST[:PORT]/} (containers-certs.d(5)), added to the JDK's
 *       trusted roots;</li>
 *   <li>credentials: {@link Builder#credentials}, else {@code auths}/{@code credHelpers}/
 *       {@code credsStore} of {@code ${XDG_RUNTIME_DIR}/containers/auth.json} (Podman's file), then of
 *       {@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}.</li>
 * </ul>
 */
public final class PullOptions {
  private final Platform platform;
  private final @Nullable Credentials credentials;
  private final @Nullable Boolean tlsVerify;
  private final @Nullable Path certDir;
  private final @Nullable Path registriesConf;
  private final @Nullable Path authFile;
  private final int concurrency;
  private final int retries;
  private final Duration timeout;
  private final PullListener listener;

  private PullOptions(Builder b) {
    this.platform = b.platform;
    this.credentials = b.credentials;
    this.tlsVerify = b.tlsVerify;
    this.certDir = b.certDir;
    this.registriesConf = b.registriesConf;
    this.authFile = b.authFile;
    this.concurrency = b.concurrency;
    this.retries = b.retries;
    this.timeout = b.timeout;
    this.listener = b.listener;
  }

  /**
   * {@return the defaults: this JVM's platform, settings from the files named in the class comment}
   */
  public static PullOptions defaults() {
    return builder().build();
  }

  /** {@return a builder holding the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder holding these options, to derive changed ones} */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.platform = platform;
    b.credentials = credentials;
    b.tlsVerify = tlsVerify;
    b.certDir = certDir;
    b.registriesConf = registriesConf;
    b.authFile = authFile;
    b.concurrency = concurrency;
    b.retries = retries;
    b.timeout = timeout;
    b.listener = listener;
    return b;
  }

  /** {@return the platform picked from a multi-platform index} */
  public Platform platform() {
    return platform;
  }

  /** {@return explicit credentials, or null to look them up in the auth files} */
  public @Nullable Credentials credentials() {
    return credentials;
  }

  /**
   * {@return false: plain HTTP and unverified TLS allowed for every registry; null: as configured
   * per registry}
   */
  public @Nullable Boolean tlsVerify() {
    return tlsVerify;
  }

  /**
   * {@return a directory of {@code *.crt} CA certificates, or null for the per-registry certs.d
   * directories}
   */
  public @Nullable Path certDir() {
    return certDir;
  }

  /** {@return the registries configuration file, or null for the default location} */
  public @Nullable Path registriesConf() {
    return registriesConf;
  }

  /** {@return the auth file to read (and for login, write), or null for the default search} */
  public @Nullable Path authFile() {
    return authFile;
  }

  /** {@return how many layers download at once} */
  public int concurrency() {
    return concurrency;
  }

  /** {@return how many times a request is retried after a 429, a 5xx or a dropped connection} */
  public int retries() {
    return retries;
  }

  /** {@return timeout to connect and to wait for response headers} */
  public Duration timeout() {
    return timeout;
  }

  /** {@return the listener told of the pull's progress; {@link PullListener#NONE} by default} */
  public PullListener listener() {
    return listener;
  }

  /** Builds {@link PullOptions}. */
  public static final class Builder {
    private Platform platform = Platform.current();
    private @Nullable Credentials credentials;
    private @Nullable Boolean tlsVerify;
    private @Nullable Path certDir;
    private @Nullable Path registriesConf;
    private @Nullable Path authFile;
    private int concurrency = 3;
    private int retries = 5;
    private Duration timeout = Duration.ofSeconds(30);
    private PullListener listener = PullListener.NONE;

    private Builder() {}

    /**
     * Sets the platform to pick from a multi-platform index.
     *
     * @param platform default: this JVM's ({@link Platform#current()})
     * @return this builder
     */
    public Builder platform(Platform platform) {
      this.platform = Objects.requireNonNull(platform, "platform");
      return this;
    }

    /**
     * Sets explicit credentials for the registry.
     *
     * @param credentials the user and secret, or null (the default) to look them up in the auth
     *     files
     * @return this builder
     */
    public Builder credentials(@Nullable Credentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * {@code false} is {@code --tls-verify=false}; null (the default) follows the configuration.
     *
     * @param tlsVerify false to skip TLS and certificate checks, true to force them, null to follow
     *     registries.conf
     * @return this builder
     */
    public Builder tlsVerify(@Nullable Boolean tlsVerify) {
      this.tlsVerify = tlsVerify;
      return this;
    }

    /**
     * Sets the CA certificate directory ({@code --cert-dir}).
     *
     * @param certDir a directory of {@code *.crt} files, or null (the default) for the certs.d
     *     directories
     * @return this builder
     */
    public Builder certDir(@Nullable Path certDir) {
      this.certDir = certDir;
      return this;
    }

    /**
     * Sets the registries configuration file (containers-registries.conf(5)).
     *
     * @param registriesConf the file, or null (the default) for the standard locations
     * @return this builder
     */
    public Builder registriesConf(@Nullable Path registriesConf) {
      this.registriesConf = registriesConf;
      return this;
    }

    /**
     * Sets the auth file ({@code --authfile}).
     *
     * @param authFile the file to read (and for login, write), or null (the default) for the
     *     standard search
     * @return this builder
     */
    public Builder authFile(@Nullable Path authFile) {
      this.authFile = authFile;
      return this;
    }

    /**
     * Default 3: enough to fill a link, few enough to leave a CPU for unpacking.
     *
     * @param concurrency default 3: enough to fill a link, few enough to leave a CPU for unpacking
     * @return this builder
     * @throws InvalidValueException when {@code concurrency} is outside 1..32
     */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1 || concurrency > 32) {
        throw new InvalidValueException("concurrency", Integer.toString(concurrency), "must be 1..32");
      }
      this.concurrency = concurrency;
      return this;
    }

    /**
     * Default 5 (backoff 0.25 s doubling, or as {@code Retry-After} says; a {@code Retry-After} over
     * 30 s fails the pull at once, naming it).
     *
     * @param retries how often a failed request is retried, 0..20
     * @return this builder
     * @throws InvalidValueException when {@code retries} is outside 0..20
     */
    public Builder retries(int retries) {
      if (retries < 0 || retries > 20) {
        throw new InvalidValueException("retries", Integer.toString(retries), "must be 0..20");
      }
      this.retries = retries;
      return this;
    }

    /**
     * Sets the timeout to connect and to wait for response headers (not for a whole download).
     *
     * @param timeout &gt; 0; default 30 s
     * @return this builder
     * @throws InvalidValueException when {@code timeout} is zero or negative
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InvalidValueException("timeout", timeout.toString(), "must be > 0");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets the listener told of the pull's progress.
     *
     * @param listener default {@link PullListener#NONE}
     * @return this builder
     */
    public Builder listener(PullListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** {@return the options} */
    public PullOptions build() {
      return new PullOptions(this);
    }
  }
}
