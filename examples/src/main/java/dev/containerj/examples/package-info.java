/**
 * Runnable examples of the ContainerJ API. Every example here is compiled and run by the test suite
 * (examples are documentation, and documentation that does not run rots).
 *
 * <ul>
 *   <li>{@link dev.containerj.examples.HelloContainer}: start a container, capture its output, read its
 *       exit status.
 *   <li>{@link dev.containerj.examples.cli.ContainerjCommand}: the {@code containerj} command-line
 *       tool ({@code java -jar examples/target/containerj.jar --help}).
 *   <li>{@link dev.containerj.examples.bench.StartupBenchmark}: start-to-exit latency of a container
 *       against bubblewrap and a plain {@code ProcessBuilder} ({@code containerj bench}).
 * </ul>
 *
 * <p>This module is an application, not a library: it has no module-info and runs on the class path,
 * as the fat jar {@code examples/target/containerj.jar} does.
 */
@NullMarked
package dev.containerj.examples;

import org.jspecify.annotations.NullMarked;
