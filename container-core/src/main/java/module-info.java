/** The ContainerJ facade: ContainerSpec and Container. */
module dev.containerj.core {
  requires transitive dev.containerj.namespaces;
  requires transitive dev.containerj.cgroups;
  requires transitive dev.containerj.layers;
  requires transitive dev.containerj.net;
  requires static org.jspecify;

  exports dev.containerj.core;
  exports dev.containerj.core.sandbox;
}
