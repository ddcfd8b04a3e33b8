package dev.containerj.examples.bench;

import dev.containerj.net.BridgeNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The bench's bridge row starts a container on the default bridge, which the library creates on
 * first use and keeps (as a host's default bridge is kept between containers). A test class that runs
 * the bench deletes that bridge afterwards when it was not there before: the test made it.
 */
public final class DefaultBridgeCleanup implements BeforeAllCallback, AfterAllCallback {
  private static final Path LINK = Path.of("/sys/class/net", BridgeNetwork.DEFAULT_BRIDGE);
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DefaultBridgeCleanup.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NS).put("existed", Files.exists(LINK));
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Boolean existed = context.getStore(NS).get("existed", Boolean.class);
    if (Boolean.FALSE.equals(existed) && Files.exists(LINK)) {
      Process p = new ProcessBuilder("ip", "link", "del", BridgeNetwork.DEFAULT_BRIDGE).inheritIO().start();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("the default bridge this test made could not be deleted");
      }
    }
  }
}
