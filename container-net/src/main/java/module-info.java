/** ContainerJ net: usable on its own, without container-core. */
module dev.containerj.net {
  requires transitive dev.containerj.linux;
  requires static org.jspecify;

  exports dev.containerj.net;
  opens dev.containerj.net.internal to com.sun.jna;
}
