/**
 * ContainerJ layers: usable on its own, without container-core.
 *
 * <p>aircompressor (pure-Java zstd) is a plain Maven dependency but not a {@code requires}: it has
 * no module name of its own, and a filename-derived one must not be required by a published module.
 * It is loaded reflectively when a zstd layer is met (core reflection assumes readability).
 */
module dev.containerj.layers {
  requires transitive dev.containerj.linux;
  requires static org.jspecify;
  requires org.apache.commons.compress;
  requires com.fasterxml.jackson.databind;
  requires java.net.http;

  exports dev.containerj.layers;
  exports dev.containerj.layers.internal to dev.containerj.core, dev.containerj.junit5;
}
