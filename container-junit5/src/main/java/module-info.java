/**
 * ContainerJ's JUnit 5 extension: {@link dev.containerj.junit5.ContainerExtension}.
 *
 * <p>commons-compress (tar streams of copyTo/copyFrom) is read only by this module, so it is not
 * {@code transitive}; JUnit's API and ContainerJ's core are, since the extension's API uses them.
 */
module dev.containerj.junit5 {
  requires transitive dev.containerj.core;
  requires transitive org.junit.jupiter.api;
  requires org.apache.commons.compress;
  requires java.net.http;
  requires static org.jspecify;

  exports dev.containerj.junit5;
}
