package dev.containerj.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code containerj --version}: the project version (from a resource the build fills in, so it is
 * right in the fat jar and on a plain class path alike), the JVM and the kernel.
 */
public final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
        "containerj " + version(),
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
            + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch")};
  }

  /** The project version, as {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.startsWith("${")) {
          return v;
        }
      }
    } catch (IOException e) {
      // fall through to the manifest
    }
    String v = VersionProvider.class.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }
}
