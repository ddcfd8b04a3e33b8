/**
 * Seccomp filters built in Java, without libseccomp: profiles ({@link
 * dev.containerj.namespaces.seccomp.SeccompProfile}) compiled to classic BPF ({@link
 * dev.containerj.namespaces.seccomp.SeccompProgram}) for x86_64 and aarch64.
 *
 * <p>The launcher sends {@link dev.containerj.namespaces.seccomp.SeccompProgram#bytes()} to the
 * native helper, which installs the filter as its very last step before execve(2), after
 * prctl(PR_SET_NO_NEW_PRIVS): everything the helper itself does (mounts, pivot_root, setns,
 * capability changes) is therefore not subject to the container's filter.
 *
 * <p>Decisions, and where they differ from runc/libseccomp:
 * <ul>
 *   <li>Only the native architecture passes. A call through another ABI (i386 {@code int 0x80} on
 *       x86_64, x32, AArch32) is killed with KILL_PROCESS: Docker also admits x86 and x32 on
 *       amd64, but ContainerJ runs 64-bit payloads only and so halves what a filter must get right.
 *   <li>When several rules of a profile match one call, the most restrictive action wins (the
 *       kernel's order for stacked filters), so rule order never matters. Within one rule all
 *       argument conditions must hold, also several on the same argument (runc splits those into
 *       alternatives, which turns {@code arg0 != 1 && arg0 != 2} into "anything").
 *   <li>Names unknown to an architecture are skipped for it, as libseccomp-based runtimes do; the
 *       program lists them in {@link dev.containerj.namespaces.seccomp.SeccompProgram#skippedSyscalls()}.
 *   <li>Argument values are unsigned 64-bit, compared on both 32-bit halves.
 *   <li>The syscall tables are generated from the kernel UAPI headers by
 *       {@code src/main/scripts/gen-syscall-tables.sh}, with calls newer than the headers added
 *       by hand in that script.
 *   <li>The default profile denies io_uring_* (as Docker does since 25.0); the hardened profile
 *       additionally denies ptrace, process_vm_*, and sockets other than AF_UNIX/INET/INET6.
 * </ul>
 */
@NullMarked
package dev.containerj.namespaces.seccomp;

import org.jspecify.annotations.NullMarked;
