/** ContainerJ cgroups: usable on its own, without container-core. */
module dev.containerj.cgroups {
  requires transitive dev.containerj.linux;
  requires static org.jspecify;

  exports dev.containerj.cgroups;
  opens dev.containerj.cgroups.internal to com.sun.jna;
}
