/**
 * Internal: the JNA libc binding, errno mapping, fd handles and kernel feature probes. Not API; exported only to ContainerJ's own modules.
 */
@NullMarked
package dev.containerj.linux.internal;

import org.jspecify.annotations.NullMarked;
