package dev.containerj.namespaces.seccomp.internal;

import java.util.List;

/**
 * What the compiler produces: the sock_filter array, the install flags and the rule names the
 * architecture lacks.
 */
public record CompiledFilter(byte[] filter, int installFlags, List<String> skippedSyscalls) {}
