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

  private static final java.util.Map<String, String> MISSING_KINDS = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Skips the test, with the reason, when the kernel cannot create links of {@code kind} (a minimal
   * VM kernel may lack CONFIG_VETH or CONFIG_BRIDGE). The probe is independent of the code under
   * test: iproute2 creates the link in a throw-away network namespace of util-linux' unshare, which
   * disappears with its last process (nothing to delete). A bug in this module's link creation
   * therefore fails the test instead of turning into a skip; {@code LinkProbeTwinTest} checks that
   * the library agrees with this probe.
   */
  static void assumeLinkKind(String kind) throws IOException {
    assumeRoot();
    String missing = linkKindProblem(kind);
    assumeTrue(missing.isEmpty(), "not tested: this kernel cannot create " + kind + " links (" + missing + ")");
  }

  /** "" when {@code ip link add ... type kind} succeeds in a fresh network namespace, else ip's message. */
  static String linkKindProblem(String kind) {
    return MISSING_KINDS.computeIfAbsent(kind, k -> {
      List<String> cmd = new ArrayList<>(List.of("unshare", "--net", "ip", "link", "add", "probe0", "type", k));
      if (k.equals("veth")) {
        cmd.addAll(List.of("peer", "name", "probe1"));
      }
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new AssertionError("timeout: " + String.join(" ", cmd));
        }
        return p.exitValue() == 0 ? "" : String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out;
      } catch (IOException e) {
        // Not a skip: run-tests.sh installs util-linux and iproute2.
        throw new AssertionError("cannot run " + String.join(" ", cmd) + " (apt-get install util-linux iproute2): " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    });
  }

  /** Runs a command, returns stdout; throws with stderr if it fails, or if it is not installed (run-tests.sh installs iproute2). */
  static String run(String... cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new AssertionError(cmd[0] + " is not installed, so what the kernel shows cannot be cross-checked"
          + " (apt-get install iproute2 util-linux): " + e.getMessage(), e);
    }
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

  /**
   * A named namespace of the test's own that stands in for the host of a bridge (the real host's
   * links stay untouched); skips when veth or bridge links cannot be made. Delete it with {@link
   * #deleteQuietly}.
   */
  static NetworkNamespace bridgeHost() throws IOException {
    assumeLinkKind("veth");
    assumeLinkKind("bridge");
    return NetworkNamespace.createPersistent(uniqueName("host"));
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
