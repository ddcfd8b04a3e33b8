package dev.containerj.junit5;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.ContainerSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A container for JUnit 5 tests, registered with {@code @RegisterExtension}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static ContainerExtension web = ContainerExtension.of(ContainerSpec.builder()
 *         .command("busybox", "httpd", "-f", "-p", "8080", "-h", "/srv")
 *         .publish(PortMapping.ephemeral(8080)).build())
 *     .waitingFor(Wait.forHttp(8080, "/", 200));
 *
 * @Test
 * void answers() {
 *   URI uri = URI.create("http://127.0.0.1:" + web.mappedPort(8080) + "/");
 *   ...
 * }
 * }</pre>
 *
 * <p>Lifecycles:
 *
 * <ul>
 *   <li>a {@code static} field: one container for the test class, started before its
 *       {@code @BeforeAll} methods and closed after its {@code @AfterAll} methods;
 *   <li>an instance field, or {@link #perMethod()}: a container per test method, started before its
 *       {@code @BeforeEach} methods and closed after its {@code @AfterEach} methods;
 *   <li>{@link #shared(String)}: one container per key and JVM, started by the first test class
 *       that needs it, reused by every later one, closed when the test run ends (JUnit's root
 *       store).
 * </ul>
 *
 * <p>Safe under JUnit's parallel execution: each per-method container belongs to the thread of its
 * test ({@link #container()} answers the one of the calling test), and a shared container is started
 * once however many classes ask at the same moment. Published ports should be {@code
 * PortMapping.ephemeral}: fixed host ports collide when tests run at once.
 *
 * <p>When a test fails, the container's last {@value #REPORT_LINES} output lines are published as
 * a report entry ({@code containerj.ID.log}, the key ending in the container's short id) and written
 * to a file in {@code containerj.junit.reportDir} (system property; by default {@code
 * target/containerj-reports}), {@code CLASS/METHOD-ID.log}.
 *
 * <p>Nothing is left when the JVM dies, even by {@code kill -9}: containers started without {@code
 * detached} die with their JVM (parent-death signal), and {@link ContainerRuntime#reap()}, which the
 * next runtime of the same state directory runs, removes their state.
 *
 * <p>Instances are immutable: each {@code with...} method returns a new one.
 */
public final class ContainerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
    AfterEachCallback {
  /** How many output lines go into the report of a failed test. */
  public static final int REPORT_LINES = 200;
  /** The system property naming the directory of the failed tests' log files. */
  public static final String REPORT_DIR_PROPERTY = "containerj.junit.reportDir";

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ContainerExtension.class);

  private enum Mode { BY_FIELD, PER_METHOD, SHARED }

  private final ContainerSpec spec;
  private final Wait wait;
  private final List<Consumer<LogLine>> consumers;
  private final @Nullable ContainerRuntime runtime;
  private final Mode mode;
  private final @Nullable String sharedKey;

  /** The class's container (static field) or the shared one, once started. */
  private volatile @Nullable TestContainer classContainer;
  /** The container of the test running on this thread (per-method, or shared via an instance field). */
  private final ThreadLocal<@Nullable TestContainer> methodContainer = new ThreadLocal<>();

  private ContainerExtension(ContainerSpec spec, Wait wait, List<Consumer<LogLine>> consumers,
      @Nullable ContainerRuntime runtime, Mode mode, @Nullable String sharedKey) {
    this.spec = spec;
    this.wait = wait;
    this.consumers = List.copyOf(consumers);
    this.runtime = runtime;
    this.mode = mode;
    this.sharedKey = sharedKey;
  }

  /**
   * An extension starting {@code spec} in the default runtime, with no wait and no log consumer.
   *
   * @param spec the container to start; not null
   * @return the extension: one container per class in a static field, per test in an instance one
   */
  public static ContainerExtension of(ContainerSpec spec) {
    return new ContainerExtension(Objects.requireNonNull(spec, "spec"), Wait.none(), List.of(), null, Mode.BY_FIELD, null);
  }

  /**
   * The same extension waiting for {@code wait} after each start.
   *
   * @param wait the readiness condition; not null
   * @return a new extension; this one is unchanged
   */
  public ContainerExtension waitingFor(Wait wait) {
    return new ContainerExtension(spec, Objects.requireNonNull(wait, "wait"), consumers, runtime, mode, sharedKey);
  }

  /**
   * The same extension also handing each output line to {@code consumer}, on the container's log
   * thread (a consumer that throws loses that line only).
   *
   * @param consumer the consumer; not null
   * @return a new extension; this one is unchanged
   */
  public ContainerExtension withLogConsumer(Consumer<LogLine> consumer) {
    List<Consumer<LogLine>> all = new ArrayList<>(consumers);
    all.add(Objects.requireNonNull(consumer, "consumer"));
    return new ContainerExtension(spec, wait, all, runtime, mode, sharedKey);
  }

  /**
   * The same extension starting its containers in {@code runtime} instead of the default one.
   *
   * @param runtime the runtime; not null
   * @return a new extension; this one is unchanged
   */
  public ContainerExtension withRuntime(ContainerRuntime runtime) {
    return new ContainerExtension(spec, wait, consumers, Objects.requireNonNull(runtime, "runtime"), mode, sharedKey);
  }

  /**
   * The same extension with a container per test method, even when registered in a static field.
   *
   * @return a new extension; this one is unchanged
   */
  public ContainerExtension perMethod() {
    return new ContainerExtension(spec, wait, consumers, runtime, Mode.PER_METHOD, null);
  }

  /**
   * The same extension with one container per {@code key} for the whole test run of this JVM: the
   * first registration that starts it decides its spec, wait and consumers; the others reuse it.
   *
   * @param key the name that the registrations sharing the container use
   * @return a new extension; this one is unchanged
   * @throws IllegalArgumentException when {@code key} is blank
   */
  public ContainerExtension shared(String key) {
    if (key.isBlank()) {
      throw new IllegalArgumentException("key: \"" + key + "\" is blank; a shared container needs a name");
    }
    return new ContainerExtension(spec, wait, consumers, runtime, Mode.SHARED, key);
  }

  /**
   * The container of the calling test: its per-method container, or the class's or shared one.
   *
   * @return the running container
   * @throws IllegalStateException outside a test's lifecycle (no container started yet, or closed)
   */
  public TestContainer container() {
    TestContainer tc = methodContainer.get();
    if (tc == null) {
      tc = classContainer;
    }
    if (tc == null) {
      throw new IllegalStateException("no container of " + spec.command() + " for this thread: the extension "
          + "starts one per class (static field), per method (instance field, perMethod()) or shared, and it is "
          + "reachable from the test's own thread during its lifecycle only");
    }
    return tc;
  }

  /**
   * {@code container().mappedPort(containerPort)}: the host port published to {@code
   * containerPort}.
   *
   * @param containerPort the port inside the container, 1..65535
   * @return the host port
   * @throws dev.containerj.core.ContainerException when no published port forwards to {@code
   *     containerPort}
   */
  public int mappedPort(int containerPort) {
    return container().mappedPort(containerPort);
  }

  /** Starts the class's container (static field) or looks up the shared one. */
  @Override
  public void beforeAll(ExtensionContext context) {
    if (mode == Mode.SHARED) {
      classContainer = shared(context);
    } else if (mode == Mode.BY_FIELD) {
      TestContainer tc = start();
      // In the class's store too, so that it is closed even when afterAll is not reached.
      context.getStore(NS).put(this, new Closing(tc));
      classContainer = tc;
    }
  }

  /** Starts the test's container when it has one of its own, or looks up the shared one. */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (mode == Mode.SHARED) {
      if (classContainer == null) { // an instance field: beforeAll was not called
        methodContainer.set(shared(context));
      }
    } else if (mode == Mode.PER_METHOD || classContainer == null) {
      TestContainer tc = start();
      context.getStore(NS).put(this, new Closing(tc));
      methodContainer.set(tc);
    }
  }

  /** Attaches the output of the test's container to the report when it failed, then closes its own. */
  @Override
  public void afterEach(ExtensionContext context) {
    TestContainer own = methodContainer.get();
    TestContainer tc = own != null ? own : classContainer;
    try {
      if (tc != null && context.getExecutionException().isPresent()) {
        report(context, tc);
      }
    } finally {
      methodContainer.remove();
      if (own != null && mode != Mode.SHARED) {
        own.close();
      }
    }
  }

  /** Closes the class's container (a shared one stays for the next class). */
  @Override
  public void afterAll(ExtensionContext context) {
    TestContainer tc = classContainer;
    classContainer = null;
    if (tc != null && mode != Mode.SHARED) {
      tc.close();
    }
  }

  private TestContainer start() {
    ContainerRuntime rt = runtime != null ? runtime : ContainerRuntime.defaults();
    return TestContainer.start(rt, spec, wait, consumers);
  }

  private TestContainer shared(ExtensionContext context) {
    // The root store computes a key's value once (thread-safe) and closes it, an AutoCloseable, when
    // the test run ends.
    return context.getRoot().getStore(NS)
        .getOrComputeIfAbsent("shared:" + sharedKey, k -> new Closing(start()), Closing.class).container;
  }

  /** The report entry and the file of a failed test. */
  private static void report(ExtensionContext context, TestContainer tc) {
    String text = tc.logText(REPORT_LINES);
    String key = "containerj." + tc.shortId();
    Path dir = Path.of(System.getProperty(REPORT_DIR_PROPERTY, "target/containerj-reports"));
    String cls = context.getTestClass().map(Class::getName).orElse("unknown");
    String method = context.getTestMethod().map(m -> m.getName()).orElse("class");
    Path file = dir.resolve(cls).resolve(method + "-" + tc.shortId() + ".log");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
      context.publishReportEntry(Map.of(key + ".log", text, key + ".file", file.toAbsolutePath().toString()));
    } catch (IOException e) {
      context.publishReportEntry(Map.of(key + ".log", text, key + ".file", "not written: " + e));
    }
  }

  /** A container in a JUnit store, closed with the store's context. */
  private static final class Closing implements AutoCloseable {
    final TestContainer container;

    Closing(TestContainer container) {
      this.container = container;
    }

    @Override
    public void close() {
      container.close();
    }
  }

  @Override
  public String toString() {
    return "ContainerExtension[" + spec.command() + ", " + mode + (sharedKey == null ? "" : " " + sharedKey) + ", "
        + wait + "]";
  }
}
