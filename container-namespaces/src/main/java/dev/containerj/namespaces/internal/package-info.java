/**
 * Internal: the native helper, its wire protocol and the spawning of it. Not API.
 */
@NullMarked
package dev.containerj.namespaces.internal;

import org.jspecify.annotations.NullMarked;
