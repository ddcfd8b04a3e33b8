/**
 * Internal: the start sequence, state directory and reaper. Not API.
 */
@NullMarked
package dev.containerj.core.internal;

import org.jspecify.annotations.NullMarked;
