/**
 * The start-up benchmark ({@code containerj bench}): ContainerJ against bubblewrap and a plain
 * {@code ProcessBuilder}, from one JVM. A measurement for people, never a timed test.
 */
@NullMarked
package dev.containerj.examples.bench;

import org.jspecify.annotations.NullMarked;
