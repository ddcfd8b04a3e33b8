/**
 * A JUnit 5 extension that starts ContainerJ containers for tests: {@link
 * dev.containerj.junit5.ContainerExtension} (registered with {@code @RegisterExtension}), the
 * running {@link dev.containerj.junit5.TestContainer}, and the {@link dev.containerj.junit5.Wait}
 * strategies that decide when a container is ready.
 */
@NullMarked
package dev.containerj.junit5;

import org.jspecify.annotations.NullMarked;
