/** Namespaces, id mappings, seccomp and the process launcher with its native helper. */
module dev.containerj.namespaces {
  requires transitive dev.containerj.linux;
  requires static org.jspecify;
  requires com.fasterxml.jackson.databind;

  exports dev.containerj.namespaces;
  exports dev.containerj.namespaces.seccomp;
  exports dev.containerj.namespaces.internal to dev.containerj.core;
}
