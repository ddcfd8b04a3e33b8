/** ContainerJ layers: usable on its own, without container-core. */
module dev.containerj.layers {
  requires transitive dev.containerj.linux;
  requires static org.jspecify;

  // exports dev.containerj.layers;  (enabled with the module's first public class)
}
