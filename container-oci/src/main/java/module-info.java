/** ContainerJ OCI: runtime-spec bundles ({@code config.json}) read into a ContainerSpec and written back. */
module dev.containerj.oci {
  requires transitive dev.containerj.core;
  requires com.fasterxml.jackson.databind;
  requires static org.jspecify;

  exports dev.containerj.oci;
}
