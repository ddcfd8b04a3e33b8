/**
 * The facade: an immutable {@link dev.containerj.core.ContainerSpec} started as a running {@link dev.containerj.core.Container}.
 */
@NullMarked
package dev.containerj.core;

import org.jspecify.annotations.NullMarked;
