package dev.containerj.net;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Helpers for the kernel tests: unique names, root check, running ip(8) to look at what the kernel shows. */
final class TestNet {
  private TestNet() {}

  /** "cjt" + 6 random hex digits + suffix: never collides with parallel runs. */
  static String uniqueName(String suffix) {
    return "cjt" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24)) + suffix;
  }

  static void assumeRoot() {
    assumeTrue(LibC.geteuid() == 0,
        "not tested: creating links and network namespaces needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN); euid is " + LibC.geteuid());
  }

  /** Runs a command, returns stdout; throws with stderr if it fails. */
  static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timeout: " + String.join(" ", cmd));
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** {@code ip [-n ns] args...}. */
  static String ip(String ns, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    if (ns != null) {
      cmd.add("-n");
      cmd.add(ns);
    }
    cmd.addAll(List.of(args));
    return run(cmd.toArray(new String[0]));
  }

  /** Deletes a named namespace if it exists, never throws (for finally blocks). */
  static void deleteQuietly(NetworkNamespace ns) {
    try {
      if (ns != null) {
        ns.delete();
      }
    } catch (IOException | RuntimeException ignored) {
      // already gone
    }
  }
}
