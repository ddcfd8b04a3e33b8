/** ContainerJ layers: usable on its own, without container-core. */
module dev.containerj.layers {
  requires transitive dev.containerj.linux;
  requires static org.jspecify;
  requires org.apache.commons.compress;
  requires com.fasterxml.jackson.databind;
  requires aircompressor;

  exports dev.containerj.layers;
  exports dev.containerj.layers.internal to dev.containerj.core;
}
