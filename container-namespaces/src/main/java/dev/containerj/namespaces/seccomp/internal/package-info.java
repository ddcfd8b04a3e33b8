/**
 * Internal: the classic-BPF assembler, the seccomp compiler, the syscall number tables, the
 * built-in profiles and the JSON profile parsers. Not API.
 */
@NullMarked
package dev.containerj.namespaces.seccomp.internal;

import org.jspecify.annotations.NullMarked;
