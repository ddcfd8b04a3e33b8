/**
 * {@code containerj-runtime}: ContainerJ behind runc's command line, for clients that drive an OCI
 * runtime through a bundle (Podman, containerd's runc shim).
 */
package dev.containerj.examples.oci;
