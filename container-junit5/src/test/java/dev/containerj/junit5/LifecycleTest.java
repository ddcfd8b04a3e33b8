package dev.containerj.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.containerj.core.ContainerSpec;
import dev.containerj.net.PortMapping;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The three lifecycles, run by JUnit itself (the engine test kit) with parallel execution on: per
 * method, per class and shared across classes; each test sees its own container from its own
 * thread, and every container is gone when its scope ends.
 */
@Tag("kernel")
class LifecycleTest {
  /** What the example classes below saw: container id -> pid, per lifecycle, and each test's port. */
  static final Map<String, Integer> perMethod = new ConcurrentHashMap<>();
  static final Map<String, Integer> perClass = new ConcurrentHashMap<>();
  static final Map<String, Integer> shared = new ConcurrentHashMap<>();
  static final Set<Integer> ports = ConcurrentHashMap.newKeySet();
  static final AtomicInteger running = new AtomicInteger();
  static final AtomicInteger maxRunning = new AtomicInteger();

  static final ContainerSpec SLEEPER = ContainerSpec.builder().command("sleep", "600")
      .publish(PortMapping.ephemeral(8080)).build();

  static EngineExecutionResults runInParallel(Class<?>... classes) {
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
        .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
        .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
        .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
        .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
        .selectors(java.util.Arrays.stream(classes).map(c -> selectClass(c)).toArray(org.junit.platform.engine.DiscoverySelector[]::new))
        .execute();
  }

  @Test
  void perMethodPerClassAndSharedContainersUnderParallelExecution() throws Exception {
    perMethod.clear();
    perClass.clear();
    shared.clear();
    ports.clear();
    maxRunning.set(0);
    EngineExecutionResults r = runInParallel(PerMethod.class, PerClassA.class, SharedA.class, SharedB.class);
    r.testEvents().assertStatistics(s -> s.started(4 + 2 + 2 + 2).succeeded(4 + 2 + 2 + 2));
    assertThat(perMethod).as("one container per method").hasSize(4);
    assertThat(perClass).as("one container for the class's two tests").hasSize(1);
    assertThat(shared).as("one container for both classes").hasSize(1);
    assertThat(ports).as("ephemeral ports of 6 distinct containers never collide").hasSize(6);
    assertThat(maxRunning.get()).as("tests ran at the same time").isGreaterThan(1);
    for (Map<String, Integer> m : java.util.List.of(perMethod, perClass, shared)) {
      for (Map.Entry<String, Integer> e : m.entrySet()) {
        Leaks.assertGone(e.getKey(), e.getValue());
      }
    }
  }

  /** Records what a test sees, checking that the container answering is its own (its hostname). */
  static void record(Map<String, Integer> into, ContainerExtension ext) throws InterruptedException {
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      TestContainer tc = ext.container();
      into.put(tc.id(), tc.container().pid());
      ports.add(tc.mappedPort(8080));
      assertThat(tc.exec("hostname").stdout().strip()).isEqualTo(tc.shortId());
      Thread.sleep(300); // overlap with the other tests
    } finally {
      running.decrementAndGet();
    }
  }

  static class PerMethod {
    @RegisterExtension
    ContainerExtension ext = ContainerExtension.of(SLEEPER);

    @Test void a() throws Exception { record(perMethod, ext); }
    @Test void b() throws Exception { record(perMethod, ext); }
    @Test void c() throws Exception { record(perMethod, ext); }
    @Test void d() throws Exception { record(perMethod, ext); }
  }

  static class PerClassA {
    @RegisterExtension
    static ContainerExtension ext = ContainerExtension.of(SLEEPER);

    @Test void a() throws Exception { record(perClass, ext); }
    @Test void b() throws Exception { record(perClass, ext); }
  }

  static class SharedA {
    @RegisterExtension
    static ContainerExtension ext = ContainerExtension.of(SLEEPER).shared("lifecycle-test");

    @Test void a() throws Exception { record(shared, ext); }
    @Test void b() throws Exception { record(shared, ext); }
  }

  static class SharedB {
    @RegisterExtension
    ContainerExtension ext = ContainerExtension.of(SLEEPER).shared("lifecycle-test");

    @Test void a() throws Exception { record(shared, ext); }
    @Test void b() throws Exception { record(shared, ext); }
  }
}
