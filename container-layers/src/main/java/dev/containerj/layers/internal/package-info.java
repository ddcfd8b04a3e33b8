/**
 * Internals of container-layers: extra libc bindings, the new mount API, JSON and archive readers,
 * the safe path resolver. Exported only to {@code dev.containerj.core}; not an API.
 */
@NullMarked
package dev.containerj.layers.internal;

import org.jspecify.annotations.NullMarked;
