package dev.containerj.net;

import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Persistent namespaces make /run/netns a shared mount of its own, as iproute2 does, and it stays.
 * A test class that made it removes it again when the directory is empty, so that a test run leaves
 * the host's mount table as it found it.
 */
final class RunNetnsCleanup implements BeforeAllCallback, AfterAllCallback {
  private boolean wasMounted;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    wasMounted = isMountPoint();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (wasMounted || !isMountPoint() || LibC.geteuid() != 0) {
      return;
    }
    try (Stream<Path> s = Files.list(NetworkNamespace.RUN_DIR)) {
      if (s.findAny().isPresent()) {
        return; // someone else's namespaces live there
      }
    }
    LibC.umount2(NetworkNamespace.RUN_DIR.toString(), Constants.MNT_DETACH);
  }

  private static boolean isMountPoint() throws Exception {
    String target = " " + NetworkNamespace.RUN_DIR + " ";
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      if (line.contains(target)) {
        return true;
      }
    }
    return false;
  }
}
