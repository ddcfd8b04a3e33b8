/**
 * Exceptions shared by every ContainerJ module: {@link dev.containerj.linux.SyscallException} and {@link dev.containerj.linux.Errno}.
 */
@NullMarked
package dev.containerj.linux;

import org.jspecify.annotations.NullMarked;
