/**
 * Untrusted JVM code (or a command) in a hardened container: {@link
 * dev.containerj.core.sandbox.PluginSandbox}.
 */
@NullMarked
package dev.containerj.core.sandbox;

import org.jspecify.annotations.NullMarked;
