/** ContainerJ's shared Linux base. Its public API: the id mapping and the exceptions of every lower module in {@code dev.containerj.linux}. */
module dev.containerj.linux {
  requires transitive com.sun.jna;
  requires static org.jspecify;

  exports dev.containerj.linux;
  exports dev.containerj.linux.internal to
      dev.containerj.namespaces, dev.containerj.cgroups, dev.containerj.layers, dev.containerj.net,
      dev.containerj.core, dev.containerj.junit5;
  opens dev.containerj.linux.internal to com.sun.jna;
}
