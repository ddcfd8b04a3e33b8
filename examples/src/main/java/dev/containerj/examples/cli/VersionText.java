package dev.containerj.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The text of {@code containerj --version}: the project version (from a resource the build fills
 * in, so it is right in the fat jar and on a plain class path alike), the JVM and the kernel.
 *
 * <p>Apart from {@link VersionProvider} because {@code main} prints it before anything of picocli
 * is loaded (the provider implements a picocli interface, whose loading pulls in picocli's main
 * class). No string concatenation by {@code +} either: its first use bootstraps
 * {@code StringConcatFactory}, milliseconds of a cold JVM.
 */
public final class VersionText {
  private VersionText() {}

  /** The lines of {@code --version}. */
  static String[] lines() {
    StringBuilder jvm = new StringBuilder("Java ").append(System.getProperty("java.version")).append(" (")
        .append(System.getProperty("java.vm.name")).append("), ").append(System.getProperty("os.name")).append(' ')
        .append(System.getProperty("os.version")).append(' ').append(System.getProperty("os.arch"));
    return new String[] {"containerj ".concat(version()), jvm.toString()};
  }

  /** The project version, as {@code 0.1.0-SNAPSHOT}: the build's resource, else the manifest. */
  public static String version() {
    try (InputStream in = VersionText.class.getResourceAsStream("version.properties")) {
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
    String v = VersionText.class.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }
}
