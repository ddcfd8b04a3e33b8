package dev.containerj.core.internal;

import dev.containerj.core.ContainerSpec;
import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.seccomp.SeccompArch;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import dev.containerj.namespaces.seccomp.SeccompProgram;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The seccomp program of a spec. The default profile is compiled once per capability set and
 * architecture and kept: a start pays a map lookup, not a compilation.
 */
final class Seccomp {
  private static final ConcurrentHashMap<Set<Capability>, SeccompProgram> DEFAULTS = new ConcurrentHashMap<>();

  private Seccomp() {}

  /** The program to install, or null for an unconfined spec. */
  static @Nullable SeccompProgram program(ContainerSpec spec) {
    SeccompProfile profile = spec.seccomp();
    if (profile == null) {
      Set<Capability> caps = spec.capabilities().isEmpty()
          ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(spec.capabilities());
      return DEFAULTS.computeIfAbsent(caps, c -> {
        Set<String> names = new TreeSet<>();
        c.forEach(cap -> names.add(cap.name()));
        return SeccompProfile.compileDefault(names, SeccompArch.current());
      });
    }
    if (profile.isUnconfined()) {
      return null;
    }
    return profile.compile(SeccompArch.current());
  }

  static String describe(ContainerSpec spec) {
    return spec.seccomp() == null ? "default profile" : "custom profile";
  }
}
